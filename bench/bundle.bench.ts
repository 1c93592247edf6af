/**
 * The bundles' sizes, from esbuild's metafile of a production build (dist/meta.json), and the first load of the core
 * (what the first command pays), timed in new processes against loading the fal client alone (what the model page's
 * script loads).
 *
 *   node esbuild.js --production && node esbuild.js --tests && node out/bench/bundle.bench.js
 *
 * With BENCH_BUILD=1 (as `npm run bench` runs it) the production build is made first; otherwise dist/ is measured as
 * it is, and said so. The core, the panel's script and the core's first load are held to issue 10's targets.
 */

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { isProductionBuild } from './support/bundleKind';
import { interleave, QUICK, report, single, stats } from './support/measure';
import { REPO_ROOT } from './support/vscodeStub';

const SAMPLES = QUICK ? 1 : Number(process.env.BENCH_SAMPLES ?? 9);
/** Issue 10's targets for the bundles that load with the first command (KB of 1024 bytes), and for the core's first load. */
const SIZE_TARGETS_KB = new Map([['dist/core.js', 300], ['dist/webview/panel.js', 40]]);
const FIRST_LOAD_TARGET_MS = 60;

interface Metafile {
  outputs: Record<string, { bytes: number; inputs: Record<string, { bytesInOutput: number }> }>;
}

function build(production: boolean): void {
  const built = spawnSync(process.execPath, ['esbuild.js', ...(production ? ['--production'] : [])], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (built.status !== 0) {
    throw new Error('node esbuild.js failed');
  }
}

/** Loads `what` in a new process; returns the milliseconds the require took and the heap it added. */
function firstLoad(what: 'core' | 'falClient'): { ms: number; heapMb: number } {
  const stub = path.join(__dirname, 'support', 'vscodeStub.js');
  const target = what === 'core' ? path.join(REPO_ROOT, 'dist', 'core.js') : '@fal-ai/client';
  const code = `require(${JSON.stringify(stub)}).installVscodeStub();
    const before = process.memoryUsage().heapUsed; const start = performance.now();
    require(${JSON.stringify(target)});
    const ms = performance.now() - start;
    console.log(JSON.stringify({ ms, heapMb: (process.memoryUsage().heapUsed - before) / 1048576 }));`;
  const run = spawnSync(process.execPath, ['-e', code], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (run.status !== 0) {
    throw new Error(`loading ${target} failed: ${run.stderr}`);
  }
  return JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as { ms: number; heapMb: number };
}

async function main(): Promise<void> {
  if (process.env.BENCH_BUILD === '1') {
    build(true);
  } else if (!existsSync(path.join(REPO_ROOT, 'dist', 'meta.json'))) {
    build(false);
  }
  const production = isProductionBuild();
  console.log(`bundle: ${production ? 'production build' : 'development build (run `node esbuild.js --production` for the shipped sizes)'}`);
  const meta = JSON.parse(readFileSync(path.join(REPO_ROOT, 'dist', 'meta.json'), 'utf8')) as Metafile;
  const kb = (bytes: number) => bytes / 1024;
  for (const [output, info] of Object.entries(meta.outputs)) {
    if (!output.endsWith('.js')) {
      continue;
    }
    const byPackage = new Map<string, number>();
    for (const [input, { bytesInOutput }] of Object.entries(info.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
      const owner = match ? match[1] : 'src (ours)';
      byPackage.set(owner, (byPackage.get(owner) ?? 0) + bytesInOutput);
    }
    const largest = [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([name, bytes]) => `${name} ${kb(bytes).toFixed(0)} KB`).join(', ');
    const budget = SIZE_TARGETS_KB.get(output.replace(/\\/g, '/'));
    report({
      bench: 'bundle',
      measure: `${output} (${production ? 'production' : 'development'} build)`,
      unit: 'KB',
      subject: single(kb(info.bytes)),
      note: largest,
      target: budget === undefined ? undefined : { on: 'value', max: budget, text: `≤ ${budget} KB` },
    });
  }

  const core: number[] = [];
  const heap: number[] = [];
  const client: number[] = [];
  await interleave(
    async (kept) => {
      const load = firstLoad('core');
      if (kept) {
        core.push(load.ms);
        heap.push(load.heapMb);
      }
      return load.ms;
    },
    async (kept) => {
      const load = firstLoad('falClient');
      if (kept) {
        client.push(load.ms);
      }
      return load.ms;
    },
    { samples: SAMPLES, warmup: QUICK ? 0 : 1 },
  );
  report({
    bench: 'bundle',
    measure: 'first load of the core (require dist/core.js in a new process)',
    unit: 'ms',
    subject: stats(core),
    baseline: { label: 'require @fal-ai/client', stats: stats(client) },
    note: `+${stats(heap).median.toFixed(1)} MB heap`,
    target: { on: 'value', max: FIRST_LOAD_TARGET_MS, text: `≤ ${FIRST_LOAD_TARGET_MS} ms` },
  });
}

main().then(() => process.exit(0), (error: unknown) => {
  console.error(error);
  process.exit(1);
});
