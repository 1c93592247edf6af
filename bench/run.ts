/**
 * `npm run bench`: every benchmark, each in a process of its own, then one table of every row with the machine it
 * ran on and the load at the time.
 *
 *   npm run bench                      all of them (about 15 minutes on 2 loaded cores)
 *   npm run bench -- --only history,cold
 *   npm run bench -- --readme          also writes the table into README.md (between the bench markers)
 *   npm run bench -- --quick           tiny sizes, one sample: what `npm test` runs so the benches cannot rot
 *
 * The table is also written to test-output/bench/latest.md and latest.json.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { formatRatio, formatStats, meets, ratioOf, type Row } from './support/measure';
import { REPO_ROOT } from './support/vscodeStub';

/** In the order they run: the production build first (the cold start loads it). */
export const BENCHES = ['bundle', 'cold', 'history', 'generation', 'save-video', 'params-validate', 'status-latency', 'vscode'] as const;

const README_START = '<!-- bench:start (written by `npm run bench -- --readme`) -->';
const README_END = '<!-- bench:end -->';

interface Options {
  quick: boolean;
  only: string[] | undefined;
  readme: boolean;
}

function parseArgs(args: readonly string[]): Options {
  const options: Options = { quick: false, only: undefined, readme: false };
  for (let i = 0; i < args.length; i++) {
    switch (args[i]) {
      case '--quick':
        options.quick = true;
        break;
      case '--readme':
        options.readme = true;
        break;
      case '--only': {
        const names = (args[++i] ?? '').split(',').filter((name) => name !== '');
        const unknown = names.filter((name) => !(BENCHES as readonly string[]).includes(name));
        if (unknown.length > 0) {
          throw new Error(`unknown bench ${unknown.join(', ')}; benches: ${BENCHES.join(', ')}`);
        }
        options.only = names;
        break;
      }
      default:
        throw new Error(`unknown argument ${args[i]}; usage: run.js [--quick] [--only a,b] [--readme]`);
    }
  }
  return options;
}

function runBench(name: string, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(__dirname, `${name}.bench.js`)], { env, stdio: 'inherit', cwd: REPO_ROOT });
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

export interface Machine {
  date: string;
  cores: number;
  cpu: string;
  node: string;
  /** 1-minute load averages at the start and the end of the run. */
  loadStart: number;
  loadEnd: number;
}

export function tableOf(rows: readonly Row[], machine: Machine, failed: readonly string[]): string {
  const escape = (text: string) => text.replace(/\|/g, '\\|');
  const lines = [
    `Measured ${machine.date} on ${machine.cores} cores (${machine.cpu}), Node ${machine.node}; load average ${machine.loadStart.toFixed(2)} at the start, ${machine.loadEnd.toFixed(2)} at the end.`,
    'Figures are medians (min–max); each ratio is the subject\'s median over its baseline\'s, measured alternately in the same run.',
    '',
    '| measure | result | baseline | ratio | target | |',
    '|---|---|---|---|---|---|',
  ];
  for (const row of rows) {
    const verdict = meets(row);
    lines.push(`| ${escape(row.measure)}${row.note ? `<br><sub>${escape(row.note)}</sub>` : ''} | ${formatStats(row.subject, row.unit)} | `
      + `${row.baseline ? `${escape(row.baseline.label)}: ${formatStats(row.baseline.stats, row.unit)}` : ''} | ${formatRatio(ratioOf(row))} | `
      + `${row.target ? escape(row.target.text) : ''} | ${verdict === undefined ? '' : verdict ? 'met' : '**missed**'} |`);
  }
  if (failed.length > 0) {
    lines.push('', `Failed to run: ${failed.join(', ')}.`);
  }
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const chosen = BENCHES.filter((name) => !options.only || options.only.includes(name));
  const scratch = mkdtempSync(path.join(tmpdir(), 'animatediff-bench-'));
  const resultsFile = path.join(scratch, 'rows.jsonl');
  const env: NodeJS.ProcessEnv = { ...process.env, BENCH_RESULTS: resultsFile };
  if (options.quick) {
    env.BENCH_QUICK = '1';
  } else {
    // The shipped bundle is what the cold start and the bundle sizes measure.
    env.BENCH_BUILD = '1';
  }
  const cpuList = cpus();
  const machine: Machine = {
    date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    cores: cpuList.length,
    cpu: cpuList[0]?.model.trim() ?? 'unknown CPU',
    node: process.version,
    loadStart: loadavg()[0],
    loadEnd: 0,
  };
  const failed: string[] = [];
  try {
    for (const name of chosen) {
      console.log(`\n=== ${name} ===`);
      const code = await runBench(name, env);
      if (code !== 0) {
        failed.push(name);
      }
    }
    machine.loadEnd = loadavg()[0];
    const rows = existsSync(resultsFile)
      ? readFileSync(resultsFile, 'utf8').split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Row)
      : [];
    const table = tableOf(rows, machine, failed);
    console.log(`\n=== all benchmarks${options.quick ? ' (quick: tiny sizes, one sample — not figures to compare)' : ''} ===\n`);
    console.log(table);
    const output = path.join(REPO_ROOT, 'test-output', 'bench');
    mkdirSync(output, { recursive: true });
    writeFileSync(path.join(output, 'latest.md'), table);
    writeFileSync(path.join(output, 'latest.json'), `${JSON.stringify({ machine, rows, failed }, null, 2)}\n`);
    if (options.readme) {
      if (options.quick || options.only) {
        throw new Error('--readme takes a full run: not with --quick or --only');
      }
      const readmePath = path.join(REPO_ROOT, 'README.md');
      const readme = readFileSync(readmePath, 'utf8');
      const start = readme.indexOf(README_START);
      const end = readme.indexOf(README_END);
      if (start < 0 || end < start) {
        throw new Error(`README.md has no ${README_START} … ${README_END} section`);
      }
      writeFileSync(readmePath, `${readme.slice(0, start + README_START.length)}\n${table}${readme.slice(end)}`);
      console.log('README.md: benchmark table updated');
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  process.exit(failed.length > 0 ? 1 : 0);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
