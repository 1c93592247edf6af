import * as assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { MAX_LOG_LINES, appendLogLines, applyPatch, createEntry, historyEntrySchema } from '../../../../src/history/store/entry';
import { newEntry } from '../support';

describe('history entries', () => {
  it('fills in id, times, status and timings', () => {
    const entry = createEntry(newEntry('a fox'), 1234);
    assert.match(entry.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(entry.createdAt, 1234);
    assert.equal(entry.updatedAt, 1234);
    assert.equal(entry.status, 'submitting');
    assert.deepEqual(entry.timings, {});
    assert.deepEqual(entry.input, { prompt: 'a fox', num_frames: 16, video_size: 'square' });
  });

  it('keeps a given id and a full record of a finished job', () => {
    const id = randomUUID();
    const entry = createEntry(newEntry('done', {
      id,
      status: 'done',
      requestId: 'req-123',
      seed: 42,
      remoteVideoUrl: 'https://v3.fal.media/files/x/video.mp4',
      video: { file: `videos/${id}.mp4`, bytes: 123456, contentType: 'video/mp4' },
      timings: { submittedAt: 1, startedAt: 2, completedAt: 3, totalMs: 2, inferenceSeconds: 1.5 },
      source: { kind: 'file', file: 'prompts/fox.animate.json' },
      logs: ['step 1/4'],
    }));
    assert.equal(entry.id, id);
    assert.deepEqual(historyEntrySchema.parse(JSON.parse(JSON.stringify(entry))), entry);
  });

  it('rejects what is not an entry', () => {
    const valid = createEntry(newEntry('x'));
    const invalid: unknown[] = [
      { ...valid, id: 'not-a-uuid' },
      { ...valid, status: 'paused' },
      { ...valid, source: { kind: 'clipboard' } },
      { ...valid, input: 'prompt' },
      { ...valid, createdAt: -1 },
      { ...valid, videoPruned: false },
      { ...valid, video: { file: 'videos/../../x.mp4', bytes: 1, contentType: 'video/mp4' } },
      { ...valid, logs: Array.from({ length: MAX_LOG_LINES + 1 }, () => 'line') },
    ];
    for (const candidate of invalid) {
      assert.equal(historyEntrySchema.safeParse(candidate).success, false, JSON.stringify(candidate).slice(0, 200));
    }
  });

  it('patches without touching id and createdAt, never moving updatedAt back', () => {
    const entry = createEntry(newEntry('x', { queuePosition: 2 }), 5_000);
    const patched = applyPatch(entry, { status: 'running', queuePosition: undefined }, 4_000);
    assert.equal(patched.id, entry.id);
    assert.equal(patched.createdAt, 5_000);
    assert.equal(patched.updatedAt, 5_000);
    assert.ok(!('queuePosition' in patched));
    assert.equal(applyPatch(entry, {}, 9_000).updatedAt, 9_000);
  });

  it('keeps the last log lines', () => {
    const lines = appendLogLines(Array.from({ length: MAX_LOG_LINES }, (_, i) => `old ${i}`), ['new 1', 'new 2']);
    assert.equal(lines.length, MAX_LOG_LINES);
    assert.deepEqual(lines.slice(-3), [`old ${MAX_LOG_LINES - 1}`, 'new 1', 'new 2']);
  });
});
