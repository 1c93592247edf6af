import * as assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { HistoryEntry } from '../../../../src/history/store/entry';
import { HistoryStore, historyFileName, type HistoryStoreOptions } from '../../../../src/history/store/historyStore';
import { decodeSummaries, encodeSummaries, summariesFileName, unpackLogLines, type HistorySummaries } from '../../../../src/history/store/summaries';
import { deadPid, filesIn, historyOnDisk, newEntry, useTempFolder } from '../support';

/** Summaries written at every start (the product waits for a megabyte of new records). */
const ALWAYS: HistoryStoreOptions = { summariesMinBytes: 1 };

describe('history store: summaries read at start instead of the whole file', () => {
  const temp = useTempFolder();
  const other = useTempFolder();

  async function open(folder: string, options: HistoryStoreOptions = ALWAYS): Promise<HistoryStore> {
    const { store, recovery } = await HistoryStore.open(folder, options);
    assert.equal(recovery, undefined);
    return store;
  }

  /** A history with updates, logs and a deletion; returns what it holds, newest first. */
  async function makeHistory(folder: string, prompts: string[]): Promise<HistoryStore> {
    const store = await open(folder, {});
    const ids: string[] = [];
    for (const [index, prompt] of prompts.entries()) {
      ids.push((await store.add(newEntry(prompt, { createdAt: 1_000 + index }))).id);
    }
    await store.update(ids[0], { status: 'queued', requestId: 'req-0' });
    await store.appendLogs(ids[0], ['step 1/4', 'step 2/4']);
    await store.delete(ids[1]);
    return store;
  }

  async function listOf(folder: string, options: HistoryStoreOptions = ALWAYS): Promise<readonly HistoryEntry[]> {
    const store = await open(folder, options);
    try {
      return store.list();
    } finally {
      store.dispose();
    }
  }

  function encoded(summaries: HistorySummaries): string {
    const text = encodeSummaries(summaries);
    assert.ok(text !== undefined);
    return text;
  }

  function summariesOf(folder: string) {
    const generation = historyOnDisk(folder).generation;
    return decodeSummaries(readFileSync(path.join(folder, summariesFileName(generation)), 'utf8'), generation);
  }

  it('are written at start, and the next start reads them and then only what was appended after', async () => {
    const first = await makeHistory(temp.path, ['a', 'b', 'c', 'd']);
    first.dispose();
    const second = await open(temp.path);
    const covered = summariesOf(temp.path);
    assert.ok(covered, 'the start wrote summaries');
    assert.equal(covered.offset, readFileSync(path.join(temp.path, historyFileName(1))).length);

    // Changes after the summaries: read from the file at the next start.
    const added = await second.add(newEntry('e', { createdAt: 2_000 }));
    const [newest] = second.ids();
    await second.update(newest, { status: 'done' });
    await second.appendLogs(second.ids()[2], ['step 3/4']);
    const expected = second.list();
    second.dispose();

    // A damaged record the summaries cover, that no entry needs any more (the first put of the updated entry),
    // is never read again: had the start read the whole file, it would have set the record aside and said so.
    const file = path.join(temp.path, historyFileName(1));
    const text = readFileSync(file, 'utf8');
    const staleLine = text.split('\n')[1];
    assert.ok(staleLine.length > 0 && text.indexOf(staleLine) + staleLine.length < covered.offset - 64);
    writeFileSync(file, text.replace(staleLine, ' '.repeat(staleLine.length)));

    const third = await open(temp.path, {});
    assert.deepEqual(third.list(), expected);
    assert.equal(third.get(added.id)?.status, 'done');
    assert.deepEqual(third.summaries(), expected.map((entry) => third.summaries().find((summary) => summary.id === entry.id)));
    third.dispose();
  });

  it('keep log lines unparsed until asked, and copy them as they are when written again', async () => {
    (await makeHistory(temp.path, ['a', 'b', 'c'])).dispose();
    (await open(temp.path)).dispose();
    const summaries = summariesOf(temp.path);
    assert.ok(summaries);
    const withLogs = summaries.slots.filter((slot) => !Array.isArray(slot.logs));
    assert.equal(withLogs.length, 1, 'one entry has log lines, held as their place in the file');
    assert.deepEqual(unpackLogLines(withLogs[0].logs), ['step 1/4', 'step 2/4']);

    const again = decodeSummaries(encoded(summaries), 1);
    assert.deepEqual(again?.slots.map((slot) => unpackLogLines(slot.logs)), summaries.slots.map((slot) => unpackLogLines(slot.logs)));

    // Ids are joined by a space: a history whose ids are not UUIDs gets none (it is read whole).
    const [first] = summaries.slots;
    assert.equal(encodeSummaries({ ...summaries, slots: [{ ...first, summary: { ...first.summary, id: 'not a uuid' } }] }), undefined);
  });

  it('are not used when they do not match the file: it is read whole', async () => {
    (await makeHistory(temp.path, ['mine 1', 'mine 2', 'mine 3'])).dispose();
    (await makeHistory(other.path, ['theirs 1', 'theirs 2'])).dispose();
    const theirs = await listOf(other.path);
    const mine = await listOf(temp.path);

    // Summaries of another history file of the same generation.
    copyFileSync(path.join(temp.path, summariesFileName(1)), path.join(other.path, summariesFileName(1)));
    assert.deepEqual(await listOf(other.path, {}), theirs);

    // Summaries whose checksum does not match (one entry dropped).
    const summaries = summariesOf(temp.path);
    assert.ok(summaries);
    const [checksumLine] = readFileSync(path.join(temp.path, summariesFileName(1)), 'utf8').split('\n');
    const dropped = encoded({ ...summaries, slots: summaries.slots.slice(1) });
    writeFileSync(path.join(temp.path, summariesFileName(1)), `${checksumLine}\n${dropped.slice(dropped.indexOf('\n') + 1)}`);
    assert.deepEqual(await listOf(temp.path, {}), mine);

    // Summaries cut off (a crash while they were replaced, without their fsync).
    writeFileSync(path.join(temp.path, summariesFileName(1)), encoded(summaries).slice(0, 100));
    assert.deepEqual(await listOf(temp.path, {}), mine);
  });

  it('left half-written by a killed window are removed at the next start', async () => {
    (await makeHistory(temp.path, ['a', 'b'])).dispose();
    const leftover = path.join(temp.path, `.${summariesFileName(1)}.part-${deadPid()}-0123456789`);
    writeFileSync(leftover, '{"cut off');
    (await open(temp.path)).dispose();
    assert.ok(!existsSync(leftover));
    assert.ok(summariesOf(temp.path), 'and written whole');
  });

  it('follow a compaction: the new file gets its own, the old one\'s are removed', async () => {
    const store = await open(temp.path);
    const bulky = (prompt: string) => newEntry(prompt, { input: { prompt, notes: 'x'.repeat(60_000) } });
    const kept = await store.add(bulky('kept'));
    const churned = await store.add(bulky('churned'));
    for (let step = 0; historyOnDisk(temp.path).generation === 1; step++) {
      assert.ok(step < 100, 'the file was never compacted');
      await store.update(churned.id, { input: { ...churned.input, step } });
    }
    assert.deepEqual(filesIn(temp.path).filter((name) => name.startsWith('history-summaries.')), [summariesFileName(2)]);
    assert.deepEqual(summariesOf(temp.path)?.slots.map((slot) => slot.summary.id).sort(), [kept.id, churned.id].sort());
    const expected = store.list();
    store.dispose();
    assert.deepEqual(await listOf(temp.path, {}), expected);
    assert.ok(existsSync(path.join(temp.path, summariesFileName(2))));
  });
});
