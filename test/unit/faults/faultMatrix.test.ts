import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CASES, type Case } from './cases';
import { outbound } from './fakeVscode';
import { keyForms, runCase, type CaseResult } from './runCase';
import { ForeignOrigin, loadProduct, refusingOrigin, type Product } from './world';

/**
 * The fault matrix (issue 9): every fal call × every fault, each case a generation (or a parameter-file run) against
 * a fal imitation of its own that answers that call that way, checked for what the extension promises — one clear
 * message, an end, the key in no text, no second paid submit, nothing half-written, earlier files intact, the history
 * consistent (see runCase.ts). Cases run a few at a time (most of their time is spent waiting on deadlines and the fal
 * client's retries); each case is one test. `FAULT_MATRIX_CASES=<regex>` runs only the cases whose name matches.
 */

/** Cases in flight at once. Most wait on timers; more would only crowd a loaded machine's event loop. */
const CONCURRENCY = 10;

async function inPool<T>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

const only = process.env.FAULT_MATRIX_CASES ? new RegExp(process.env.FAULT_MATRIX_CASES) : undefined;
const cases: readonly Case[] = only ? CASES.filter((c) => only.test(c.name)) : CASES;

describe('fault matrix: every fal call × every fault', function () {
  const results = new Map<string, CaseResult>();
  let product: Product;
  let foreign: ForeignOrigin;

  before(async function () {
    // Bounded by the cases' own ceilings; this only ends a run whose machine is far slower than any seen.
    this.timeout(300_000);
    product = loadProduct();
    foreign = await ForeignOrigin.start();
    const refusing = await refusingOrigin();
    await inPool(cases, CONCURRENCY, async (c, index) => {
      try {
        results.set(c.name, await runCase(product, c, index, { foreign, refusing }));
      } catch (error) {
        results.set(c.name, { name: c.name, outcome: 'crashed', problems: [`the case crashed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`], ms: 0, key: '', texts: () => [] });
      }
    });
  });

  after(async () => {
    await foreign?.close();
    const held = [...results.values()].filter((result) => result.problems.length === 0).length;
    if (process.env.FAULT_MATRIX_VERBOSE) {
      for (const result of results.values()) {
        console.log(`  ${result.name}: ${result.outcome}, ${result.ms} ms${result.problems.length > 0 ? ` — ${result.problems.length} problems` : ''}`);
        if (process.env.FAULT_MATRIX_VERBOSE === 'messages') {
          result.texts().filter((text) => !text.startsWith('[')).forEach((text) => console.log(`      ${text}`));
        }
      }
    }
    console.log(`fault matrix: ${cases.length} cases, ${held} held`);
  });

  for (const c of cases) {
    it(c.name, () => {
      const result = results.get(c.name);
      assert.ok(result, 'the case did not run');
      assert.deepEqual(result.problems, [], `${c.name} (${result.outcome}, ${result.ms} ms)`);
    });
  }

  it("the README's Safety section gives the matrix's true size", () => {
    const readme = readFileSync(path.join(__dirname, '..', '..', '..', '..', 'README.md'), 'utf8');
    assert.match(readme, new RegExp(`runs a fault matrix \\(\`test/unit/faults/\`\\) of ${CASES.length} cases`));
    assert.ok(readme.includes(`fault matrix: ${CASES.length} cases, ${CASES.length} held`), 'the line the run prints');
  });

  it('no key turns up in any text after its case ended', () => {
    const late: string[] = [];
    for (const result of results.values()) {
      const forms = result.key ? keyForms(result.key) : [];
      for (const text of [...result.texts(), ...outbound.map((o) => o.text)]) {
        if (forms.some((form) => text.includes(form))) {
          late.push(`${result.name}: ${text.slice(0, 200)}`);
        }
      }
    }
    assert.deepEqual(late, []);
  });
});
