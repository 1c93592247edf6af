import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { BENCHES } from '../../bench/run';
import type { Row } from '../../bench/support/measure';

/*
 * Every benchmark runs once in its quick mode (BENCH_QUICK=1: tiny sizes, one sample), so a change of the product
 * that breaks one is seen here and not at the next `npm run bench`. Nothing about time is asserted: benchmarks are
 * not tests. Each must finish and report its rows.
 */

const benchFolder = path.join(__dirname, '..', '..', 'bench');

function runQuick(name: string, resultsFile: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(benchFolder, `${name}.bench.js`)], {
      env: { ...process.env, BENCH_QUICK: '1', BENCH_RESULTS: resultsFile, BENCH_BUILD: undefined },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.once('exit', (code) => resolve({ code, output }));
  });
}

describe('benchmarks (each once, quick)', () => {
  let folder = '';
  before(() => {
    folder = mkdtempSync(path.join(tmpdir(), 'animatediff-bench-quick-'));
  });
  after(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  // The VS Code bench needs code-server and Chromium: its quick run is in the UI stage (test/ui/benchmark.test.ts).
  for (const name of BENCHES.filter((bench) => bench !== 'vscode')) {
    it(`${name} runs and reports its rows`, async function () {
      this.timeout(120_000);
      const resultsFile = path.join(folder, `${name}.jsonl`);
      const { code, output } = await runQuick(name, resultsFile);
      assert.equal(code, 0, `bench/${name}.bench.ts failed:\n${output.slice(-3000)}`);
      assert.ok(existsSync(resultsFile), `bench/${name}.bench.ts reported no rows:\n${output.slice(-3000)}`);
      const rows = readFileSync(resultsFile, 'utf8').split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Row);
      assert.ok(rows.length > 0);
      for (const row of rows) {
        assert.ok(Number.isFinite(row.subject.median), `${row.measure}: no figure`);
      }
    });
  }
});
