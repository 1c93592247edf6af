import * as assert from 'node:assert/strict';
import { runWithConcurrency, summarizeBatch } from '../../../src/runs/batchRunner';
import { BATCH_CONCURRENCY, readBatchConcurrency } from '../../../src/config/settings';

/** A promise the test settles by hand. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every already-settled promise run its continuations. */
async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) {
    await Promise.resolve();
  }
}

describe('batch pool (runWithConcurrency)', () => {
  it('never runs more than the limit at once, starts items in order, and fills a freed slot at once', async () => {
    const gates = Array.from({ length: 5 }, () => deferred<string>());
    const started: number[] = [];
    let running = 0;
    let most = 0;
    const pool = runWithConcurrency(gates, 2, async (gate, index) => {
      started.push(index);
      running++;
      most = Math.max(most, running);
      try {
        return await gate.promise;
      } finally {
        running--;
      }
    });
    await flush();
    assert.deepEqual(started, [0, 1]);
    gates[1].resolve('b');
    await flush();
    assert.deepEqual(started, [0, 1, 2], 'the freed slot takes the next item');
    gates[0].resolve('a');
    gates[2].resolve('c');
    await flush();
    assert.deepEqual(started, [0, 1, 2, 3, 4]);
    gates[3].resolve('d');
    gates[4].resolve('e');
    const results = await pool;
    assert.equal(most, 2);
    assert.deepEqual(results, ['a', 'b', 'c', 'd', 'e'].map((value) => ({ status: 'fulfilled', value })), 'results in the items\' order');
  });

  it('one failure does not stop the others', async () => {
    const results = await runWithConcurrency([1, 2, 3], 3, async (n) => {
      if (n === 2) {
        throw new Error('two failed');
      }
      return n * 10;
    });
    assert.deepEqual(results[0], { status: 'fulfilled', value: 10 });
    assert.equal(results[1].status, 'rejected');
    assert.equal(results[1].status === 'rejected' && (results[1].reason as Error).message, 'two failed');
    assert.deepEqual(results[2], { status: 'fulfilled', value: 30 });
  });

  it('shouldStart false leaves the rest unstarted (a cancelled batch) and tells onSettled about each', async () => {
    let cancelled = false;
    const settled: Array<[number, string]> = [];
    const results = await runWithConcurrency([0, 1, 2, 3], 1, async (n) => {
      if (n === 1) {
        cancelled = true;
      }
      return n;
    }, { shouldStart: () => !cancelled, onSettled: (index, result) => settled.push([index, result.status]) });
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'skipped', 'skipped']);
    assert.deepEqual(settled, [[0, 'fulfilled'], [1, 'fulfilled'], [2, 'skipped'], [3, 'skipped']]);
  });

  it('a limit below one, or not a number, still runs everything one at a time', async () => {
    for (const limit of [0, -3, Number.NaN]) {
      let running = 0;
      let most = 0;
      const results = await runWithConcurrency([1, 2, 3], limit, async (n) => {
        running++;
        most = Math.max(most, running);
        await flush();
        running--;
        return n;
      });
      assert.equal(most, 1, `limit ${limit}`);
      assert.equal(results.length, 3);
    }
    assert.deepEqual(await runWithConcurrency([], 4, async () => 1), []);
  });
});

describe('animateDiff.batch.concurrency', () => {
  it('unset gives the default; whole numbers 1–16 are taken', () => {
    assert.deepEqual(readBatchConcurrency(() => undefined), { ok: true, value: BATCH_CONCURRENCY.default });
    assert.deepEqual(readBatchConcurrency(() => 1), { ok: true, value: 1 });
    assert.deepEqual(readBatchConcurrency(() => 16), { ok: true, value: 16 });
  });

  it('anything else names the setting and the accepted values', () => {
    for (const value of [0, 17, 2.5, '4', true]) {
      const read = readBatchConcurrency((name) => (name === 'batch.concurrency' ? value : undefined));
      assert.equal(read.ok, false, JSON.stringify(value));
      assert.ok(!read.ok && read.setting === 'animateDiff.batch.concurrency');
      assert.ok(!read.ok && read.message.includes('from 1 to 16') && read.message.includes(JSON.stringify(value)));
    }
  });
});

describe('batch summary', () => {
  it('all done', () => {
    assert.deepEqual(summarizeBatch([{ label: 'a', state: 'done' }, { label: 'b', state: 'done' }]), { severity: 'info', text: 'Both videos generated.' });
    assert.deepEqual(summarizeBatch(['a', 'b', 'c'].map((label) => ({ label, state: 'done' as const }))), { severity: 'info', text: 'All 3 videos generated.' });
    assert.deepEqual(summarizeBatch([{ label: 'a', state: 'done' }]), { severity: 'info', text: '1 video generated.' });
  });

  it('names which failed and why, grouping the same reason', () => {
    const summary = summarizeBatch([
      { label: 'seed 1', state: 'done' },
      { label: 'seed 2', state: 'failed', reason: 'fal had a server problem (500).' },
      { label: 'seed 3', state: 'failed', reason: 'fal had a server problem (500).' },
      { label: 'b.animate.json', state: 'skipped', reason: 'b.animate.json has an error: "fps" must be a whole number' },
    ]);
    assert.equal(summary.severity, 'warning');
    assert.equal(summary.text, '1 of 4 videos generated. seed 2, seed 3 failed — fal had a server problem (500); '
      + 'b.animate.json not run — b.animate.json has an error: "fps" must be a whole number.');
  });

  it('nothing done is an error, unless the user cancelled it all', () => {
    assert.equal(summarizeBatch([{ label: 'x', state: 'failed', reason: 'boom' }, { label: 'y', state: 'failed', reason: 'boom' }]).severity, 'error');
    const cancelled = summarizeBatch([{ label: 'x', state: 'cancelled' }, { label: 'y', state: 'cancelled', reason: 'cancelled before it started' }]);
    assert.equal(cancelled.severity, 'warning');
    assert.match(cancelled.text, /^None of the 2 videos was generated\. x cancelled — cancelled by the user; y cancelled — cancelled before it started\.$/);
  });

  it('long lists and long reasons are shortened', () => {
    const many = Array.from({ length: 6 }, (_, i) => ({ label: `seed ${i}`, state: 'failed' as const, reason: 'x'.repeat(400) }));
    const { text } = summarizeBatch(many);
    assert.match(text, /seed 0, seed 1, seed 2 and 3 more failed — x+…\.$/);
    assert.ok(text.length < 260);
  });
});
