import * as assert from 'node:assert/strict';
import { applyParamEdits, type ParamDiagnosticCode, type ParamSeverity } from '../../../src/params/diagnostics';
import { validateParamsText } from '../../../src/params/validate';
import { assertWithinText, describeDiagnostics, lineColumn, marked, readParamsFixtures } from './support';

interface BadFile {
  name: string;
  /** The file, with the range the diagnostic must cover marked ⟦like this⟧. */
  file: string;
  code: ParamDiagnosticCode;
  severity?: ParamSeverity;
  message: RegExp;
  /** Title of a quick fix to apply; the problem must be gone afterwards. */
  fix?: string;
  /** After the fix, the file has no errors left. */
  fixedIsValid?: boolean;
}

const V2V = 'fal-ai/fast-animatediff/turbo/video-to-video';

const BAD_FILES: BadFile[] = [
  // Syntax
  {
    name: 'missing comma between properties',
    file: '{\n  "prompt": "a fox"\n  ⟦"fps"⟧: 8\n}\n',
    code: 'json-syntax', message: /Expected a comma/, fix: 'Insert the missing comma', fixedIsValid: true,
  },
  {
    name: 'unquoted key', file: '{ ⟦prompt⟧: "a fox" }',
    code: 'json-syntax', message: /Keys need double quotes: "prompt"/, fix: 'Quote the key "prompt"', fixedIsValid: true,
  },
  {
    name: 'single-quoted string', file: '{ "prompt": ⟦\'a fox\'⟧ }',
    code: 'json-syntax', message: /double quotes/, fix: 'Use double quotes', fixedIsValid: true,
  },
  { name: 'unterminated string', file: '{\n  "prompt": ⟦"a fox⟧\n}', code: 'json-syntax', message: /never closed/ },
  { name: 'unclosed object', file: '{ "prompt": "a fox"⟦⟧', code: 'json-syntax', message: /Expected "}"/ },
  { name: 'two objects', file: '{ "prompt": "a" } ⟦{⟧ "prompt": "b" }', code: 'json-syntax', message: /exactly one JSON object/ },
  {
    name: 'line comment', file: '{\n  ⟦// the hero shot⟧\n  "prompt": "a fox"\n}',
    code: 'json-comment', message: /Comments are not allowed/, fix: 'Remove the comment', fixedIsValid: true,
  },
  {
    name: 'block comment after a value', file: '{ "prompt": "a fox" ⟦/* v2 */⟧ }',
    code: 'json-comment', message: /Comments are not allowed/, fix: 'Remove the comment', fixedIsValid: true,
  },
  {
    name: 'unclosed comment at the end', file: '{ "prompt": "a fox" }\n⟦/* draft⟧',
    code: 'json-comment', message: /never closed/, fix: 'Remove the comment', fixedIsValid: true,
  },
  {
    name: 'trailing comma', file: '{\n  "prompt": "a fox",\n  "fps": 8⟦,⟧\n}',
    code: 'json-trailing-comma', message: /Trailing comma/, fix: 'Remove the trailing comma', fixedIsValid: true,
  },
  { name: 'empty file', file: '⟦⟧', code: 'empty-file', message: /The file is empty/ },
  { name: 'whitespace only', file: '⟦⟧  \n\n', code: 'empty-file', message: /The file is empty/ },
  { name: 'a list instead of an object', file: '⟦["a fox"]⟧', code: 'not-an-object', message: /one JSON object .* not a list/ },
  { name: 'a string instead of an object', file: '⟦"a fox"⟧', code: 'not-an-object', message: /not text/ },
  {
    name: 'repeated key', file: '{ ⟦"fps"⟧: 8, "prompt": "a fox", "fps": 12 }',
    code: 'duplicate-key', message: /"fps" is set more than once/, fix: 'Remove this "fps"', fixedIsValid: true,
  },

  // Types and ranges
  {
    name: 'num_frames above the maximum', file: '{\n  "prompt": "a fox",\n  "num_frames": ⟦64⟧\n}',
    code: 'out-of-range', message: /^"num_frames" must be a whole number from 1 to 32, not 64\.$/, fix: 'Use the maximum, 32', fixedIsValid: true,
  },
  {
    name: 'num_frames with a fraction', file: '{ "prompt": "a fox", "num_frames": ⟦16.5⟧ }',
    code: 'invalid-type', message: /"num_frames" must be a whole number from 1 to 32, not 16\.5/, fix: 'Round to 17', fixedIsValid: true,
  },
  {
    name: 'num_frames as text', file: '{ "prompt": "a fox", "num_frames": ⟦"16"⟧ }',
    code: 'invalid-type', message: /"num_frames" must be a whole number from 1 to 32, not the text "16"/, fix: 'Change to the number 16', fixedIsValid: true,
  },
  {
    name: 'num_frames overflowing to infinity', file: '{ "prompt": "a fox", "num_frames": ⟦1e999⟧ }',
    code: 'invalid-type', message: /not 1e999/, fix: 'Use the maximum, 32', fixedIsValid: true,
  },
  {
    name: 'negative guidance_scale', file: '{ "prompt": "a fox", "guidance_scale": ⟦-1⟧ }',
    code: 'out-of-range', message: /"guidance_scale" must be a number from 0 to 20, not -1/, fix: 'Use the minimum, 0', fixedIsValid: true,
  },
  {
    name: 'fps as a boolean', file: '{ "prompt": "a fox", "fps": ⟦true⟧ }',
    code: 'invalid-type', message: /"fps" must be a whole number from 1 to 60, not true/,
  },
  {
    name: 'empty prompt', file: '{ "prompt": ⟦"   "⟧ }',
    code: 'invalid-value', message: /"prompt" must not be empty/,
  },
  {
    name: 'prompt as a number', file: '{ "prompt": ⟦42⟧ }',
    code: 'invalid-type', message: /"prompt" must be non-empty text, not 42/,
  },
  {
    name: 'prompt longer than is sent to fal', file: `{ "prompt": ⟦"${'a fox '.repeat(2057)}abc"⟧ }`,
    code: 'out-of-range', message: /^"prompt" is 12,345 characters; at most 10,000 are sent to fal\.$/,
  },
  {
    name: 'negative_prompt longer than is sent to fal', file: `{ "prompt": "a fox", "negative_prompt": ⟦"${'x'.repeat(10_001)}"⟧ }`,
    code: 'out-of-range', message: /^"negative_prompt" is 10,001 characters; at most 10,000 are sent to fal\.$/,
  },
  {
    name: 'negative_prompt null', file: '{ "prompt": "a fox", "negative_prompt": ⟦null⟧ }',
    code: 'invalid-type', message: /"negative_prompt" must be text, not null/, fix: 'Remove "negative_prompt" to use the default', fixedIsValid: true,
  },
  {
    name: 'video_size preset misspelt', file: '{ "prompt": "a fox", "video_size": ⟦"landscape"⟧ }',
    code: 'invalid-value', message: /"video_size" must be one of "square_hd", .*"landscape_16_9", not the text "landscape"\. Did you mean "landscape_4_3"\?/,
    fix: 'Change to "landscape_4_3"', fixedIsValid: true,
  },
  {
    name: 'video_size preset in the wrong case', file: '{ "prompt": "a fox", "video_size": ⟦"Square_HD"⟧ }',
    code: 'invalid-value', message: /Did you mean "square_hd"\?/, fix: 'Change to "square_hd"', fixedIsValid: true,
  },
  {
    name: 'video_size as a number', file: '{ "prompt": "a fox", "video_size": ⟦512⟧ }',
    code: 'invalid-type', message: /"video_size" must be one of .* or an object with "width" and "height", not 512/,
  },
  {
    name: 'video_size width zero', file: '{ "prompt": "a fox", "video_size": { "width": ⟦0⟧, "height": 512 } }',
    code: 'out-of-range', message: /"video_size\.width" must be a whole number from 1 to 14142, not 0/, fix: 'Use the minimum, 1', fixedIsValid: true,
  },
  {
    name: 'motion misspelt', file: '{ "prompt": "a fox", "motions": ["zoom-out", ⟦"zoom_in"⟧] }',
    code: 'invalid-value', message: /"motions\[1\]" must be one of .* Did you mean "zoom-in"\?/, fix: 'Change to "zoom-in"', fixedIsValid: true,
  },
  {
    name: 'motions as a string', file: '{ "prompt": "a fox", "motions": ⟦"zoom-in"⟧ }',
    code: 'invalid-type', message: /"motions" must be a list of any of "zoom-out"/,
  },
  {
    name: 'negative seed', file: '{ "prompt": "a fox", "seed": ⟦-3⟧ }',
    code: 'out-of-range', message: /"seed" must be a whole number from 0 to 4294967295, not -3/, fix: 'Use the minimum, 0', fixedIsValid: true,
  },
  {
    name: 'seed as text', file: '{ "prompt": "a fox", "seed": ⟦"lucky"⟧ }',
    code: 'invalid-type', message: /"seed" must be a whole number .*, a list of whole numbers .* or null, not the text "lucky"/,
  },
  {
    name: 'repeated seed in a list', file: '{ "prompt": "a fox", "seed": [7, 42, ⟦7⟧] }',
    code: 'invalid-value', message: /Seed 7 is listed twice/, fix: 'Remove the repeated seed', fixedIsValid: true,
  },
  {
    name: 'empty seed list', file: '{ "prompt": "a fox", "seed": ⟦[]⟧ }',
    code: 'out-of-range', message: /"seed" must have at least 1 entry; it has 0/,
  },
  {
    name: 'seed list too long', file: `{ "prompt": "a fox", "seed": ⟦[${Array.from({ length: 17 }, (_, i) => i).join(', ')}]⟧ }`,
    code: 'out-of-range', message: /"seed" must have at most 16 entries; it has 17/,
  },
  {
    name: 'fractional seed in a list', file: '{ "prompt": "a fox", "seed": [1, ⟦2.5⟧] }',
    code: 'invalid-type', message: /"seed\[1\]" must be a whole number/, fix: 'Round to 3', fixedIsValid: true,
  },
  {
    name: 'too many variations', file: '{ "prompt": "a fox", "variations": ⟦40⟧ }',
    code: 'out-of-range', message: /"variations" must be a whole number from 1 to 16, not 40/, fix: 'Use the maximum, 16', fixedIsValid: true,
  },
  {
    name: 'variations with a fixed seed', file: '{\n  "prompt": "a fox",\n  "seed": 5,\n  "variations": ⟦4⟧\n}',
    code: 'conflicting-keys', message: /contradicts the fixed "seed"/, fix: 'Remove "seed"', fixedIsValid: true,
  },
  {
    name: 'variations with a seed list', file: '{ "prompt": "a fox", "seed": [1, 2], "variations": ⟦2⟧ }',
    code: 'conflicting-keys', message: /either "variations" .* or a list of seeds/, fix: 'Remove "variations"', fixedIsValid: true,
  },
  {
    name: 'absolute output folder', file: '{ "prompt": "a fox", "output": ⟦"/tmp/renders"⟧ }',
    code: 'invalid-value', message: /"output" must be a folder relative to this file/,
  },
  {
    name: 'Windows output folder', file: '{ "prompt": "a fox", "output": ⟦"C:\\\\renders"⟧ }',
    code: 'invalid-value', message: /"output" must be a folder relative to this file/,
  },

  // Required keys and endpoints
  { name: 'no prompt', file: '⟦{⟧ "num_frames": 8 }', code: 'missing-key', message: /Missing required key "prompt"/ },
  {
    name: 'video-to-video without video_url', file: `⟦{⟧\n  "endpoint": "${V2V}",\n  "prompt": "neon"\n}`,
    code: 'missing-key', message: /Missing required key "video_url": the video that turbo video-to-video restyles/,
  },
  {
    name: 'short endpoint name', file: '{ "endpoint": ⟦"turbo/video-to-video"⟧, "prompt": "neon", "video_url": "https://x.test/a.mp4" }',
    code: 'invalid-value', message: /"endpoint" must be one of .* Did you mean "fal-ai\/fast-animatediff\/turbo\/video-to-video"\?/,
    fix: `Change to "${V2V}"`, fixedIsValid: true,
  },
  {
    name: 'endpoint of another model', file: '{ "endpoint": ⟦"fal-ai/flux/dev"⟧, "prompt": "a fox" }',
    code: 'invalid-value', message: /"endpoint" must be one of "fal-ai\/fast-animatediff\/turbo\/text-to-video"/,
  },
  {
    name: 'video-to-video key in a text-to-video file', file: '{ "prompt": "a fox", ⟦"strength"⟧: 0.5 }',
    code: 'wrong-endpoint-key',
    message: /^"strength" is not an input of turbo text-to-video \(this file's "endpoint"\)\. Turbo video-to-video has it: set "endpoint" to "fal-ai\/fast-animatediff\/turbo\/video-to-video", or remove "strength"\.$/,
    fix: 'Remove "strength"', fixedIsValid: true,
  },
  {
    name: 'text-to-video key in a video-to-video file',
    file: `{ "endpoint": "${V2V}", "prompt": "neon", "video_url": "a.mp4", ⟦"video_size"⟧: "square" }`,
    code: 'wrong-endpoint-key', message: /"video_size" is not an input of turbo video-to-video .* Turbo text-to-video has it/, fix: 'Remove "video_size"', fixedIsValid: true,
  },
  {
    name: 'motions on turbo video-to-video', file: `{ "endpoint": "${V2V}", "prompt": "neon", "video_url": "a.mp4", ⟦"motions"⟧: [] }`,
    code: 'wrong-endpoint-key', message: /"motions" is not an input of turbo video-to-video .* Regular video-to-video has it: set "endpoint" to "fal-ai\/fast-animatediff\/video-to-video"/,
    fix: 'Set "endpoint" to "fal-ai/fast-animatediff/video-to-video"', fixedIsValid: true,
  },
  {
    name: 'strength above 1', file: `{ "endpoint": "${V2V}", "prompt": "neon", "video_url": "a.mp4", "strength": ⟦1.5⟧ }`,
    code: 'out-of-range', message: /"strength" must be a number from 0 to 1, not 1\.5/, fix: 'Use the maximum, 1', fixedIsValid: true,
  },
  {
    name: 'first_n_seconds zero', file: `{ "endpoint": "${V2V}", "prompt": "neon", "video_url": "a.mp4", "first_n_seconds": ⟦0⟧ }`,
    code: 'out-of-range', message: /"first_n_seconds" must be a whole number of at least 1, not 0/, fix: 'Use the minimum, 1', fixedIsValid: true,
  },

  // Warnings
  {
    name: 'misspelt key', file: '{\n  "prompt": "a fox",\n  ⟦"num_frame"⟧: 24\n}', severity: 'warning',
    code: 'unknown-key', message: /^Unknown key "num_frame"\. Did you mean "num_frames"\?$/, fix: 'Change to "num_frames"', fixedIsValid: true,
  },
  {
    name: 'camelCase key', file: '{ "prompt": "a fox", ⟦"negativePrompt"⟧: "blurry" }', severity: 'warning',
    code: 'unknown-key', message: /Did you mean "negative_prompt"\?/, fix: 'Change to "negative_prompt"', fixedIsValid: true,
  },
  {
    name: 'misspelt key inside video_size', file: '{ "prompt": "a fox", "video_size": { "width": 512, ⟦"hieght"⟧: 768 } }', severity: 'warning',
    code: 'unknown-key', message: /Did you mean "height"\?/, fix: 'Change to "height"', fixedIsValid: true,
  },
  {
    name: 'key with no close match', file: '{ "prompt": "a fox", ⟦"author"⟧: "me" }', severity: 'warning',
    code: 'unknown-key', message: /Unknown key "author": turbo text-to-video has no such input, so it is not sent to fal/, fix: 'Remove "author"', fixedIsValid: true,
  },
  {
    name: 'misspelt key whose match is already set', file: '{ "prompt": "a fox", "fps": 8, ⟦"fsp"⟧: 12 }', severity: 'warning',
    code: 'unknown-key', message: /did you mean "fps"\? It is already set/, fix: 'Remove "fsp"', fixedIsValid: true,
  },
  {
    name: 'turbo steps above the recommended range', file: '{ "prompt": "a fox", "num_inference_steps": ⟦20⟧ }', severity: 'warning',
    code: 'recommended-range', message: /4–12 inference steps are recommended for turbo mode; 20 is outside that range/, fix: 'Use 12', fixedIsValid: true,
  },
  {
    name: 'turbo video-to-video steps below the recommended range',
    file: `{ "endpoint": "${V2V}", "prompt": "neon", "video_url": "a.mp4", "num_inference_steps": ⟦2⟧ }`, severity: 'warning',
    code: 'recommended-range', message: /recommended for turbo mode; 2 is outside/, fix: 'Use 4', fixedIsValid: true,
  },
];

describe('parameter file validation', () => {
  describe('locates each problem and says what is wrong', () => {
    for (const bad of BAD_FILES) {
      it(bad.name, () => {
        const { text, offset, length } = marked(bad.file);
        const result = validateParamsText(text);
        const found = result.diagnostics.find((d) => d.code === bad.code && d.offset === offset && d.length === length);
        assert.ok(
          found,
          `expected ${bad.code} at ${lineColumn(text, offset)} covering ${JSON.stringify(text.slice(offset, offset + length))}; got:\n`
            + describeDiagnostics(text, result.diagnostics),
        );
        assert.equal(found.severity, bad.severity ?? 'error');
        assert.match(found.message, bad.message);
        assertWithinText(text, result.diagnostics, bad.name);
        if ((bad.severity ?? 'error') === 'error') {
          assert.equal(result.params, undefined, 'a file with an error must not be runnable');
        } else {
          assert.ok(result.params, `a file with only warnings runs:\n${describeDiagnostics(text, result.diagnostics)}`);
        }
        if (bad.fix) {
          const fix = found.fixes?.find((f) => f.title === bad.fix);
          assert.ok(fix, `no fix "${bad.fix}"; fixes: ${JSON.stringify(found.fixes?.map((f) => f.title))}`);
          const fixed = applyParamEdits(text, fix.edits);
          const after = validateParamsText(fixed);
          assert.ok(
            !after.diagnostics.some((d) => d.code === bad.code && d.severity === found.severity && d.message === found.message),
            `the fix left the problem in place:\n${fixed}`,
          );
          if (bad.fixedIsValid) {
            assert.deepEqual(after.diagnostics.filter((d) => d.severity === 'error'), [], `fixed file still has errors:\n${fixed}`);
            assert.ok(after.params, 'the fixed file is runnable');
            assert.doesNotThrow(() => JSON.parse(fixed), 'the fixed file is plain JSON');
          }
        }
      });
    }
  });

  it('accepts every fixture file without any diagnostic', () => {
    for (const { name, text } of readParamsFixtures()) {
      const result = validateParamsText(text);
      assert.deepEqual(result.diagnostics, [], `${name}:\n${describeDiagnostics(text, result.diagnostics)}`);
      assert.ok(result.params, name);
    }
  });

  it('fills in the endpoint and keeps omitted fields omitted', () => {
    const result = validateParamsText('{ "prompt": "  a fox  ", "num_frames": 8 }');
    assert.deepEqual(result.params, { endpoint: 'fal-ai/fast-animatediff/turbo/text-to-video', prompt: 'a fox', num_frames: 8 });
  });

  it('leaves unknown keys out of the params it returns', () => {
    const result = validateParamsText('{ "prompt": "a fox", "author": "me", "video_size": { "width": 640, "depth": 3 } }');
    assert.deepEqual(result.params, {
      endpoint: 'fal-ai/fast-animatediff/turbo/text-to-video',
      prompt: 'a fox',
      video_size: { width: 640, height: 512 },
    });
    assert.deepEqual(result.diagnostics.map((d) => d.code), ['unknown-key', 'unknown-key']);
  });

  it('narrows params by endpoint', () => {
    const result = validateParamsText(`{ "endpoint": "${V2V}", "prompt": "neon", "video_url": "clip.mp4", "strength": 0.4 }`);
    assert.ok(result.params?.endpoint === V2V);
    assert.equal(result.params.video_url, 'clip.mp4');
    assert.equal(result.params.strength, 0.4);
  });

  it('reports every problem of a file in one pass, in text order', () => {
    const text = '{\n  "prompt": "",\n  "num_frames": 99,\n  "fsp": 8, // fps\n  "video_size": "wide",\n}';
    const codes = validateParamsText(text).diagnostics.map((d) => `${d.code}@${lineColumn(text, d.offset)}`);
    assert.deepEqual(codes, [
      'invalid-value@2:13',
      'out-of-range@3:17',
      'unknown-key@4:3',
      'json-comment@4:13',
      'invalid-value@5:17',
      'json-trailing-comma@5:23',
    ]);
  });

  it('turns single-quoted text into the same text in double quotes', () => {
    const { text } = marked(`{ "prompt": ⟦'say "hi", it\\'s\\tnow'⟧ }`);
    const fix = validateParamsText(text).diagnostics[0]?.fixes?.[0];
    assert.equal(fix?.title, 'Use double quotes');
    const fixed = validateParamsText(applyParamEdits(text, fix.edits));
    assert.equal(fixed.params?.prompt, 'say "hi", it\'s\tnow');
  });

  it('accepts prompts of up to 10,000 characters (white space around the prompt aside)', () => {
    const longest = 'x'.repeat(10_000);
    const result = validateParamsText(JSON.stringify({ prompt: `  ${longest}\n`, negative_prompt: longest }));
    assert.deepEqual(result.diagnostics, []);
    assert.equal(result.params?.prompt, longest);
  });

  it('reads a file that starts with a byte-order mark', () => {
    const result = validateParamsText('\uFEFF{ "prompt": "a fox" }');
    assert.deepEqual(result.diagnostics, []);
    assert.ok(result.params);
  });

  it('offers at most one preferred fix per problem', () => {
    for (const bad of BAD_FILES) {
      for (const d of validateParamsText(marked(bad.file).text).diagnostics) {
        assert.ok((d.fixes ?? []).filter((f) => f.preferred).length <= 1, `${bad.name}: ${d.message}`);
      }
    }
  });

  it('never throws on input that is not a string', () => {
    const result = validateParamsText(undefined as unknown as string);
    assert.equal(result.diagnostics[0]?.code, 'empty-file');
  });
});
