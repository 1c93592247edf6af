import * as assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { MAX_LOG_LINES } from '../../../../src/history/store/entry';
import { HistoryStore, INDEX_FILE, OWNER_HEARTBEAT_MS, type HistoryChange } from '../../../../src/history/store/historyStore';
import { parseIndexText } from '../../../../src/history/store/indexFile';
import { deadPid, filesIn, newEntry, useTempFolder } from '../support';

describe('history store', () => {
  const temp = useTempFolder();

  async function openStore(options: Parameters<typeof HistoryStore.open>[1] = {}): Promise<HistoryStore> {
    const { store, recovery } = await HistoryStore.open(temp.path, options);
    assert.equal(recovery, undefined);
    return store;
  }

  function indexOnDisk(): ReturnType<typeof parseIndexText> {
    return parseIndexText(readFileSync(path.join(temp.path, INDEX_FILE), 'utf8'));
  }

  it('creates the folder and starts empty', async () => {
    const folder = path.join(temp.path, 'nested', 'globalStorage');
    const { store, recovery } = await HistoryStore.open(folder);
    assert.equal(recovery, undefined);
    assert.deepEqual(store.list(), []);
    assert.ok(existsSync(folder));
  });

  it('adds entries with defaults and lists them newest first', async () => {
    const store = await openStore();
    const first = await store.add(newEntry('first', { createdAt: 1_000 }));
    const third = await store.add(newEntry('third', { createdAt: 3_000 }));
    const second = await store.add(newEntry('second', { createdAt: 2_000 }));
    assert.deepEqual(store.list().map((entry) => entry.input.prompt), ['third', 'second', 'first']);
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
    assert.deepEqual(indexOnDisk().entries, [running]);
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
    let commits = 0;
    const store = await openStore({ beforeCommit: () => void commits++ });
    const entries = await Promise.all(Array.from({ length: 5 }, (_, i) => store.add(newEntry(`p${i}`))));
    commits = 0;
    const updates = entries.flatMap((entry) =>
      Array.from({ length: 40 }, (_, step) => store.update(entry.id, { input: { ...entry.input, step }, logs: [`line ${step}`] })),
    );
    const results = await Promise.all(updates);
    assert.ok(results.every((result) => result !== undefined));
    assert.ok(commits <= 2, `200 updates in one burst took ${commits} writes`);
    const reopened = await openStore();
    for (const entry of entries) {
      assert.equal(reopened.get(entry.id)?.input.step, 39);
      assert.deepEqual(reopened.get(entry.id)?.logs, ['line 39']);
    }
  });

  it('keeps updates made while a write is in progress', async () => {
    let releaseCommit: (() => void) | undefined;
    let commitStarted: (() => void) | undefined;
    const started = new Promise<void>((resolve) => (commitStarted = resolve));
    const store = await openStore({
      beforeCommit: () => {
        if (!releaseCommit) {
          commitStarted?.();
          return new Promise<void>((resolve) => (releaseCommit = resolve));
        }
        return undefined;
      },
    });
    const firstWrite = store.add(newEntry('first'));
    await started;
    const second = store.add(newEntry('second'));
    const secondId = store.list()[0].id;
    const updated = store.update(secondId, { status: 'queued', requestId: 'r2' });
    releaseCommit?.();
    await Promise.all([firstWrite, second, updated]);
    const reopened = await openStore();
    assert.deepEqual(reopened.list().map((entry) => [entry.input.prompt, entry.status]), [['second', 'queued'], ['first', 'submitting']]);
  });

  it('reports a failed write to the caller and to listeners, and writes the change with the next one', async () => {
    let failNext = false;
    const store = await openStore({
      beforeCommit: () => {
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
    assert.equal(filesIn(temp.path).filter((name) => name.includes('.tmp-')).length, 0, 'the temp file of the failed write is removed');

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

  it('keeps only the last log lines', async () => {
    const store = await openStore();
    const entry = await store.add(newEntry('a'));
    await store.appendLogs(entry.id, Array.from({ length: 30 }, (_, i) => `a${i}`));
    const updated = await store.appendLogs(entry.id, Array.from({ length: 30 }, (_, i) => `b${i}`));
    assert.equal(updated?.logs?.length, MAX_LOG_LINES);
    assert.equal(updated?.logs?.at(-1), 'b29');
    assert.equal(updated?.logs?.[0], `a${60 - MAX_LOG_LINES}`);
  });

  it('lists unfinished jobs that have a fal request id', async () => {
    const store = await openStore();
    const submitting = await store.add(newEntry('submitting'));
    const accepted = await store.add(newEntry('accepted', { requestId: 'r1' }));
    const queued = await store.add(newEntry('queued', { status: 'queued', requestId: 'r2', queuePosition: 4 }));
    const running = await store.add(newEntry('running', { status: 'running', requestId: 'r3' }));
    await store.add(newEntry('done', { status: 'done', requestId: 'r4' }));
    await store.add(newEntry('failed', { status: 'failed', requestId: 'r5', error: { kind: 'server', message: 'boom' } }));
    await store.add(newEntry('cancelled', { status: 'cancelled', requestId: 'r6' }));
    assert.deepEqual(new Set(store.unfinished().map((entry) => entry.id)), new Set([accepted.id, queued.id, running.id]));
    assert.ok(!store.unfinished().some((entry) => entry.id === submitting.id));
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
    assert.equal(indexOnDisk().entries.find((entry) => entry.id === ours.id)?.updatedAt, ours.updatedAt, 'not due yet');
    clock += 1;
    await store.touchOwned(follows);
    const onDisk = new Map(indexOnDisk().entries.map((entry) => [entry.id, entry.updatedAt]));
    assert.equal(onDisk.get(ours.id), clock, 'marked on disk');
    assert.equal(onDisk.get(notFollowed.id), notFollowed.updatedAt, 'a job this process does not follow is not kept alive');
    assert.equal(onDisk.get(theirs.id), theirs.updatedAt, "another process's job is left alone");
    assert.equal(onDisk.get(done.id), done.updatedAt, 'a finished job needs no owner');
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
    assert.deepEqual(indexOnDisk(), { entries: [] });
  });

  it('refuses a video path outside the store folder', async () => {
    const store = await openStore();
    await assert.rejects(store.add(newEntry('x', { video: { file: '../outside.mp4', bytes: 1, contentType: 'video/mp4' } })));
    await assert.rejects(store.add(newEntry('x', { video: { file: '/etc/passwd', bytes: 1, contentType: 'video/mp4' } })));
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
  });

  describe('a bad index file', () => {
    async function openWithIndex(text: string) {
      writeFileSync(path.join(temp.path, INDEX_FILE), text);
      const opened = await HistoryStore.open(temp.path);
      return opened;
    }

    function asideFiles(): string[] {
      return filesIn(temp.path).filter((name) => /^index\.corrupt-.+\.json$/.test(name));
    }

    const cases: Array<{ name: string; text: string; reason: string; message: RegExp }> = [
      { name: 'garbage', text: '{"version":1,"entries":[{"id"', reason: 'unreadable', message: /not valid JSON/ },
      { name: 'binary noise', text: '\u0000\u0001\u0002PK', reason: 'unreadable', message: /not valid JSON/ },
      { name: 'an empty file', text: '', reason: 'unreadable', message: /not valid JSON/ },
      { name: 'JSON of a foreign shape', text: '{"recent":["a","b"]}', reason: 'foreign', message: /not an AnimateDiff history index/ },
      { name: 'a JSON array', text: '[1,2,3]', reason: 'foreign', message: /not a JSON object/ },
      { name: 'a newer version', text: '{"version":2,"entries":[{"id":"x"}]}', reason: 'unsupportedVersion', message: /version 2; this extension reads version 1/ },
      { name: 'a version that is not a number', text: '{"version":"1","entries":[]}', reason: 'foreign', message: /not an AnimateDiff history index/ },
    ];
    for (const { name, text, reason, message } of cases) {
      it(`moves ${name} aside, says so, and starts empty`, async () => {
        const { store, recovery } = await openWithIndex(text);
        assert.equal(recovery?.reason, reason);
        assert.match(recovery?.message ?? '', message);
        assert.match(recovery?.message ?? '', /moved to index\.corrupt-.+\.json\. The history starts empty\./);
        assert.deepEqual(store.list(), []);
        assert.deepEqual(asideFiles(), [path.basename(recovery!.movedTo)]);
        assert.equal(readFileSync(recovery!.movedTo, 'utf8'), text, 'the original is kept byte for byte');
        assert.equal(existsSync(path.join(temp.path, INDEX_FILE)), false);

        const entry = await store.add(newEntry('after recovery'));
        const { store: reopened, recovery: again } = await HistoryStore.open(temp.path);
        assert.equal(again, undefined);
        assert.deepEqual(reopened.list().map((e) => e.id), [entry.id]);
      });
    }

    it('moves aside an index that is a folder', async () => {
      mkdirSync(path.join(temp.path, INDEX_FILE));
      const { store, recovery } = await HistoryStore.open(temp.path);
      assert.equal(recovery?.reason, 'foreign');
      await store.add(newEntry('works'));
      assert.equal((await openStore()).list().length, 1);
    });

    it('keeps the valid entries of an index with some unreadable ones, and copies the original aside', async () => {
      const store = await openStore();
      const good = await store.add(newEntry('good'));
      const alsoGood = await store.add(newEntry('also good'));
      const original = readFileSync(path.join(temp.path, INDEX_FILE), 'utf8');
      const damaged = original.replace(`"${good.id}"`, '"not-a-uuid"');
      const { store: reopened, recovery } = await openWithIndex(damaged);
      assert.equal(recovery?.reason, 'invalidEntries');
      assert.equal(recovery?.keptEntries, 1);
      assert.equal(recovery?.droppedEntries, 1);
      assert.match(recovery?.message ?? '', /1 history entry was unreadable and left out; the other 1 are kept/);
      assert.deepEqual(reopened.list().map((entry) => entry.id), [alsoGood.id]);
      assert.equal(readFileSync(recovery!.movedTo, 'utf8'), damaged);
      assert.equal((await openStore()).list().length, 1, 'the repaired index is written');
    });

    it('two corruptions get two different aside files', async () => {
      const first = await openWithIndex('nope');
      const second = await openWithIndex('nope again');
      assert.notEqual(first.recovery?.movedTo, second.recovery?.movedTo);
      assert.equal(asideFiles().length, 2);
    });

    it('an index corrupted while the store is open is moved aside on the next write, keeping what the store knew', async () => {
      const store = await openStore();
      const known = await store.add(newEntry('known'));
      writeFileSync(path.join(temp.path, INDEX_FILE), 'garbage from elsewhere');
      const changes: HistoryChange[] = [];
      store.onDidChange((change) => changes.push(change));
      const added = await store.add(newEntry('new'));
      const recovered = changes.find((change) => change.kind === 'recovered');
      assert.ok(recovered && recovered.kind === 'recovered');
      assert.match(recovered.recovery.message, /The 1 entry this window knew were written back/);
      assert.deepEqual((await openStore()).list().map((entry) => entry.id), [added.id, known.id]);
      assert.equal(asideFiles().length, 1);
    });
  });

  describe('leftovers of a killed process', () => {
    it('ignores and removes a leftover temp index, keeping the committed one', async () => {
      const store = await openStore();
      const entry = await store.add(newEntry('committed'));
      const leftover = path.join(temp.path, `${INDEX_FILE}.tmp-99999-abcdef`);
      writeFileSync(leftover, '{"version":1,"entries":[{"half written');
      const reopened = await openStore();
      assert.deepEqual(reopened.list().map((e) => e.id), [entry.id]);
      assert.equal(existsSync(leftover), false);
    });

    it('opens with only a temp index present (killed before the first rename)', async () => {
      writeFileSync(path.join(temp.path, `${INDEX_FILE}.tmp-99999-abcdef`), '{"version":1,"entries":[]}');
      const store = await openStore();
      assert.deepEqual(store.list(), []);
      assert.deepEqual(filesIn(temp.path), []);
    });

    it('takes over a lock left by a process that is gone', async () => {
      writeFileSync(path.join(temp.path, 'index.lock'), JSON.stringify({ pid: deadPid(), token: 't', acquiredAt: Date.now() }));
      const store = await openStore();
      await store.add(newEntry('written'));
      assert.equal((await openStore()).list().length, 1);
      assert.equal(existsSync(path.join(temp.path, 'index.lock')), false);
    });

    it('removes the private files of lock attempts by processes that are gone, not of live ones', async () => {
      const dead = path.join(temp.path, `index.lock.tmp-${deadPid()}-0123456789ab`);
      const deadBreaker = path.join(temp.path, `index.lock.break.tmp-${deadPid()}-0123456789ab`);
      const live = path.join(temp.path, `index.lock.tmp-${process.pid}-0123456789ab`);
      for (const file of [dead, deadBreaker, live]) {
        writeFileSync(file, '{}');
      }
      await openStore();
      assert.deepEqual(filesIn(temp.path), [path.basename(live)]);
    });

    it('takes over a lock held far longer than any write takes', async () => {
      writeFileSync(path.join(temp.path, 'index.lock'), JSON.stringify({ pid: process.pid, token: 't', acquiredAt: Date.now() - 60_000 }));
      const store = await openStore();
      await store.add(newEntry('written'));
      assert.equal((await openStore()).list().length, 1);
    });
  });
});
