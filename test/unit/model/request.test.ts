import * as assert from 'node:assert/strict';
import { BUILT_IN_DEFAULTS, buildTextToVideoInput } from '../../../src/model/request';
import { textToVideoInputSchema } from '../../../src/model/animateDiff';
import { isWellFormedKey } from '../../../src/fal/apiKey';

describe('text-to-video request', () => {
  it('sends every field explicitly with the model page defaults', () => {
    const input = buildTextToVideoInput('  a fox in the snow \n', BUILT_IN_DEFAULTS);
    assert.deepEqual(input, {
      prompt: 'a fox in the snow',
      negative_prompt: '(bad quality, worst quality:1.2), ugly faces, bad anime',
      num_frames: 16,
      num_inference_steps: 4,
      guidance_scale: 1,
      fps: 8,
      video_size: 'square',
    });
    assert.ok(textToVideoInputSchema.safeParse(input).success);
  });

  it('includes seed and motions only when set', () => {
    const input = buildTextToVideoInput('x', { ...BUILT_IN_DEFAULTS, seed: 42, motions: ['pan-left'] });
    assert.equal(input.seed, 42);
    assert.deepEqual(input.motions, ['pan-left']);
    const none = buildTextToVideoInput('x', { ...BUILT_IN_DEFAULTS, motions: [] });
    assert.ok(!('motions' in none));
    assert.ok(!('seed' in none));
  });

  it('overrides win over defaults', () => {
    assert.equal(buildTextToVideoInput('x', BUILT_IN_DEFAULTS, { seed: 9, num_frames: 8 }).num_frames, 8);
  });
});

describe('fal key shape', () => {
  it('accepts exactly the shape fal documents, two non-empty parts around one colon, and nothing else', () => {
    for (const good of ['0a1b2c3d-aaaa-bbbb-cccc-0123456789ab:0123456789abcdef0123456789abcdef', 'abc:def', 'a:b', 'id+/=:s3cr3t!']) {
      assert.ok(isWellFormedKey(good), good);
    }
    for (const bad of ['', 'nocolon', 'id:', ':secretsecret', 'id with space:secretsecret', 'a:b:c', 'id:sec\u0007ret', 'id:secret\tx']) {
      assert.ok(!isWellFormedKey(bad), bad);
    }
  });
});
