/**
 * Cold: activation and the first generation, each run a new process, against the model page's script as a new
 * process (both against the fal imitation, in a process of its own). Wall time from spawning the process to its
 * result in hand, and the largest resident set each process reached.
 *
 *   node esbuild.js --production && node esbuild.js --tests && node out/bench/cold.bench.js
 *
 * The product runs from its bundle (dist/extension.js, dist/core.js): run `node esbuild.js --production` first for
 * the figures users get (`npm run bench` does); a development build is measured as it is, and said so.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { isProductionBuild } from './support/bundleKind';
import { writeHistory } from './support/historyFixture';
import { processingMsOf, startImitationProcess } from './support/imitationProcess';
import { interleave, QUICK, report, stats } from './support/measure';
import { BENCH_KEY } from './support/product';
import { REPO_ROOT } from './support/vscodeStub';

const PROCESSING_MS = QUICK ? 100 : 1500;
const SAMPLES = QUICK ? 1 : Number(process.env.BENCH_SAMPLES ?? 8);
const WARMUP = QUICK ? 0 : 1;
const LARGE_HISTORY = QUICK ? 100 : 10_000;

interface ChildResult {
  wallMs: number;
  maxRssBytes: number;
  requestId: string;
}

/** Runs `script` with `args` as a new process; its wall time ends with the JSON line it prints when done. */
function runChild(script: string, args: string[], env: NodeJS.ProcessEnv): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [script, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let result: ChildResult | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const line = stdout.split('\n').find((text) => text.startsWith('{"done":true'));
      if (line && !result) {
        const parsed = JSON.parse(line) as { maxRssBytes: number; requestId: string };
        result = { wallMs: performance.now() - started, maxRssBytes: parsed.maxRssBytes, requestId: parsed.requestId };
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0 && result) {
        resolve(result);
      } else {
        reject(new Error(`${path.basename(script)} exited ${code}: ${stderr.slice(-2000)}`));
      }
    });
  });
}

function ensureBundle(): string {
  if (!existsSync(path.join(REPO_ROOT, 'dist', 'extension.js')) || !existsSync(path.join(REPO_ROOT, 'dist', 'core.js'))) {
    console.log('  (no dist/ bundle: building it)');
    const built = spawnSync(process.execPath, ['esbuild.js'], { cwd: REPO_ROOT, stdio: 'inherit' });
    if (built.status !== 0) {
      throw new Error('node esbuild.js failed');
    }
  }
  return isProductionBuild() ? 'production bundle' : 'development bundle (not minified)';
}

async function main(): Promise<void> {
  const bundle = ensureBundle();
  const root = mkdtempSync(path.join(tmpdir(), 'animatediff-bench-cold-'));
  const imitation = await startImitationProcess({ queuePositions: 0, queueMs: 0, processingMs: PROCESSING_MS, logSteps: 4, pingIntervalMs: 1000 });
  try {
    console.log(`cold: ${SAMPLES} new processes per side (after ${WARMUP} warm-up), ${PROCESSING_MS} ms processing; product from the ${bundle}`);
    const env: NodeJS.ProcessEnv = { ...process.env, ANIMATEDIFF_FAL_SANDBOX_URL: imitation.url, FAL_KEY: BENCH_KEY };
    delete env.BENCH_QUICK;
    delete env.BENCH_RESULTS;
    const productScript = path.join(__dirname, 'cold', 'productProcess.js');
    const pageScript = path.join(__dirname, 'cold', 'scriptProcess.js');
    let runs = 0;
    const product = async (globalStorage: string) => {
      const workspace = path.join(root, `workspace-${runs++}`);
      mkdirSync(workspace, { recursive: true });
      return runChild(productScript, [globalStorage, workspace], env);
    };
    const script = () => runChild(pageScript, [path.join(root, `script-${runs++}.mp4`)], env);
    const sides = { product: [] as ChildResult[], script: [] as ChildResult[] };
    // A fresh global storage each time: a first start after installing (an empty history).
    const result = await interleave(
      async (kept) => {
        const run = await product(path.join(root, `fresh-${runs}`, 'globalStorage'));
        if (kept) {
          sides.product.push(run);
        }
        return run.wallMs;
      },
      async (kept) => {
        const run = await script();
        if (kept) {
          sides.script.push(run);
        }
        return run.wallMs;
      },
      { samples: SAMPLES, warmup: WARMUP },
    );
    const mib = (bytes: number) => bytes / 1024 / 1024;
    const productRss = stats(sides.product.map((run) => mib(run.maxRssBytes)));
    const scriptRss = stats(sides.script.map((run) => mib(run.maxRssBytes)));
    const processing = stats(await Promise.all([...sides.product, ...sides.script].map(async (run) => processingMsOf(await imitation.control.job(run.requestId)))));
    report({
      bench: 'cold',
      measure: 'cold: activation + first generation vs the script, each a new process (wall)',
      unit: 'ms',
      subject: stats(result.subject),
      baseline: { label: 'script', stats: stats(result.baseline) },
      target: { on: 'ratio', max: 1.1, text: '≤ 1.1×' },
      note: `max RSS ${productRss.median.toFixed(1)} vs ${scriptRss.median.toFixed(1)} MiB; fal processing ${processing.median.toFixed(0)} ms`,
    });
    report({
      bench: 'cold',
      measure: 'cold: largest resident set of the process (max RSS)',
      unit: 'MiB',
      subject: productRss,
      baseline: { label: 'script', stats: scriptRss },
    });

    // The same first start with a history of 10,000 entries: opening it is on the way to the first submit.
    const large = path.join(root, 'large', 'globalStorage');
    await writeHistory(large, LARGE_HISTORY);
    const withHistory = await interleave(async () => (await product(large)).wallMs, async () => (await script()).wallMs, { samples: QUICK ? 1 : Math.max(3, Math.round(SAMPLES / 2)), warmup: WARMUP });
    report({
      bench: 'cold',
      measure: `cold with a ${LARGE_HISTORY.toLocaleString('en')}-entry history vs the script (wall)`,
      unit: 'ms',
      subject: stats(withHistory.subject),
      baseline: { label: 'script', stats: stats(withHistory.baseline) },
    });
  } finally {
    await imitation.close();
    rmSync(root, { recursive: true, force: true });
  }
}

main().then(() => process.exit(0), (error: unknown) => {
  console.error(error);
  process.exit(1);
});
