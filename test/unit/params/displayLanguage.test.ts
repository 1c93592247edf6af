import * as assert from 'node:assert/strict';
import { formatMessage, useTranslator } from '../../../src/l10n/l10n';
import { validateParamsText } from '../../../src/params/validate';

/** A translator that marks every message it was asked for, so a text of ours left untranslated shows. */
const marking = { t: (message: string, ...args: Array<string | number | boolean>) => formatMessage(`«${message}»`, args) };

describe('a parameter file\'s problems in another display language', () => {
  before(() => useTranslator(marking, 'ja'));
  after(() => useTranslator({ t: (message, ...args) => formatMessage(message, args) }, 'en'));

  it('the keys an object accepts are listed with the display language\'s "and"', () => {
    const { diagnostics } = validateParamsText('{ "prompt": "a fox", "video_size": { "width": 512, "height": 512, "depth": 3 } }');
    const unknown = diagnostics.find((d) => d.code === 'unknown-key');
    assert.equal(unknown?.message, '«Unknown key "depth": "video_size" accepts only "width"、"height".»');
  });

  it('the schema\'s rules (a repeated seed, variations with seeds, an absolute output) are translated, not the schema\'s English', () => {
    const messages = (text: string) => validateParamsText(text).diagnostics.map((d) => d.message);
    assert.deepEqual(messages('{ "prompt": "a fox", "seed": [3, 3] }'), [
      '«Seed 3 is listed twice: the same seed and prompt give the same video, so it would be generated (and paid for) twice.»',
    ]);
    assert.deepEqual(messages('{ "prompt": "a fox", "variations": 2, "seed": 7 }'), [
      '«"variations" runs 2 generations with random seeds, which contradicts the fixed "seed". Remove one of them.»',
    ]);
    assert.deepEqual(messages('{ "prompt": "a fox", "variations": 2, "seed": [1, 2] }'), [
      '«Use either "variations" (random seeds) or a list of seeds in "seed", not both.»',
    ]);
    assert.deepEqual(messages('{ "prompt": "a fox", "output": "/tmp/videos" }'), [
      '«"output" must be a folder relative to this file (such as "renders"), so the file works on every machine.»',
    ]);
  });
});
