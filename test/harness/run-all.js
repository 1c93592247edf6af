// `npm test`: everything, on a fresh clone too. Stages, stopping at the first that fails:
//   dependencies (npm ci when node_modules is missing or older than package-lock.json), tools
//   (test/harness/install-tools.sh), build, types, lint, unit tests, integration tests in VS Code
//   (code-server), the package (vsce and Open VSX's checks), UI tests in Chromium. Each stage's output
//   streams through; the last line is `tests: <passed> passed, <failed> failed`, summed over the mocha
//   runs. Exit code 0 only when all pass.
//   npm test -- --only unit,integration   runs just those stages (names as in the list below)
//   npm test -- --from integration        starts at that stage
'use strict';

const { spawn } = require('node:child_process');
const path = require('node:path');
const { repoRoot, dependenciesOutdated } = require('./prepare.js');

const harness = path.relative(repoRoot, __dirname);

/** @type {Array<{ name: string, command: string, args: string[], when?: () => boolean }>} */
const stages = [
  { name: 'dependencies', command: 'npm', args: ['ci', '--no-audit', '--no-fund'], when: () => dependenciesOutdated() !== undefined },
  { name: 'tools', command: 'bash', args: [path.join(harness, 'install-tools.sh')] },
  { name: 'build', command: process.execPath, args: ['esbuild.js'] },
  { name: 'types', command: 'npm', args: ['run', '--silent', 'check-types'] },
  { name: 'lint', command: 'npm', args: ['run', '--silent', 'lint'] },
  { name: 'unit', command: 'npm', args: ['run', '--silent', 'test:unit'] },
  { name: 'integration', command: process.execPath, args: [path.join(harness, 'run-integration.js'), '--no-build'] },
  { name: 'package', command: process.execPath, args: [path.join('node_modules', 'mocha', 'bin', 'mocha.js'), 'out/test/package/*.test.js', '--timeout', '300000'] },
  { name: 'ui', command: process.execPath, args: [path.join(harness, 'run-ui.js'), '--no-build'] },
];

/**
 * Runs one stage, streaming its output, and counts mocha's "N passing" / "N failing" lines.
 * @param {{ command: string, args: string[] }} stage
 * @returns {Promise<{ exitCode: number, passed: number, failed: number }>}
 */
function runStage(stage) {
  return new Promise((resolve) => {
    const child = spawn(stage.command, stage.args, { cwd: repoRoot, stdio: ['inherit', 'pipe', 'pipe'] });
    const counts = { passed: 0, failed: 0 };
    let pending = '';
    const count = (/** @type {string} */ line) => {
      // eslint-disable-next-line no-control-regex
      const plain = line.replace(/\u001b\[[0-9;]*m/g, '');
      const match = /^\s*(\d+) (passing|failing)(?: \(\d+(?:ms|s|m)\))?\s*$/.exec(plain);
      if (match) {
        counts[match[2] === 'passing' ? 'passed' : 'failed'] += Number(match[1]);
      }
    };
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      const lines = (pending + chunk.toString('utf8')).split('\n');
      pending = lines.pop() ?? '';
      lines.forEach(count);
    });
    child.stderr.on('data', (chunk) => process.stderr.write(chunk));
    child.once('error', (error) => {
      process.stderr.write(`${error.message}\n`);
      resolve({ exitCode: 1, ...counts });
    });
    child.once('close', (code, signal) => {
      count(pending);
      resolve({ exitCode: code ?? (signal ? 1 : 0), ...counts });
    });
  });
}

/** The stages chosen by --only a,b or --from a (all by default). */
function selectedStages(args) {
  const value = (/** @type {string} */ flag) => {
    const index = args.indexOf(flag);
    return index >= 0 ? args[index + 1] ?? '' : undefined;
  };
  const names = stages.map((stage) => stage.name);
  const check = (/** @type {string} */ name) => {
    if (!names.includes(name)) {
      throw new Error(`unknown stage "${name}"; stages: ${names.join(', ')}`);
    }
    return name;
  };
  const only = value('--only');
  if (only !== undefined) {
    const chosen = only.split(',').map(check);
    return stages.filter((stage) => chosen.includes(stage.name));
  }
  const from = value('--from');
  return from === undefined ? stages : stages.slice(names.indexOf(check(from)));
}

async function main() {
  const chosenStages = selectedStages(process.argv.slice(2));
  const started = Date.now();
  const totals = { passed: 0, failed: 0 };
  /** @type {string[]} */
  const timings = [];
  /** @type {string | undefined} */
  let failedStage;
  for (const stage of chosenStages) {
    if (stage.when && !stage.when()) {
      continue;
    }
    console.log(`\n=== ${stage.name} ===`);
    const stageStarted = Date.now();
    const result = await runStage(stage);
    totals.passed += result.passed;
    totals.failed += result.failed;
    timings.push(`${stage.name} ${((Date.now() - stageStarted) / 1000).toFixed(1)} s`);
    if (result.exitCode !== 0) {
      failedStage = `${stage.name} failed (exit ${result.exitCode})`;
      break;
    }
  }
  console.log(`\n${timings.join(', ')}; total ${((Date.now() - started) / 1000).toFixed(0)} s`);
  if (failedStage) {
    console.log(`npm test: ${failedStage}; later stages did not run`);
  }
  console.log(`tests: ${totals.passed} passed, ${totals.failed} failed`);
  process.exit(failedStage || totals.failed > 0 ? 1 : 0);
}

main().catch((error) => {
  console.error(`npm test: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
