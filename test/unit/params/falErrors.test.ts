import * as assert from 'node:assert/strict';
import { parseFieldErrors } from '../../../src/fal/errors';
import { formatMessage, useTranslator } from '../../../src/l10n/l10n';
import { applyParamEdits } from '../../../src/params/diagnostics';
import { entriesStillApplicable, falErrorsToDiagnostics } from '../../../src/params/falErrors';
import { validateInput } from '../../fal-imitation/validation';
import { assertWithinText, marked } from './support';

const TURBO_T2V = 'fal-ai/fast-animatediff/turbo/text-to-video';

function located(source: string, body: unknown): { text: string; offset: number; length: number; diagnostics: ReturnType<typeof falErrorsToDiagnostics> } {
  const { text, offset, length } = marked(source);
  const diagnostics = falErrorsToDiagnostics(text, body);
  assertWithinText(text, diagnostics, source);
  return { text, offset, length, diagnostics };
}

describe("fal's 422 answer on the parameter file", () => {
  it('puts a range error on the value, with a fix from fal\'s bound', () => {
    const { text, offset, length, diagnostics } = located('{\n  "prompt": "a fox",\n  "num_frames": ⟦64⟧\n}', {
      detail: [{ loc: ['body', 'num_frames'], msg: 'Input should be less than or equal to 32', type: 'less_than_equal', ctx: { le: 32 }, input: 64 }],
    });
    assert.equal(diagnostics.length, 1);
    const [d] = diagnostics;
    assert.deepEqual([d.offset, d.length, d.severity, d.code], [offset, length, 'error', 'fal-rejected']);
    assert.equal(d.message, 'fal rejected "num_frames": Input should be less than or equal to 32.');
    assert.equal(d.fixes?.[0].title, "Use fal's maximum, 32");
    assert.match(applyParamEdits(text, d.fixes[0].edits), /"num_frames": 32\n/);
  });

  it('locates what the fal imitation reports for a bad body, as fal would send it', () => {
    const source = '{\n  "prompt": "a fox",\n  "fps": ⟦"fast"⟧,\n  "motions": ["zoom-in", "spin"]\n}';
    const { text, offset } = marked(source);
    const checked = validateInput(TURBO_T2V, JSON.parse(text));
    assert.ok(!checked.ok);
    const diagnostics = falErrorsToDiagnostics(text, { detail: checked.detail });
    assert.deepEqual(diagnostics.map((d) => text.slice(d.offset, d.offset + d.length)), ['"fast"', '"spin"']);
    assert.equal(diagnostics[0].offset, offset);
    assert.match(diagnostics[0].message, /^fal rejected "fps": Input should be a valid integer/);
    assert.match(diagnostics[1].message, /^fal rejected "motions\[1\]": Input should be 'zoom-out'/);
  });

  it('merges the two union entries pydantic sends for video_size into one problem at the value', () => {
    const { text, offset } = marked('{ "prompt": "a fox", "video_size": ⟦"huge"⟧ }');
    const checked = validateInput(TURBO_T2V, JSON.parse(text));
    assert.ok(!checked.ok && checked.detail.length === 2);
    const diagnostics = falErrorsToDiagnostics(text, { detail: checked.detail });
    assert.equal(diagnostics.length, 1);
    assert.equal(diagnostics[0].offset, offset);
    assert.match(diagnostics[0].message, /instance of ImageSize; Input should be 'square_hd'/);
  });

  it('merges entries on one value by where they are, keeping the first verb and the first fix offered', () => {
    const { offset, diagnostics } = located('{ "prompt": "a fox", "num_frames": ⟦64.5⟧ }', {
      detail: [
        { loc: ['body', 'num_frames'], msg: 'Input should be a valid integer.', type: 'int_type' },
        { loc: ['body', 'num_frames'], msg: 'Input should be less than or equal to 32', type: 'less_than_equal', ctx: { le: 32 } },
        { loc: ['body', 'num_frames'], type: 'less_than_equal', ctx: { le: 16 } },
      ],
    });
    assert.equal(diagnostics.length, 1);
    assert.equal(diagnostics[0].offset, offset);
    assert.equal(diagnostics[0].message, 'fal rejected "num_frames": Input should be a valid integer; Input should be less than or equal to 32; invalid value.');
    assert.deepEqual(diagnostics[0].fixes?.map((fix) => fix.title), ["Use fal's maximum, 32"]);
  });

  it('does not merge entries that are not about a value of the file', () => {
    const diagnostics = falErrorsToDiagnostics('{ "endpoint": "fal-ai/fast-animatediff/turbo/video-to-video", "prompt": "x" }', {
      detail: [
        { loc: ['body', 'video_url'], msg: 'Field required', type: 'missing' },
        { loc: ['body', 'strength'], msg: 'Field required', type: 'missing' },
        { loc: ['body'], msg: 'first', type: 'value_error' },
        { loc: ['body'], msg: 'second', type: 'value_error' },
      ],
    });
    assert.deepEqual(diagnostics.map((d) => d.message), [
      'fal rejected the request: "video_url" is required (Field required).',
      'fal rejected the request: "strength" is required (Field required).',
      'fal rejected the request: first.',
      'fal rejected the request: second.',
    ]);
  });

  describe('in another display language', () => {
    before(() => useTranslator({ t: (message, ...args) => formatMessage(`«${message}»`, args) }, 'ja'));
    after(() => useTranslator({ t: (message, ...args) => formatMessage(message, args) }, 'en'));

    it('merged entries are put in words once, with fal\'s messages listed in it', () => {
      const { diagnostics } = located('{ "prompt": "a fox", "video_size": ⟦"huge"⟧ }', {
        detail: [
          { loc: ['body', 'video_size', 'ImageSize'], msg: 'Input should be a valid dictionary or instance of ImageSize', type: 'model_type' },
          { loc: ['body', 'video_size', "literal['square_hd','square']"], msg: "Input should be 'square_hd' or 'square'", type: 'literal_error' },
        ],
      });
      assert.deepEqual(diagnostics.map((d) => d.message), [
        "«fal rejected \"video_size\": Input should be a valid dictionary or instance of ImageSize; Input should be 'square_hd' or 'square'.»",
      ]);
    });

    it('a fix and a 422 without details are in the display language too', () => {
      const { diagnostics } = located('{ "prompt": "a fox", "fps": ⟦90⟧ }', {
        detail: [{ loc: ['body', 'fps'], msg: 'Input should be less than or equal to 16', type: 'less_than_equal', ctx: { le: 16 } }],
      });
      assert.equal(diagnostics[0].fixes?.[0].title, "«Use fal's maximum, 16»");
      assert.deepEqual(falErrorsToDiagnostics('{}', {}).map((d) => d.message), ['«fal rejected the request: the input is not valid.»']);
    });
  });

  it('follows a nested loc through the union member name to the number', () => {
    const { offset, diagnostics } = located('{ "prompt": "a fox", "video_size": { "width": ⟦0⟧, "height": 512 } }', {
      detail: [{ loc: ['body', 'video_size', 'ImageSize', 'width'], msg: 'Input should be greater than 0', type: 'greater_than', ctx: { gt: 0 } }],
    });
    assert.equal(diagnostics[0].offset, offset);
    assert.equal(diagnostics[0].message, 'fal rejected "video_size.width": Input should be greater than 0.');
  });

  it('puts a missing field at the top of the object', () => {
    const { offset, length, diagnostics } = located('⟦{⟧ "endpoint": "fal-ai/fast-animatediff/turbo/video-to-video", "prompt": "x" }', {
      detail: [{ loc: ['body', 'video_url'], msg: 'Field required', type: 'missing' }],
    });
    assert.deepEqual([diagnostics[0].offset, diagnostics[0].length], [offset, length]);
    assert.equal(diagnostics[0].message, 'fal rejected the request: "video_url" is required (Field required).');
  });

  it('says when the rejected value came from the settings rather than the file', () => {
    const { offset, diagnostics } = located('⟦{⟧ "prompt": "a fox" }', {
      detail: [{ loc: ['body', 'num_inference_steps'], msg: 'Input should be less than or equal to 50', type: 'less_than_equal' }],
    });
    assert.equal(diagnostics[0].offset, offset);
    assert.match(diagnostics[0].message, /"num_inference_steps" \(not set in this file, so the configured default was sent\)/);
  });

  it('marks a content-policy refusal on the prompt', () => {
    const { offset, diagnostics } = located('{ "prompt": ⟦"something forbidden"⟧ }', {
      detail: [{ loc: ['body', 'prompt'], msg: 'The prompt was flagged by the content checker.', type: 'content_policy_violation' }],
    });
    assert.equal(diagnostics[0].offset, offset);
    assert.equal(diagnostics[0].message, 'fal refused "prompt": The prompt was flagged by the content checker.');
  });

  it('puts a plain-string detail at the top of the object', () => {
    const { offset, length, diagnostics } = located('\n\n⟦{⟧ "prompt": "a fox" }', { detail: 'Unprocessable input.' });
    assert.deepEqual(diagnostics.map((d) => [d.offset, d.length, d.message]), [[offset, length, 'fal rejected the request: Unprocessable input.']]);
  });

  it('still says something for a 422 without details', () => {
    for (const body of [{ detail: [] }, {}, null]) {
      const diagnostics = falErrorsToDiagnostics('{ "prompt": "a fox" }', body);
      assert.deepEqual(diagnostics.map((d) => [d.offset, d.message]), [[0, 'fal rejected the request: the input is not valid.']]);
    }
  });

  it('accepts the field errors the fal module already parsed', () => {
    const fieldErrors = parseFieldErrors([{ loc: ['body', 'seed'], msg: 'Input should be a valid integer', type: 'int_type' }]);
    const { offset, diagnostics } = located('{ "prompt": "a fox", "seed": ⟦1.5⟧ }', fieldErrors);
    assert.equal(diagnostics[0].offset, offset);
    assert.equal(diagnostics[0].message, 'fal rejected "seed": Input should be a valid integer.');
  });

  it('after the file was edited during the run, keeps only the entries whose value is still the one sent', () => {
    const sent = '{\n  "prompt": "a fox",\n  "num_frames": 64,\n  "fps": 90\n}';
    const edited = '{\n  "prompt": "a red fox",\n  "num_frames": 16,\n  "fps": 90\n}';
    const entries = [
      { loc: ['body', 'num_frames'], msg: 'Input should be less than or equal to 32', type: 'less_than_equal' },
      { loc: ['body', 'fps'], msg: 'Input should be less than or equal to 16', type: 'less_than_equal' },
      { loc: ['body', 'guidance_scale'], msg: 'not from the file', type: 'less_than_equal' },
      { loc: ['body'], msg: 'about the whole request', type: 'value_error' },
    ];
    const kept = entriesStillApplicable(sent, edited, entries) as Array<{ loc: string[] }>;
    assert.deepEqual(kept.map((entry) => entry.loc.join('.')), ['body.fps', 'body.guidance_scale', 'body']);
    assert.equal(entriesStillApplicable(sent, sent, entries).length, 4, 'unchanged text: all of them');
  });

  it('never throws and stays within the text, whatever fal or the file look like', () => {
    const bodies: unknown[] = [null, 42, 'oops', { detail: null }, { detail: [null, 3, { loc: 'body' }, { loc: ['body', 7, {}] }] }, []];
    for (const text of ['', 'not json', '[1, 2]', '{ "prompt": ', '{ "prompt": "a fox" }']) {
      for (const body of bodies) {
        assertWithinText(text, falErrorsToDiagnostics(text, body), `${text} / ${JSON.stringify(body)}`);
      }
    }
  });
});
