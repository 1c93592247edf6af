import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { createEntry, type HistoryEntry } from '../../../../src/history/store/entry';
import { HistoryStore, LEGACY_INDEX_FILE } from '../../../../src/history/store/historyStore';
import { parseIndexText } from '../../../../src/history/store/legacyIndex';
import { filesIn, historyOnDisk, legacyIndexText, newEntry, useTempFolder } from '../support';

describe('the first version\'s history index', () => {
  describe('reading it', () => {
    it('reads back what the first version wrote', () => {
      const entries = [createEntry(newEntry('b'), 2), createEntry(newEntry('a'), 1)];
      assert.deepEqual(parseIndexText(legacyIndexText(entries)), { entries });
      assert.deepEqual(parseIndexText(legacyIndexText([])), { entries: [] });
    });

    it('drops duplicate ids, reporting them', () => {
      const entry = createEntry(newEntry('twice'));
      const parsed = parseIndexText(legacyIndexText([entry, entry]));
      assert.deepEqual(parsed.entries, [entry]);
      assert.equal(parsed.problem?.reason, 'invalidEntries');
    });

    it('reads past a byte-order mark an editor added', () => {
      const entries = [createEntry(newEntry('with a BOM'), 1)];
      assert.deepEqual(parseIndexText(`\ufeff${legacyIndexText(entries)}`), { entries });
    });

    it('salvages the intact entries of an index cut off mid-write', () => {
      const entries = [createEntry(newEntry('c'), 3), createEntry(newEntry('b'), 2), createEntry(newEntry('a'), 1)];
      const text = legacyIndexText(entries);
      const cut = text.slice(0, text.indexOf(entries[2].id) + 10);
      const parsed = parseIndexText(cut);
      assert.deepEqual(parsed.entries, entries.slice(0, 2));
      assert.equal(parsed.problem?.reason, 'invalidEntries');
    });
  });

  describe('moving it into the history at the first start', () => {
    const temp = useTempFolder();

    function writeIndex(text: string): void {
      writeFileSync(path.join(temp.path, LEGACY_INDEX_FILE), text);
    }

    it('upgrades a 10,000-entry index without losing anything, once', async function () {
      this.timeout(120_000);
      const entries: HistoryEntry[] = [];
      for (let i = 0; i < 10_000; i++) {
        const status = i % 1000 === 0 ? 'running' : i % 7 === 0 ? 'failed' : 'done';
        entries.push(createEntry(newEntry(`prompt ${i}`, {
          status,
          requestId: `req-${i}`,
          seed: i,
          logs: i % 3 === 0 ? [`log ${i}`, 'done'] : undefined,
          error: status === 'failed' ? { kind: 'server', message: `failure ${i}` } : undefined,
          ownerPid: status === 'running' ? 1 : undefined,
        }), 1_000_000 - i));
      }
      const text = legacyIndexText(entries);
      writeIndex(text);

      const { store, recovery } = await HistoryStore.open(temp.path);
      assert.equal(recovery, undefined);
      assert.equal(store.size, 10_000);
      assert.deepEqual(store.ids(), entries.map((entry) => entry.id), 'newest first, as before');
      for (const entry of entries) {
        assert.deepEqual(store.get(entry.id), entry);
      }
      assert.equal(existsSync(path.join(temp.path, LEGACY_INDEX_FILE)), false);
      assert.equal(readFileSync(path.join(temp.path, 'index.v1.json'), 'utf8'), text, 'the original is kept as it was');
      const running = entries.filter((entry) => entry.status === 'running').map((entry) => entry.id);
      assert.deepEqual(filesIn(path.join(temp.path, 'running')), [...running].sort(), 'unfinished jobs can be found at start');
      assert.equal(historyOnDisk(temp.path).entries.size, 10_000);

      const { store: reopened, recovery: again } = await HistoryStore.open(temp.path);
      assert.equal(again, undefined);
      assert.equal(reopened.size, 10_000, 'moved once, not again');
      assert.deepEqual(reopened.get(entries[42].id), entries[42]);
    });

    const cases: Array<{ name: string; text: string; reason: string; message: RegExp }> = [
      { name: 'garbage', text: '{"version":1,"entries":[{"id"', reason: 'unreadable', message: /not valid JSON/ },
      { name: 'binary noise', text: '\u0000\u0001\u0002PK', reason: 'unreadable', message: /not valid JSON/ },
      { name: 'an empty file', text: '', reason: 'unreadable', message: /not valid JSON/ },
      { name: 'JSON of a foreign shape', text: '{"recent":["a","b"]}', reason: 'foreign', message: /not an AnimateDiff history index/ },
      { name: 'a JSON array', text: '[1,2,3]', reason: 'foreign', message: /not a JSON object/ },
      { name: 'an unknown version', text: '{"version":7,"entries":[{"id":"x"}]}', reason: 'unsupportedVersion', message: /version 7; this extension reads version 1/ },
    ];
    for (const { name, text, reason, message } of cases) {
      it(`moves ${name} aside, says so, and starts empty`, async () => {
        writeIndex(text);
        const { store, recovery } = await HistoryStore.open(temp.path);
        assert.equal(recovery?.reason, reason);
        assert.match(recovery?.message ?? '', message);
        assert.match(recovery?.message ?? '', /moved to index\.corrupt-.+\.json\. The history starts empty\./);
        assert.deepEqual(store.list(), []);
        assert.equal(readFileSync(recovery!.movedTo, 'utf8'), text, 'the original is kept byte for byte');
        assert.equal(existsSync(path.join(temp.path, LEGACY_INDEX_FILE)), false);

        const entry = await store.add(newEntry('after recovery'));
        const { store: reopened, recovery: again } = await HistoryStore.open(temp.path);
        assert.equal(again, undefined);
        assert.deepEqual(reopened.ids(), [entry.id]);
      });
    }

    it('moves aside an index that is a folder', async () => {
      mkdirSync(path.join(temp.path, LEGACY_INDEX_FILE));
      const { store, recovery } = await HistoryStore.open(temp.path);
      assert.equal(recovery?.reason, 'foreign');
      await store.add(newEntry('works'));
      assert.equal((await HistoryStore.open(temp.path)).store.size, 1);
    });

    it('keeps the readable entries of a damaged index and keeps the original aside', async () => {
      const good = createEntry(newEntry('good'), 2);
      const bad = createEntry(newEntry('bad'), 1);
      const damaged = legacyIndexText([good, bad]).replace(`"${bad.id}"`, '"not-a-uuid"');
      writeIndex(damaged);
      const { store, recovery } = await HistoryStore.open(temp.path);
      assert.equal(recovery?.reason, 'invalidEntries');
      assert.equal(recovery?.keptEntries, 1);
      assert.equal(recovery?.droppedEntries, 1);
      assert.match(recovery?.message ?? '', /1 history entry was unreadable and left out; the other 1 are kept/);
      assert.deepEqual(store.ids(), [good.id]);
      assert.equal(readFileSync(recovery!.movedTo, 'utf8'), damaged);
    });

    it('two damaged indexes are set aside under two names', async () => {
      writeIndex('nope');
      const first = await HistoryStore.open(temp.path);
      writeIndex('nope again');
      const second = await HistoryStore.open(temp.path);
      assert.notEqual(first.recovery?.movedTo, second.recovery?.movedTo);
      assert.equal(filesIn(temp.path).filter((name) => name.startsWith('index.corrupt-')).length, 2);
    });
  });
});
