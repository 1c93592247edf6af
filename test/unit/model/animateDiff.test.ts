import * as assert from 'node:assert/strict';
import { readVideoOutput } from '../../../src/model/animateDiff';

describe('reading fal\'s output', () => {
  const video = { url: 'https://v3.fal.media/files/koala/out.mp4', content_type: 'video/mp4' };

  it('takes the video and the seed as fal sends them', () => {
    assert.deepEqual(readVideoOutput({ video, seed: 42 }), { ok: true, output: { video, seed: 42 } });
  });

  it('keeps a paid video when a field it does not need is unusual', () => {
    for (const seed of [1.5, '42', -3, null, undefined, { value: 1 }]) {
      const reading = readVideoOutput({ video, seed, extra: ['anything'] });
      assert.ok(reading.ok, `seed ${JSON.stringify(seed)}`);
      assert.deepEqual(reading.output, { video, seed: null });
    }
    assert.deepEqual(readVideoOutput({ video: { ...video, content_type: 7 } }), { ok: true, output: { video: { url: video.url }, seed: null } });
  });

  it('refuses a video address that is not a web address, saying what came back', () => {
    for (const url of ['videos/x.mp4', '//cdn.fal.media/x.mp4', 'file:///etc/passwd', 'javascript:alert(1)', 'data:video/mp4;base64,AAAA']) {
      const reading = readVideoOutput({ video: { url }, seed: 1 });
      assert.ok(!reading.ok, url);
      assert.match(reading.problem, /is not a web address/);
      assert.ok(reading.problem.includes(JSON.stringify(url)), reading.problem);
    }
  });

  it('says when there is no video at all', () => {
    for (const raw of [{}, { video: null }, { video: { url: '' } }, null, 'text', { images: [] }]) {
      const reading = readVideoOutput(raw);
      assert.ok(!reading.ok);
      assert.equal(reading.problem, 'it returned no video');
    }
  });
});
