import * as assert from 'node:assert/strict';
import { formatList } from '../../../src/l10n/l10n';

describe('lists in the display language', () => {
  it('"and" and "or" lists in English, Japanese and Simplified Chinese; a tag Intl does not know is English', () => {
    const keys = ['"width"', '"height"', '"seed"'];
    assert.equal(formatList(keys, 'conjunction', 'en'), '"width", "height", and "seed"');
    assert.equal(formatList(keys.slice(0, 2), 'conjunction', 'en'), '"width" and "height"');
    assert.equal(formatList(keys, 'disjunction', 'en'), '"width", "height", or "seed"');
    assert.equal(formatList(keys, 'disjunction', 'ja'), '"width"、"height"、または"seed"');
    assert.equal(formatList(keys, 'conjunction', 'zh-cn'), '"width"、"height"和"seed"');
    assert.equal(formatList(keys, 'conjunction', 'not a language tag!'), '"width", "height", and "seed"');
    assert.equal(formatList(['"only"'], 'disjunction', 'ja'), '"only"');
  });
});
