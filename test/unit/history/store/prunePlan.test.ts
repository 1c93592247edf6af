import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { createEntry, type HistoryEntry } from '../../../../src/history/store/entry';
import { HistoryStore } from '../../../../src/history/store/historyStore';
import { planPrune } from '../../../../src/history/store/prunePlan';
import { filesIn, newEntry, useTempFolder } from '../support';

/** Entries newest first, as the store lists them; `sizes` oldest first, undefined meaning no local video. */
function entriesWithVideos(sizes: Array<number | undefined>): HistoryEntry[] {
  return sizes
    .map((bytes, index) => {
      const entry = createEntry(newEntry(`video ${index}`, { createdAt: 1_000 + index, status: 'done' }));
      return bytes === undefined ? entry : { ...entry, video: { file: `videos/${entry.id}.mp4`, bytes, contentType: 'video/mp4' } };
    })
    .reverse();
}

function prunedPrompts(entries: HistoryEntry[], result: ReturnType<typeof planPrune>): unknown[] {
  return result.pruned.map((video) => entries.find((entry) => entry.id === video.id)?.input.prompt);
}

describe('pruning decisions', () => {
  it('keeps everything without limits', () => {
    const entries = entriesWithVideos([10, 20, 30]);
    assert.deepEqual(planPrune(entries, {}), { pruned: [], freedBytes: 0, remainingVideos: 3, remainingBytes: 60 });
    assert.deepEqual(planPrune(entries, { maxVideos: Infinity, maxTotalBytes: Number.NaN }).pruned, []);
  });

  it('by count: deletes the oldest videos beyond the limit', () => {
    const entries = entriesWithVideos([10, 20, 30, 40, 50]);
    const result = planPrune(entries, { maxVideos: 2 });
    assert.deepEqual(prunedPrompts(entries, result), ['video 0', 'video 1', 'video 2']);
    assert.equal(result.freedBytes, 60);
    assert.equal(result.remainingVideos, 2);
    assert.equal(result.remainingBytes, 90);
    assert.deepEqual(result.pruned[0], { id: entries[4].id, file: entries[4].video?.file, bytes: 10 });
  });

  it('by size: deletes the oldest videos until the rest fit', () => {
    const entries = entriesWithVideos([100, 10, 10, 50, 30]);
    const result = planPrune(entries, { maxTotalBytes: 90 });
    // 200 in all: dropping the oldest (100) leaves 100, still too much; dropping the next (10) leaves 90.
    assert.deepEqual(prunedPrompts(entries, result), ['video 0', 'video 1']);
    assert.equal(result.remainingBytes, 90);
  });

  it('applies both limits together', () => {
    const entries = entriesWithVideos([1, 1, 1, 500, 1]);
    assert.deepEqual(prunedPrompts(entries, planPrune(entries, { maxVideos: 4, maxTotalBytes: 1000 })), ['video 0']);
    assert.deepEqual(prunedPrompts(entries, planPrune(entries, { maxVideos: 4, maxTotalBytes: 10 })), ['video 0', 'video 1', 'video 2', 'video 3']);
  });

  it('skips entries without a local video and never deletes protected ones', () => {
    const entries = entriesWithVideos([10, undefined, 20, 30, undefined]);
    const protectedId = entries.find((entry) => entry.input.prompt === 'video 0')!.id;
    const result = planPrune(entries, { maxVideos: 1 }, new Set([protectedId]));
    assert.deepEqual(prunedPrompts(entries, result), ['video 2', 'video 3']);
    assert.equal(result.remainingVideos, 1);
  });

  it('deletes every video when the limit is 0', () => {
    const entries = entriesWithVideos([10, 20]);
    assert.equal(planPrune(entries, { maxVideos: 0 }).pruned.length, 2);
  });
});

describe('pruning the store', () => {
  const temp = useTempFolder();

  async function storeWithVideos(sizes: number[]): Promise<{ store: HistoryStore; entries: HistoryEntry[] }> {
    const { store } = await HistoryStore.open(temp.path);
    mkdirSync(path.join(temp.path, 'videos'));
    const entries: HistoryEntry[] = [];
    for (const [index, bytes] of sizes.entries()) {
      const entry = await store.add(newEntry(`video ${index}`, { createdAt: 1_000 + index, status: 'done', seed: index }));
      const file = `videos/${entry.id}.mp4`;
      writeFileSync(path.join(temp.path, file), Buffer.alloc(bytes, 1));
      entries.push((await store.update(entry.id, { video: { file, bytes, contentType: 'video/mp4' } }))!);
    }
    return { store, entries };
  }

  it('deletes the oldest video files, keeps their entries marked as pruned, and persists that', async () => {
    const { store, entries } = await storeWithVideos([100, 200, 300]);
    const result = await store.prune({ maxVideos: 1 });
    assert.deepEqual(result.pruned.map((video) => video.id), [entries[0].id, entries[1].id]);
    assert.equal(result.freedBytes, 300);

    assert.equal(store.list().length, 3, 'no entry is deleted');
    for (const old of entries.slice(0, 2)) {
      const entry = store.get(old.id)!;
      assert.equal(entry.video, undefined);
      assert.equal(entry.videoPruned, true);
      assert.deepEqual(entry.input, old.input, 'the parameters stay');
      assert.equal(entry.seed, old.seed);
      assert.equal(existsSync(path.join(temp.path, old.video!.file)), false);
    }
    assert.deepEqual(filesIn(path.join(temp.path, 'videos')), [`${entries[2].id}.mp4`]);

    const { store: reopened } = await HistoryStore.open(temp.path);
    assert.equal(reopened.get(entries[0].id)?.videoPruned, true);
    assert.equal(reopened.get(entries[2].id)?.video?.bytes, 300);
  });

  it('two windows pruning at once delete only what is beyond the limit, planned on the index as it is on disk', async () => {
    const { store: first, entries } = await storeWithVideos([100, 100, 100, 100, 100]);
    const { store: second } = await HistoryStore.open(temp.path);
    // Each protects what its own panel shows, so planned alone they would delete different videos.
    const [a, b] = await Promise.all([
      first.prune({ maxVideos: 3 }, { protect: [entries[0].id] }),
      second.prune({ maxVideos: 3 }, { protect: [entries[1].id] }),
    ]);
    assert.equal(a.pruned.length + b.pruned.length, 2, 'two videos over the limit, two deleted');
    assert.equal(filesIn(path.join(temp.path, 'videos')).length, 3);
    const { store: reopened } = await HistoryStore.open(temp.path);
    assert.equal(reopened.list().filter((entry) => entry.video).length, 3);
    assert.equal(reopened.list().filter((entry) => entry.videoPruned).length, 2);
  });

  it('prunes by total size, keeping a protected video', async () => {
    const { store, entries } = await storeWithVideos([400, 300, 200, 100]);
    const result = await store.prune({ maxTotalBytes: 350 }, { protect: [entries[0].id] });
    // Keeping the protected 400 bytes, everything else must go to get as close as possible.
    assert.deepEqual(result.pruned.map((video) => video.id), [entries[1].id, entries[2].id, entries[3].id]);
    assert.equal(store.get(entries[0].id)?.video?.bytes, 400);
  });

  it('does nothing (and writes nothing) within the limits', async () => {
    const { store } = await storeWithVideos([10, 20]);
    const changes: unknown[] = [];
    store.onDidChange((change) => changes.push(change));
    assert.deepEqual((await store.prune({ maxVideos: 2, maxTotalBytes: 30 })).pruned, []);
    assert.deepEqual(changes, []);
  });
});
