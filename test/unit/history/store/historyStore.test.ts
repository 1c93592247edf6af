import * as assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { MAX_LOG_LINES } from '../../../../src/history/store/entry';
import {
  CORRUPT_RECORDS_FILE, HistoryStore, LOCK_FILE, OWNER_HEARTBEAT_MS, POSTER_SUFFIX, historyFileName, type HistoryChange, type HistoryStoreOptions,
} from '../../../../src/history/store/historyStore';
import { headerLine } from '../../../../src/history/store/records';
import { deadPid, filesIn, historyOnDisk, newEntry, useTempFolder } from '../support';

/** A promise and its resolver, for holding a writer inside the lock until the test lets it go. */
function gate(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('history store', () => {
  const temp = useTempFolder();

  async function openStore(options: HistoryStoreOptions = {}): Promise<HistoryStore> {
    const { store, recovery } = await HistoryStore.open(temp.path, options);
    assert.equal(recovery, undefined);
    return store;
  }

  function currentFileIn(folder: string): string {
    return path.join(folder, historyFileName(historyOnDisk(folder).generation));
  }

  function currentFile(): string {
    return currentFileIn(temp.path);
  }

  it('creates the folder and starts empty', async () => {
    const folder = path.join(temp.path, 'nested', 'globalStorage');
    const { store, recovery } = await HistoryStore.open(folder);
    assert.equal(recovery, undefined);
    assert.deepEqual(store.list(), []);
    assert.equal(store.size, 0);
    assert.ok(existsSync(path.join(folder, 'running')));
  });

  it('adds entries with defaults and lists them newest first', async () => {
    const store = await openStore();
    const first = await store.add(newEntry('first', { createdAt: 1_000 }));
    const third = await store.add(newEntry('third', { createdAt: 3_000 }));
    const second = await store.add(newEntry('second', { createdAt: 2_000 }));
    assert.deepEqual(store.list().map((entry) => entry.input.prompt), ['third', 'second', 'first']);
    assert.deepEqual(store.ids(), [third.id, second.id, first.id]);
    assert.equal(first.status, 'submitting');
    assert.deepEqual(first.timings, {});
    assert.equal(first.ownerPid, process.pid);
    assert.match(first.id, /^[0-9a-f-]{36}$/);
    assert.equal(store.get(second.id), second);
    assert.equal(store.get(third.id)?.input.prompt, 'third');
    assert.equal(store.get(randomUUID()), undefined);
  });

  it('keeps the order of entries created in the same millisecond, newest first, across a reopen', async () => {
    const store = await openStore();
    for (const prompt of ['a', 'b', 'c', 'd']) {
      await store.add(newEntry(prompt, { createdAt: 5_000 }));
    }
    assert.deepEqual(store.list().map((entry) => entry.input.prompt), ['d', 'c', 'b', 'a']);
    const reopened = await openStore();
    assert.deepEqual(reopened.list().map((entry) => entry.input.prompt), ['d', 'c', 'b', 'a']);
  });

  it('updates an entry, removing fields patched to undefined, and persists it across a reopen', async () => {
    let clock = 10_000;
    const store = await openStore({ now: () => clock });
    const entry = await store.add(newEntry('a fox'));
    clock = 11_000;
    await store.update(entry.id, { status: 'queued', requestId: 'req-1', queuePosition: 3, timings: { submittedAt: 10_500 } });
    clock = 12_000;
    const running = await store.update(entry.id, { status: 'running', queuePosition: undefined });
    assert.equal(running?.status, 'running');
    assert.equal(running?.updatedAt, 12_000);
    assert.equal(running?.createdAt, 10_000);
    assert.ok(!('queuePosition' in (running ?? {})));

    const reopened = await openStore();
    assert.deepEqual(reopened.get(entry.id), running);
    assert.deepEqual([...historyOnDisk(temp.path).entries.values()], [running]);
  });

  it('never writes the record of a job fal may have before its mark in running/ (what a window\'s start looks at)', async () => {
    const store = await openStore();
    const running = path.join(temp.path, 'running');
    // No mark can be made any more.
    rmSync(running, { recursive: true, force: true });
    writeFileSync(running, '');
    const id = randomUUID();
    await assert.rejects(store.add(newEntry('a job fal has', { id, status: 'queued', requestId: 'request-1' })));
    assert.equal(historyOnDisk(temp.path).entries.has(id), false, 'not on disk without its mark');
    store.dispose();
  });

  it('returns undefined when updating an entry that does not exist', async () => {
    const store = await openStore();
    assert.equal(await store.update(randomUUID(), { status: 'done' }), undefined);
  });

  it('rejects changes that would make an entry invalid and keeps the entry as it was', async () => {
    const store = await openStore();
    const entry = await store.add(newEntry('x'));
    await assert.rejects(store.update(entry.id, { status: 'exploded' as 'done' }));
    await assert.rejects(store.add({ ...newEntry('y'), endpoint: '' }));
    await assert.rejects(store.add(newEntry('dup', { id: entry.id })), /already exists/);
    assert.equal(store.get(entry.id), entry);
    assert.equal(store.list().length, 1);
  });

  it('hands out frozen copies that share nothing with the caller', async () => {
    const store = await openStore();
    const input = { prompt: 'p', motions: ['zoom-in'] };
    const entry = await store.add({ ...newEntry('p'), input });
    input.motions.push('pan-left');
    assert.deepEqual(store.get(entry.id)?.input.motions, ['zoom-in']);
    assert.ok(Object.isFrozen(entry) && Object.isFrozen(entry.input));
    assert.throws(() => {
      (entry.input.motions as string[]).push('x');
    });
  });

  it('lands every one of many concurrent updates, coalescing them into few writes', async () => {
    let appends = 0;
    const store = await openStore({ whileLocked: () => void appends++ });
    const entries = await Promise.all(Array.from({ length: 5 }, (_, i) => store.add(newEntry(`p${i}`))));
    appends = 0;
    const updates = entries.flatMap((entry) =>
      Array.from({ length: 40 }, (_, step) => store.update(entry.id, { input: { ...entry.input, step }, logs: [`line ${step}`] })),
    );
    const results = await Promise.all(updates);
    assert.ok(results.every((result) => result !== undefined));
    assert.ok(appends <= 2, `200 updates in one burst took ${appends} writes`);
    const reopened = await openStore();
    for (const entry of entries) {
      assert.equal(reopened.get(entry.id)?.input.step, 39);
      assert.deepEqual(reopened.get(entry.id)?.logs, ['line 39']);
    }
  });

  it('keeps updates made while a write is in progress', async () => {
    const held = gate();
    const entered = gate();
    let first = true;
    const store = await openStore({
      whileLocked: () => {
        if (first) {
          first = false;
          entered.open();
          return held.promise;
        }
        return undefined;
      },
    });
    const firstWrite = store.add(newEntry('first'));
    await entered.promise;
    const second = store.add(newEntry('second'));
    const secondId = store.list()[0].id;
    const updated = store.update(secondId, { status: 'queued', requestId: 'r2' });
    held.open();
    await Promise.all([firstWrite, second, updated]);
    const reopened = await openStore();
    assert.deepEqual(reopened.list().map((entry) => [entry.input.prompt, entry.status]), [['second', 'queued'], ['first', 'submitting']]);
  });

  it('reports a failed write to the caller and to listeners, and writes the change with the next one', async () => {
    let failNext = false;
    const store = await openStore({
      whileLocked: () => {
        if (failNext) {
          failNext = false;
          throw new Error('disk full');
        }
      },
    });
    const entry = await store.add(newEntry('a'));
    const writeErrors: unknown[] = [];
    store.onDidFailToWrite((error) => writeErrors.push(error));
    failNext = true;
    await assert.rejects(store.update(entry.id, { status: 'running', requestId: 'r' }), /disk full/);
    assert.equal(writeErrors.length, 1);
    assert.equal((await openStore()).get(entry.id)?.status, 'submitting');

    const other = await store.add(newEntry('b'));
    const reopened = await openStore();
    assert.equal(reopened.get(entry.id)?.status, 'running');
    assert.ok(reopened.get(other.id));
  });

  it('reports changes to listeners at once, before the write', async () => {
    const store = await openStore();
    const changes: HistoryChange[] = [];
    const subscription = store.onDidChange((change) => changes.push(change));
    const adding = store.add(newEntry('a'));
    assert.equal(changes.length, 1);
    assert.equal(changes[0].kind, 'added');
    const entry = await adding;
    const updating = store.update(entry.id, { status: 'queued' });
    assert.deepEqual(changes.map((change) => change.kind), ['added', 'updated']);
    await updating;
    await store.delete(entry.id);
    assert.deepEqual(changes[2], { kind: 'deleted', ids: [entry.id] });
    subscription.dispose();
    await store.add(newEntry('b'));
    assert.equal(changes.length, 3);
  });

  it('keeps only the last log lines, across a reopen, appending only the new lines', async () => {
    const store = await openStore();
    const entry = await store.add(newEntry('a'));
    await store.appendLogs(entry.id, Array.from({ length: 30 }, (_, i) => `a${i}`));
    const before = statSync(currentFile()).size;
    const updated = await store.appendLogs(entry.id, Array.from({ length: 30 }, (_, i) => `b${i}`));
    await store.flush();
    assert.ok(statSync(currentFile()).size - before < 400, 'thirty short lines cost about their own size, not the entry');
    assert.equal(updated?.logs?.length, MAX_LOG_LINES);
    assert.equal(updated?.logs?.at(-1), 'b29');
    assert.equal(updated?.logs?.[0], `a${60 - MAX_LOG_LINES}`);
    assert.deepEqual((await openStore()).get(entry.id)?.logs, updated?.logs);
  });

  it('costs one small append per change, whatever the size of the history', async function () {
    // 3000 durable adds: minutes where other processes keep the disk busy.
    this.timeout(180_000);
    const store = await openStore();
    const costOfOneUpdate = async (): Promise<number> => {
      const entry = await store.add(newEntry('measured'));
      const before = statSync(currentFile()).size;
      await store.update(entry.id, { status: 'queued', requestId: 'r', queuePosition: 2 });
      return statSync(currentFile()).size - before;
    };
    const small = await costOfOneUpdate();
    await Promise.all(Array.from({ length: 3000 }, (_, i) => store.add(newEntry(`filler ${i}`))));
    const large = await costOfOneUpdate();
    assert.ok(small < 1024, `one update wrote ${small} bytes`);
    assert.equal(large, small, 'an update with 3000 more entries writes the same bytes');
  });

  it('lists unfinished jobs, those with a fal request id, and finished ones whose copy is missing', async () => {
    const store = await openStore();
    const submitting = await store.add(newEntry('submitting'));
    const accepted = await store.add(newEntry('accepted', { requestId: 'r1' }));
    const queued = await store.add(newEntry('queued', { status: 'queued', requestId: 'r2', queuePosition: 4 }));
    const running = await store.add(newEntry('running', { status: 'running', requestId: 'r3' }));
    await store.add(newEntry('done', { status: 'done', requestId: 'r4' }));
    await store.add(newEntry('failed', { status: 'failed', requestId: 'r5', error: { kind: 'server', message: 'boom' } }));
    await store.add(newEntry('cancelled', { status: 'cancelled', requestId: 'r6' }));
    const missing = await store.add(newEntry('missing copy', {
      status: 'done', requestId: 'r7', remoteVideoUrl: 'https://v3.fal.media/files/x.mp4', error: { kind: 'download', message: 'offline' },
    }));
    assert.deepEqual(new Set(store.unfinished().map((entry) => entry.id)), new Set([accepted.id, queued.id, running.id]));
    assert.deepEqual(new Set(store.unfinishedEntries().map((entry) => entry.id)), new Set([submitting.id, accepted.id, queued.id, running.id]));
    assert.deepEqual(store.missingCopies().map((entry) => entry.id), [missing.id]);
    const reopened = await openStore();
    assert.deepEqual(new Set(reopened.unfinishedEntries().map((entry) => entry.id)), new Set([submitting.id, accepted.id, queued.id, running.id]));
    assert.deepEqual(reopened.missingCopies().map((entry) => entry.id), [missing.id]);
  });

  it('keeps a mark per unfinished job in running/, removed once it finishes or is deleted', async () => {
    const store = await openStore();
    const marks = () => filesIn(path.join(temp.path, 'running'));
    const job = await store.add(newEntry('job'));
    const other = await store.add(newEntry('other', { status: 'queued', requestId: 'r' }));
    await store.add(newEntry('done', { status: 'done' }));
    assert.deepEqual(marks(), [job.id, other.id].sort());
    await store.update(job.id, { status: 'running', requestId: 'r1' });
    assert.deepEqual(marks(), [job.id, other.id].sort());
    await store.update(job.id, { status: 'done' });
    assert.deepEqual(marks(), [other.id]);
    await store.delete(other.id);
    assert.deepEqual(marks(), []);
  });

  it('clears marks a killed window left for jobs that had finished', async () => {
    const store = await openStore();
    const done = await store.add(newEntry('done', { status: 'done' }));
    writeFileSync(path.join(temp.path, 'running', done.id), '');
    writeFileSync(path.join(temp.path, 'running', randomUUID()), '');
    await openStore();
    assert.deepEqual(filesIn(path.join(temp.path, 'running')), []);
  });

  it('claims unfinished jobs of a process that is gone, marks never-accepted ones failed, and leaves live ones alone', async () => {
    const gone = deadPid();
    const store = await openStore();
    const orphaned = await store.add(newEntry('orphaned', { status: 'running', requestId: 'r1', ownerPid: gone }));
    const neverAccepted = await store.add(newEntry('never accepted', { ownerPid: gone }));
    const ours = await store.add(newEntry('ours', { status: 'queued', requestId: 'r2' }));
    const finished = await store.add(newEntry('finished', { status: 'done', requestId: 'r3', ownerPid: gone }));

    const other = await openStore();
    const claimed = await other.claimUnfinished();
    assert.deepEqual(claimed.resumable.map((entry) => entry.id), [orphaned.id]);
    assert.equal(claimed.resumable[0].status, 'running');
    assert.equal(claimed.resumable[0].ownerPid, process.pid);
    assert.deepEqual(claimed.interrupted.map((entry) => entry.id), [neverAccepted.id]);
    assert.equal(claimed.interrupted[0].status, 'failed');
    assert.equal(claimed.interrupted[0].error?.kind, 'interrupted');
    assert.equal(other.get(ours.id)?.ownerPid, process.pid);
    assert.equal(other.get(finished.id)?.status, 'done');

    // Durable, and a second claim finds nothing: each job is claimed once.
    const third = await openStore();
    assert.equal(third.get(orphaned.id)?.ownerPid, process.pid);
    assert.equal(third.get(neverAccepted.id)?.status, 'failed');
    assert.deepEqual(await third.claimUnfinished(), { resumable: [], interrupted: [] });
    assert.ok(!filesIn(path.join(temp.path, 'running')).includes(neverAccepted.id), 'a job that failed has no mark');
  });

  it('claims what the caller calls abandoned, e.g. a live-looking owner it saw go quiet, or its own id not followed here', async () => {
    const store = await openStore();
    const quiet = await store.add(newEntry('quiet', { status: 'running', requestId: 'r1', ownerPid: process.ppid }));
    const ownIdNotFollowed = await store.add(newEntry('own id', { status: 'running', requestId: 'r2' }));
    const followed = await store.add(newEntry('followed', { status: 'running', requestId: 'r3', ownerPid: process.ppid }));
    const other = await openStore();
    // By default only a gone owner counts: none here (the parent and this process are alive).
    assert.deepEqual(await other.claimUnfinished(), { resumable: [], interrupted: [] });
    const claimed = await other.claimUnfinished((entry) => entry.id === quiet.id || entry.id === ownIdNotFollowed.id);
    assert.deepEqual(claimed.resumable.map((entry) => entry.id).sort(), [quiet.id, ownIdNotFollowed.id].sort());
    assert.equal(other.get(quiet.id)?.ownerPid, process.pid);
    assert.equal(other.get(followed.id)?.ownerPid, process.ppid);
  });

  it('touchOwned marks the unfinished jobs this process follows, once a heartbeat is due', async () => {
    let clock = 5_000_000;
    const store = await openStore({ now: () => clock });
    const ours = await store.add(newEntry('ours', { status: 'running', requestId: 'r1' }));
    const notFollowed = await store.add(newEntry('our id, not followed here', { status: 'running', requestId: 'r4' }));
    const theirs = await store.add(newEntry('theirs', { status: 'running', requestId: 'r2', ownerPid: process.ppid }));
    const done = await store.add(newEntry('done', { status: 'done', requestId: 'r3' }));
    const follows = (id: string) => id === ours.id;
    clock += OWNER_HEARTBEAT_MS - 1;
    await store.touchOwned(follows);
    assert.equal(historyOnDisk(temp.path).entries.get(ours.id)?.updatedAt, ours.updatedAt, 'not due yet');
    clock += 1;
    await store.touchOwned(follows);
    await store.flush();
    const onDisk = historyOnDisk(temp.path).entries;
    assert.equal(onDisk.get(ours.id)?.updatedAt, clock, 'marked on disk');
    assert.equal(onDisk.get(notFollowed.id)?.updatedAt, notFollowed.updatedAt, 'a job this process does not follow is not kept alive');
    assert.equal(onDisk.get(theirs.id)?.updatedAt, theirs.updatedAt, "another process's job is left alone");
    assert.equal(onDisk.get(done.id)?.updatedAt, done.updatedAt, 'a finished job needs no owner');
  });

  it('deletes an entry and its video; clear deletes everything', async () => {
    const store = await openStore();
    const videos = path.join(temp.path, 'videos');
    mkdirSync(videos);
    const entries = [];
    for (const prompt of ['a', 'b', 'c']) {
      const entry = await store.add(newEntry(prompt, { status: 'done' }));
      writeFileSync(path.join(videos, `${entry.id}.mp4`), 'video bytes');
      entries.push(await store.update(entry.id, { video: { file: `videos/${entry.id}.mp4`, bytes: 11, contentType: 'video/mp4' } }));
    }
    const [a, b, c] = entries.map((entry) => entry!);
    assert.equal(store.videoPath(a), path.join(videos, `${a.id}.mp4`));

    assert.equal(await store.delete(a.id), true);
    assert.equal(await store.delete(a.id), false);
    assert.equal(existsSync(path.join(videos, `${a.id}.mp4`)), false);
    assert.deepEqual(filesIn(videos), [`${b.id}.mp4`, `${c.id}.mp4`].sort());
    assert.deepEqual((await openStore()).list().map((entry) => entry.id), [c.id, b.id]);

    assert.equal(await store.clear(), 2);
    assert.deepEqual(store.list(), []);
    assert.deepEqual(filesIn(videos), []);
    assert.deepEqual((await openStore()).list(), []);
    assert.equal(historyOnDisk(temp.path).entries.size, 0);
  });

  it('removes a poster frame with its video: deleted, pruned, or an orphan swept at start', async () => {
    const store = await openStore();
    const videos = path.join(temp.path, 'videos');
    mkdirSync(videos);
    const entries = [];
    for (const prompt of ['deleted', 'pruned', 'kept']) {
      const entry = await store.add(newEntry(prompt, { status: 'done' }));
      writeFileSync(path.join(videos, `${entry.id}.mp4`), 'video bytes');
      writeFileSync(path.join(videos, `${entry.id}.mp4${POSTER_SUFFIX}`), 'png bytes');
      entries.push(await store.update(entry.id, { video: { file: `videos/${entry.id}.mp4`, bytes: 11, contentType: 'video/mp4' } }));
    }
    const [deleted, pruned, kept] = entries.map((entry) => entry!);
    assert.equal(store.posterPath(kept), path.join(videos, `${kept.id}.mp4.poster.png`));

    await store.delete(deleted.id);
    await store.prune({ maxVideos: 1 }, { protect: [kept.id] });
    assert.deepEqual(filesIn(videos), [`${kept.id}.mp4`, `${kept.id}.mp4${POSTER_SUFFIX}`].sort());
    assert.equal(store.get(pruned.id)?.videoPruned, true);

    // At the next start, the poster of a video still in the history is no orphan, however old; one left alone is.
    writeFileSync(path.join(videos, `gone.mp4${POSTER_SUFFIX}`), 'png bytes');
    const longAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
    for (const name of filesIn(videos)) {
      utimesSync(path.join(videos, name), longAgo, longAgo);
    }
    await openStore();
    assert.deepEqual(filesIn(videos), [`${kept.id}.mp4`, `${kept.id}.mp4${POSTER_SUFFIX}`].sort());
  });

  it('refuses a video path outside the store folder', async () => {
    const store = await openStore();
    await assert.rejects(store.add(newEntry('x', { video: { file: '../outside.mp4', bytes: 1, contentType: 'video/mp4' } })));
    await assert.rejects(store.add(newEntry('x', { video: { file: '/etc/passwd', bytes: 1, contentType: 'video/mp4' } })));
  });

  describe('compaction', () => {
    /** Entries big enough that a few dozen changes make the file worth compacting. */
    const bulky = (prompt: string) => newEntry(prompt, { input: { prompt, notes: 'x'.repeat(60_000) } });

    it('writes the live records into the next file once most of the file is dead, losing nothing', async () => {
      const store = await openStore();
      const other = await openStore();
      const kept = await store.add(bulky('kept'));
      const deleted = await store.add(bulky('deleted'));
      const churned = await store.add(bulky('churned'));
      await store.appendLogs(churned.id, ['a log line']);
      await store.delete(deleted.id);
      for (let step = 0; historyOnDisk(temp.path).generation === 1; step++) {
        assert.ok(step < 100, 'the file was never compacted');
        await store.update(churned.id, { input: { ...churned.input, step } });
      }
      assert.deepEqual(filesIn(temp.path).filter((name) => name.startsWith('history.')), [historyFileName(2)]);
      const onDisk = historyOnDisk(temp.path);
      assert.deepEqual([...onDisk.entries.keys()].sort(), [kept.id, churned.id].sort());
      assert.deepEqual(onDisk.entries.get(churned.id)?.logs, ['a log line']);
      assert.ok(statSync(currentFile()).size < 3 * 64_000, 'only the live records are kept');

      // A window that read the old file follows into the new one, its own change made meanwhile included.
      const late = await other.add(newEntry('added by the other window'));
      await other.refresh();
      assert.deepEqual(new Set(other.ids()), new Set([kept.id, churned.id, late.id]));
      assert.equal(other.get(churned.id)?.input.step, store.get(churned.id)?.input.step);
      assert.deepEqual(new Set((await openStore()).ids()), new Set([kept.id, churned.id, late.id]));
    });
  });

  describe('several windows on one folder', () => {
    it('merges what each writes instead of overwriting the other', async () => {
      const first = await openStore();
      const second = await openStore();
      const writes = [];
      for (let i = 0; i < 20; i++) {
        writes.push(first.add(newEntry(`first ${i}`)), second.add(newEntry(`second ${i}`)));
      }
      await Promise.all(writes);
      const reopened = await openStore();
      assert.equal(reopened.list().length, 40);
      await Promise.all([first.refresh(), second.refresh()]);
      assert.equal(first.list().length, 40);
      assert.equal(second.list().length, 40);
    });

    it('sees another window\'s updates and deletions on refresh, reported as synced', async () => {
      const first = await openStore();
      const kept = await first.add(newEntry('kept'));
      const removed = await first.add(newEntry('removed'));
      const second = await openStore();
      const changes: HistoryChange[] = [];
      second.onDidChange((change) => changes.push(change));
      await first.update(kept.id, { status: 'done', seed: 7 });
      await first.delete(removed.id);
      await second.refresh();
      assert.equal(second.get(kept.id)?.seed, 7);
      assert.equal(second.get(removed.id), undefined);
      assert.deepEqual(changes, [{ kind: 'synced', ids: [kept.id, removed.id] }]);
    });

    it('does not resurrect an entry another window deleted when updating it late', async () => {
      const first = await openStore();
      const entry = await first.add(newEntry('running elsewhere', { status: 'running', requestId: 'r' }));
      const second = await openStore();
      await second.delete(entry.id);
      await first.update(entry.id, { status: 'done' });
      assert.equal(first.get(entry.id), undefined);
      assert.deepEqual((await openStore()).list(), []);
    });

    it('does not resurrect an entry another window deleted when writing its own changes', async () => {
      const first = await openStore();
      const doomed = await first.add(newEntry('doomed'));
      const second = await openStore();
      await first.delete(doomed.id);
      await second.add(newEntry('new'));
      assert.equal(second.get(doomed.id), undefined);
      assert.deepEqual((await openStore()).list().map((entry) => entry.input.prompt), ['new']);
    });

    it('fences a writer whose lock was taken: what was written after it holds', async () => {
      const seeded = await openStore();
      const entry = await seeded.add(newEntry('contested', { status: 'running', requestId: 'r' }));
      const held = gate();
      const entered = gate();
      let hold = false;
      const slow = await openStore({
        whileLocked: () => {
          if (hold) {
            hold = false;
            entered.open();
            return held.promise;
          }
          return undefined;
        },
      });
      // Takes over any lock at once: the slow writer's counts as stale as soon as it is held.
      const fast = await openStore({ lockStaleMs: 0 });
      hold = true;
      const slowWrite = slow.update(entry.id, { status: 'failed', error: { kind: 'server', message: 'stale view' } });
      await entered.promise;
      await fast.update(entry.id, { status: 'done', seed: 7 });
      held.open();
      await slowWrite;

      const reopened = await openStore();
      assert.equal(reopened.get(entry.id)?.status, 'done');
      assert.equal(reopened.get(entry.id)?.seed, 7);
      assert.equal(slow.get(entry.id)?.status, 'done', 'the slow writer learns what holds');
    });

    it('lands the change of a writer whose lock was taken while the file was compacted in the new file', async () => {
      const seeded = await openStore();
      const mine = await seeded.add(newEntry('mine'));
      const held = gate();
      const entered = gate();
      let hold = false;
      const slow = await openStore({
        whileLocked: () => {
          if (hold) {
            hold = false;
            entered.open();
            return held.promise;
          }
          return undefined;
        },
      });
      const fast = await openStore({ lockStaleMs: 0 });
      hold = true;
      const slowWrite = slow.update(mine.id, { status: 'queued', requestId: 'kept' });
      await entered.promise;
      const big = await fast.add(newEntry('big', { input: { prompt: 'big', notes: 'x'.repeat(60_000) } }));
      for (let step = 0; historyOnDisk(temp.path).generation === 1; step++) {
        assert.ok(step < 100, 'the file was never compacted');
        await fast.update(big.id, { input: { prompt: 'big', notes: 'y'.repeat(60_000), step } });
      }
      held.open();
      await slowWrite;
      const reopened = await openStore();
      assert.equal(reopened.get(mine.id)?.requestId, 'kept');
      assert.equal(reopened.get(big.id)?.input.notes, 'y'.repeat(60_000));
      assert.deepEqual(filesIn(temp.path).filter((name) => name.startsWith('history.')), [historyFileName(2)]);
    });
  });

  describe('damage', () => {
    it('keeps the cut-off last line of a killed writer apart, says nothing, and never truncates the file', async () => {
      const store = await openStore();
      const entry = await store.add(newEntry('kept'));
      const cutOff = '{"id":"0f0f0f0f-0000-4000-8000-000000000000","rev":1,"at":1,"st":"subm';
      appendFileSync(currentFile(), cutOff);
      const reopened = await openStore();
      assert.deepEqual(reopened.ids(), [entry.id]);
      const next = await reopened.add(newEntry('after'));
      const text = readFileSync(currentFile(), 'utf8');
      assert.ok(text.includes(`${cutOff}\n{"torn":1}\n`), 'the records start on a line of their own, after a mark');
      assert.deepEqual(historyOnDisk(temp.path).markedCutOffs, [cutOff]);
      assert.deepEqual(historyOnDisk(temp.path).unreadableLines, []);
      assert.deepEqual(new Set(historyOnDisk(temp.path).entries.keys()), new Set([entry.id, next.id]));

      const { store: again, recovery } = await HistoryStore.open(temp.path);
      assert.equal(recovery, undefined, 'a cut-off write is no damage to tell the user about');
      assert.deepEqual(new Set(again.ids()), new Set([entry.id, next.id]));
      assert.deepEqual(historyOnDisk(temp.path).markedCutOffs, [], 'compacted out at the next start');
      assert.ok(readFileSync(path.join(temp.path, CORRUPT_RECORDS_FILE), 'utf8').includes(cutOff), 'and kept aside');
    });

    it('sets aside a record damaged beyond reading at open, keeps the rest, and says so', async () => {
      const store = await openStore();
      const good = await store.add(newEntry('good'));
      const damaged = await store.add(newEntry('damaged'));
      const text = readFileSync(currentFile(), 'utf8');
      writeFileSync(currentFile(), text.replace(`{"id":"${damaged.id}","rev"`, `{"id":"${damaged.id}"\u0000"rev"`));
      const { store: reopened, recovery } = await HistoryStore.open(temp.path);
      assert.equal(recovery?.reason, 'invalidEntries');
      assert.match(recovery?.message ?? '', /1 damaged history record was left out and set aside in history\.corrupt\.jsonl; the other 1 entries are kept/);
      assert.deepEqual(reopened.ids(), [good.id]);
      assert.equal(reopened.get(damaged.id), undefined);
      assert.match(readFileSync(path.join(temp.path, CORRUPT_RECORDS_FILE), 'utf8'), new RegExp(damaged.id));
      assert.deepEqual(historyOnDisk(temp.path).unreadableLines, [], 'the history file no longer holds it');
      assert.deepEqual((await openStore()).ids(), [good.id], 'and it is not reported again');
    });

    it('sets aside an entry found damaged when it is read, deletes it from the history, and says so once', async () => {
      const store = await openStore();
      const good = await store.add(newEntry('good'));
      const damaged = await store.add(newEntry('damaged'));
      const text = readFileSync(currentFile(), 'utf8');
      writeFileSync(currentFile(), text.replace('"prompt":"damaged"', '"prompt":"dam\u0000'));
      const reopened = await openStore();
      const changes: HistoryChange[] = [];
      reopened.onDidChange((change) => changes.push(change));
      assert.equal(reopened.size, 2, 'only summaries are read at open');
      assert.equal(reopened.get(damaged.id), undefined);
      assert.equal(reopened.get(good.id)?.input.prompt, 'good');
      assert.deepEqual(reopened.ids(), [good.id]);
      await new Promise<void>((resolve) => reopened.onDidChange((change) => change.kind === 'recovered' && resolve()));
      await reopened.flush();
      const recovered = changes.filter((change) => change.kind === 'recovered');
      assert.equal(recovered.length, 1);
      assert.match(recovered[0].kind === 'recovered' ? recovered[0].recovery.message : '', /1 damaged history entry was left out and set aside in history\.corrupt\.jsonl/);
      assert.ok(readFileSync(path.join(temp.path, CORRUPT_RECORDS_FILE), 'utf8').includes('dam\u0000'));
      const again = await openStore();
      assert.deepEqual(again.ids(), [good.id], 'deleted from the history: not found (and reported) again');
    });

    it('sets aside a history file that is not one, and starts again', async () => {
      writeFileSync(path.join(temp.path, historyFileName(1)), 'PK\u0003\u0004 not a history\n');
      const { store, recovery } = await HistoryStore.open(temp.path);
      assert.equal(recovery?.reason, 'unreadable');
      assert.match(recovery?.message ?? '', /could not be read; it was set aside as history\.1\.unreadable-.+\.jsonl/);
      assert.equal(readFileSync(recovery!.movedTo, 'utf8'), 'PK\u0003\u0004 not a history\n');
      const entry = await store.add(newEntry('after'));
      assert.deepEqual((await openStore()).ids(), [entry.id]);
    });

    it('leaves alone a history a newer version of the extension wrote, and says to update', async () => {
      const text = `${headerLine(1).replace('"version":2', '"version":3')}\n{"something":"new"}\n`;
      writeFileSync(path.join(temp.path, historyFileName(1)), text);
      await assert.rejects(HistoryStore.open(temp.path), /written by a newer version of the extension\. Update the extension/);
      assert.equal(readFileSync(path.join(temp.path, historyFileName(1)), 'utf8'), text);
    });
  });

  describe('a full disk', () => {
    let mountPoint = '';

    before(function () {
      // A small disk of its own, to fill up: needs root (as the CI machines run); elsewhere this is skipped.
      mountPoint = mkdtempSync(path.join(tmpdir(), 'animatediff-full-disk-'));
      const mounted = process.getuid?.() === 0
        && spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mountPoint], { stdio: 'ignore' }).status === 0;
      if (!mounted) {
        rmSync(mountPoint, { recursive: true, force: true });
        mountPoint = '';
        this.skip();
      }
    });

    after(() => {
      if (mountPoint) {
        spawnSync('umount', [mountPoint], { stdio: 'ignore' });
        rmSync(mountPoint, { recursive: true, force: true });
      }
    });

    /** Writes to `file` until the disk has no room left. */
    function fillUp(file: string, chunk: Buffer = Buffer.alloc(4096, 1)): void {
      try {
        for (;;) {
          appendFileSync(file, chunk);
        }
      } catch (error) {
        assert.equal((error as NodeJS.ErrnoException).code, 'ENOSPC');
      }
    }

    it('Delete and Clear free space on a disk with no room left', async () => {
      const folder = path.join(mountPoint, 'history');
      const { store } = await HistoryStore.open(folder);
      mkdirSync(path.join(folder, 'videos'), { recursive: true });
      const entries = [];
      for (const prompt of ['a', 'b', 'c']) {
        const entry = await store.add(newEntry(prompt, { status: 'done' }));
        writeFileSync(path.join(folder, 'videos', `${entry.id}.mp4`), Buffer.alloc(200_000, 2));
        entries.push(await store.update(entry.id, { video: { file: `videos/${entry.id}.mp4`, bytes: 200_000, contentType: 'video/mp4' } }));
      }
      /** No room anywhere: not even in the history file's last, partly used block (empty lines are no records). */
      const noRoomLeft = () => {
        fillUp(path.join(mountPoint, 'filler'));
        fillUp(currentFileIn(folder), Buffer.from('\n'));
      };
      noRoomLeft();
      await assert.rejects(store.add(newEntry('no room')), /ENOSPC/, 'the disk is really full');

      assert.equal(await store.delete(entries[0]!.id), true);
      assert.ok(!existsSync(path.join(folder, 'videos', `${entries[0]!.id}.mp4`)));
      noRoomLeft();
      assert.equal(await store.clear(), 3, 'the two left and the one added when there was no room');
      assert.deepEqual(filesIn(path.join(folder, 'videos')), []);
      rmSync(path.join(mountPoint, 'filler'));
      const { store: reopened, recovery } = await HistoryStore.open(folder);
      assert.equal(recovery, undefined);
      assert.deepEqual(reopened.ids(), [], 'the deletions are on disk');
    });
  });

  describe('leftovers of a killed process', () => {
    it('removes the temp file of a compaction a dead process left, keeping the history', async () => {
      const store = await openStore();
      const entry = await store.add(newEntry('committed'));
      const leftover = path.join(temp.path, `${historyFileName(2)}.tmp-${deadPid()}-abcdef0123`);
      writeFileSync(leftover, '{"format":"animatediff-history"');
      const reopened = await openStore();
      assert.deepEqual(reopened.ids(), [entry.id]);
      assert.equal(existsSync(leftover), false);
    });

    it('takes over a lock left by a process that is gone', async () => {
      writeFileSync(path.join(temp.path, LOCK_FILE), JSON.stringify({ pid: deadPid(), token: 't', acquiredAt: Date.now() }));
      const store = await openStore();
      await store.add(newEntry('written'));
      assert.equal((await openStore()).list().length, 1);
      assert.equal(existsSync(path.join(temp.path, LOCK_FILE)), false);
    });

    it('removes the private files of lock attempts by processes that are gone, not of live ones', async () => {
      const dead = path.join(temp.path, `${LOCK_FILE}.tmp-${deadPid()}-0123456789ab`);
      const deadBreaker = path.join(temp.path, `${LOCK_FILE}.break.tmp-${deadPid()}-0123456789ab`);
      const live = path.join(temp.path, `${LOCK_FILE}.tmp-${process.pid}-0123456789ab`);
      for (const file of [dead, deadBreaker, live]) {
        writeFileSync(file, '{}');
      }
      await openStore();
      assert.deepEqual(filesIn(temp.path).filter((name) => name.startsWith(LOCK_FILE)), [path.basename(live)]);
    });

    it('takes over a lock held far longer than any write takes', async () => {
      writeFileSync(path.join(temp.path, LOCK_FILE), JSON.stringify({ pid: process.pid, token: 't', acquiredAt: Date.now() - 60_000 }));
      const store = await openStore();
      await store.add(newEntry('written'));
      assert.equal((await openStore()).list().length, 1);
    });
  });
});
