import * as assert from 'node:assert/strict';
import { BUILT_IN_DEFAULTS, buildTextToVideoInput, type GenerationDefaults } from '../../../src/model/request';
import { buildRequestsFromParams } from '../../../src/params/requests';
import { renderNewParamsFile, renderParamsFromRequest, SAMPLE_PROMPT } from '../../../src/params/template';
import { validateParamsText } from '../../../src/params/validate';
import { describeDiagnostics, readParamsFixtures } from './support';

const CUSTOM: GenerationDefaults = {
  negative_prompt: 'text, watermark',
  num_frames: 12,
  num_inference_steps: 8,
  guidance_scale: 2,
  fps: 10,
  video_size: { width: 640, height: 384 },
  seed: 31337,
  motions: ['tilt-up', 'zoom-in'],
};

describe('new parameter file template', () => {
  it('is valid as it is, pretty JSON, and writes out every default', () => {
    const text = renderNewParamsFile(BUILT_IN_DEFAULTS);
    const result = validateParamsText(text);
    assert.deepEqual(result.diagnostics, [], describeDiagnostics(text, result.diagnostics));
    assert.ok(text.endsWith('}\n'));
    assert.equal(text, `${JSON.stringify(JSON.parse(text), null, 2)}\n`);
    assert.deepEqual(JSON.parse(text), {
      endpoint: 'fal-ai/fast-animatediff/turbo/text-to-video',
      prompt: SAMPLE_PROMPT,
      negative_prompt: '(bad quality, worst quality:1.2), ugly faces, bad anime',
      num_frames: 16,
      num_inference_steps: 4,
      guidance_scale: 1,
      fps: 8,
      video_size: 'square',
      motions: [],
    });
  });

  it('writes the configured defaults, seed and motions included, and runs exactly as the settings would', () => {
    const text = renderNewParamsFile(CUSTOM, { prompt: '  a koi pond in the rain ' });
    const result = validateParamsText(text);
    assert.ok(result.params, describeDiagnostics(text, result.diagnostics));
    const [request] = buildRequestsFromParams(result.params, BUILT_IN_DEFAULTS, () => 1);
    assert.deepEqual(request.input, buildTextToVideoInput('a koi pond in the rain', CUSTOM));
  });

  it('writes $schema first when asked to', () => {
    const text = renderNewParamsFile(BUILT_IN_DEFAULTS, { schemaUrl: 'https://example.test/animate.schema.json' });
    assert.deepEqual(Object.keys(JSON.parse(text)).slice(0, 2), ['$schema', 'endpoint']);
    assert.deepEqual(validateParamsText(text).diagnostics, []);
  });
});

describe('saving a request as a parameter file', () => {
  it('reproduces every fixture\'s requests exactly, whatever the settings are later', () => {
    for (const { name, text } of readParamsFixtures()) {
      const params = validateParamsText(text).params;
      assert.ok(params, name);
      for (const request of buildRequestsFromParams(params, CUSTOM, () => 4242)) {
        const saved = renderParamsFromRequest(request.endpoint, request.input);
        const reread = validateParamsText(saved);
        assert.deepEqual(reread.diagnostics, [], `${name}:\n${describeDiagnostics(saved, reread.diagnostics)}`);
        assert.ok(reread.params);
        const [again, ...more] = buildRequestsFromParams(reread.params, BUILT_IN_DEFAULTS, () => 1);
        assert.equal(more.length, 0);
        assert.equal(again.endpoint, request.endpoint, name);
        assert.deepEqual(again.input, request.input, name);
      }
    }
  });

  it('keeps the schema\'s key order and any field the schema does not know', () => {
    const text = renderParamsFromRequest('fal-ai/fast-animatediff/turbo/text-to-video', {
      seed: 9,
      future_option: true,
      prompt: 'a fox',
      fps: 8,
    });
    assert.deepEqual(Object.keys(JSON.parse(text)), ['endpoint', 'prompt', 'seed', 'fps', 'future_option']);
    const result = validateParamsText(text);
    assert.deepEqual(result.diagnostics.map((d) => d.code), ['unknown-key']);
    assert.deepEqual(result.params, { endpoint: 'fal-ai/fast-animatediff/turbo/text-to-video', prompt: 'a fox', seed: 9, fps: 8 });
  });
});
