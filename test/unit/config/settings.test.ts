import * as assert from 'node:assert/strict';
import { readConnectionSettings, readGenerationDefaults } from '../../../src/config/settings';
import { MODEL_DEFAULTS } from '../../../src/model/animateDiff';

function reader(values: Record<string, unknown>) {
  return (name: string) => values[name];
}

describe('settings', () => {
  it('uses the model page defaults when nothing is set', () => {
    const result = readGenerationDefaults(reader({}));
    assert.ok(result.ok);
    assert.deepEqual(result.defaults, { ...MODEL_DEFAULTS });
  });

  it('applies valid overrides', () => {
    const result = readGenerationDefaults(reader({ 'defaults.numFrames': 24, 'defaults.videoSize': 'landscape_16_9', 'defaults.seed': 7, 'defaults.motions': ['zoom-in'] }));
    assert.ok(result.ok);
    assert.equal(result.defaults.num_frames, 24);
    assert.equal(result.defaults.video_size, 'landscape_16_9');
    assert.equal(result.defaults.seed, 7);
    assert.deepEqual(result.defaults.motions, ['zoom-in']);
  });

  it('a null seed means random', () => {
    const result = readGenerationDefaults(reader({ 'defaults.seed': null }));
    assert.ok(result.ok);
    assert.equal(result.defaults.seed, undefined);
  });

  it('names every invalid setting with what it must be', () => {
    const result = readGenerationDefaults(reader({ 'defaults.numFrames': 64, 'defaults.videoSize': 'huge', 'defaults.guidanceScale': 'high' }));
    assert.ok(!result.ok);
    assert.deepEqual(result.problems.map((p) => p.setting), ['animateDiff.defaults.numFrames', 'animateDiff.defaults.guidanceScale', 'animateDiff.defaults.videoSize']);
    assert.match(result.problems[0].message, /animateDiff\.defaults\.numFrames must be a whole number from 1 to 32, but it is 64/);
  });

  it('validates endpoint, proxy and timeout', () => {
    const ok = readConnectionSettings(reader({ endpoint: 'fal-ai/fast-animatediff/turbo/text-to-video', proxyUrl: 'https://proxy.example.com/api/fal/proxy', requestTimeoutSeconds: 60 }));
    assert.ok(ok.ok);
    assert.equal(ok.value.proxyUrl, 'https://proxy.example.com/api/fal/proxy');
    assert.equal(ok.value.timeoutMs, 60_000);
    const empty = readConnectionSettings(reader({ proxyUrl: '' }));
    assert.ok(empty.ok);
    assert.equal(empty.value.proxyUrl, undefined);
    const bad = readConnectionSettings(reader({ endpoint: 'not an endpoint', proxyUrl: 'ftp://x', requestTimeoutSeconds: 1 }));
    assert.ok(!bad.ok);
    assert.deepEqual(bad.problems.map((p) => p.setting), ['animateDiff.endpoint', 'animateDiff.proxyUrl', 'animateDiff.requestTimeoutSeconds']);
  });

  it('takes a proxy URL with user:password@ and never repeats the password in a problem', () => {
    const withCredentials = readConnectionSettings(reader({ proxyUrl: 'https://team:s3cret-pass@proxy.example.com/api/fal/proxy' }));
    assert.ok(withCredentials.ok);
    assert.equal(withCredentials.value.proxyUrl, 'https://team:s3cret-pass@proxy.example.com/api/fal/proxy');
    const bad = readConnectionSettings(reader({ proxyUrl: 'ftp://team:s3cret-pass@proxy.example.com/' }));
    assert.ok(!bad.ok);
    assert.match(bad.problems[0].message, /must be an http\(s\) URL/);
    assert.ok(!bad.problems.some((problem) => problem.message.includes('s3cret-pass')), bad.problems[0].message);
  });
});
