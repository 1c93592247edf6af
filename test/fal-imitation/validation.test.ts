import assert from 'node:assert/strict';
import { ModelErrorItem } from './falErrors';
import { validateInput } from './validation';

const T2V = 'fal-ai/fast-animatediff/turbo/text-to-video';
const V2V = 'fal-ai/fast-animatediff/turbo/video-to-video';
const SIZE_TAG = "literal['square_hd','square','portrait_4_3','portrait_16_9','landscape_4_3','landscape_16_9']";
const SIZE_EXPECTED = "'square_hd', 'square', 'portrait_4_3', 'portrait_16_9', 'landscape_4_3' or 'landscape_16_9'";

function errorsOf(endpoint: Parameters<typeof validateInput>[0], body: unknown): ModelErrorItem[] {
  const result = validateInput(endpoint, body);
  assert.equal(result.ok, false, 'expected a validation failure');
  return result.ok ? [] : result.detail;
}

describe('fal imitation: input validation like fal\'s pydantic models', () => {
  it('fills in the page\'s defaults and keeps unknown fields', () => {
    const result = validateInput(T2V, { prompt: 'a fox', extra_field: true });
    assert.deepEqual(result, {
      ok: true,
      values: {
        prompt: 'a fox', extra_field: true, negative_prompt: '(bad quality, worst quality:1.2), ugly faces, bad anime',
        num_frames: 16, num_inference_steps: 4, guidance_scale: 1, seed: null, fps: 8, motions: null, video_size: 'square',
      },
    });
  });

  it('coerces like pydantic\'s lax mode: integer strings and integral floats are ints, null seed is fine', () => {
    const result = validateInput(T2V, { prompt: 'x', num_frames: '24', fps: 12.0, seed: null, guidance_scale: '1.5' });
    assert.ok(result.ok);
    assert.deepEqual([result.values.num_frames, result.values.fps, result.values.seed, result.values.guidance_scale], [24, 12, null, 1.5]);
  });

  it('reports a missing prompt with the whole body as input', () => {
    assert.deepEqual(errorsOf(T2V, { num_frames: 8 }), [{ type: 'missing', loc: ['body', 'prompt'], msg: 'Field required', input: { num_frames: 8 } }]);
  });

  it('reports each wrong type with pydantic\'s type and message, in field order', () => {
    const errors = errorsOf(T2V, { prompt: 5, num_frames: 1.5, num_inference_steps: 'four', guidance_scale: 'high', fps: [8] });
    assert.deepEqual(errors.map((e) => [e.loc[1], e.type, e.msg]), [
      ['prompt', 'string_type', 'Input should be a valid string'],
      ['num_frames', 'int_from_float', 'Input should be a valid integer, got a number with a fractional part'],
      ['num_inference_steps', 'int_parsing', 'Input should be a valid integer, unable to parse string as an integer'],
      ['guidance_scale', 'float_parsing', 'Input should be a valid number, unable to parse string as a number'],
      ['fps', 'int_type', 'Input should be a valid integer'],
    ]);
  });

  it('checks ranges: num_frames 1-32, num_inference_steps 1-50', () => {
    assert.deepEqual(errorsOf(T2V, { prompt: 'x', num_frames: 64, num_inference_steps: 0 }), [
      { type: 'less_than_equal', loc: ['body', 'num_frames'], msg: 'Input should be less than or equal to 32', ctx: { le: 32 }, input: 64 },
      { type: 'greater_than_equal', loc: ['body', 'num_inference_steps'], msg: 'Input should be greater than or equal to 1', ctx: { ge: 1 }, input: 0 },
    ]);
    assert.ok(validateInput(T2V, { prompt: 'x', num_frames: 32, num_inference_steps: 50 }).ok);
  });

  it('checks every motion against the six allowed values', () => {
    assert.deepEqual(errorsOf(T2V, { prompt: 'x', motions: ['zoom-in', 'spin'] }), [{
      type: 'literal_error', loc: ['body', 'motions', 1],
      msg: "Input should be 'zoom-out', 'zoom-in', 'pan-left', 'pan-right', 'tilt-up' or 'tilt-down'",
      ctx: { expected: "'zoom-out', 'zoom-in', 'pan-left', 'pan-right', 'tilt-up' or 'tilt-down'" }, input: 'spin',
    }]);
    assert.deepEqual(errorsOf(T2V, { prompt: 'x', motions: 'zoom-in' }).map((e) => e.type), ['list_type']);
  });

  it('video_size is a union: a bad name or size reports why each member rejected it', () => {
    assert.deepEqual(errorsOf(T2V, { prompt: 'x', video_size: 'huge' }), [
      {
        type: 'model_type', loc: ['body', 'video_size', 'ImageSize'], msg: 'Input should be a valid dictionary or instance of ImageSize',
        ctx: { class_name: 'ImageSize' }, input: 'huge',
      },
      { type: 'literal_error', loc: ['body', 'video_size', SIZE_TAG], msg: `Input should be ${SIZE_EXPECTED}`, ctx: { expected: SIZE_EXPECTED }, input: 'huge' },
    ]);
    assert.deepEqual(errorsOf(T2V, { prompt: 'x', video_size: { width: 0, height: 20000 } }).map((e) => [e.loc, e.type]), [
      [['body', 'video_size', 'ImageSize', 'width'], 'greater_than'],
      [['body', 'video_size', 'ImageSize', 'height'], 'less_than_equal'],
      [['body', 'video_size', SIZE_TAG], 'literal_error'],
    ]);
    const custom = validateInput(T2V, { prompt: 'x', video_size: { width: 640 } });
    assert.ok(custom.ok);
    assert.deepEqual(custom.values.video_size, { width: 640, height: 512 });
    assert.ok(validateInput(T2V, { prompt: 'x', video_size: 'landscape_16_9' }).ok);
  });

  it('video-to-video requires video_url and prompt and keeps strength within 0-1', () => {
    assert.deepEqual(errorsOf(V2V, {}).map((e) => e.loc), [['body', 'video_url'], ['body', 'prompt']]);
    assert.deepEqual(errorsOf(V2V, { video_url: 'data:video/mp4;base64,AAAA', prompt: 'x', strength: 1.5 }).map((e) => [e.type, e.ctx]),
      [['less_than_equal', { le: 1 }]]);
    assert.deepEqual(errorsOf(V2V, { video_url: 'data:video/mp4;base64,AAAA', prompt: 'x', strength: -0.1 }).map((e) => e.type),
      ['greater_than_equal']);
    const ok = validateInput(V2V, { video_url: 'https://example.com/in.mp4', prompt: 'x' });
    assert.ok(ok.ok);
    assert.deepEqual([ok.values.strength, ok.values.first_n_seconds, ok.values.num_inference_steps], [0.7, 3, 12]);
  });

  it('a body that is not an object, or no body at all, is rejected as a whole', () => {
    assert.deepEqual(errorsOf(T2V, ['prompt']).map((e) => [e.loc, e.type]), [[['body'], 'model_attributes_type']]);
    assert.deepEqual(errorsOf(T2V, null).map((e) => [e.loc, e.type]), [[['body'], 'missing']]);
  });
});
