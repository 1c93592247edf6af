// Steps shared by `npm test` (run-all.js), `npm start` (start-product.js) and run-ui.js: project
// dependencies, the test tools, and packaging the extension. Node built-ins only: it runs before
// node_modules exists on a fresh clone.
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const repoRoot = path.resolve(__dirname, '..', '..');

/**
 * Runs a command in the repository with inherited output; throws when it fails.
 * @param {string} command
 * @param {string[]} args
 */
function run(command, args) {
  const result = spawnSync(command, args, { cwd: repoRoot, stdio: 'inherit' });
  if (result.status !== 0) {
    throw new Error(`\`${[path.basename(command), ...args].join(' ')}\` failed (exit ${result.status ?? result.signal})`);
  }
}

/** Why `npm ci` is needed, or undefined when node_modules matches package-lock.json. */
function dependenciesOutdated() {
  const installedLock = path.join(repoRoot, 'node_modules', '.package-lock.json');
  if (!fs.existsSync(installedLock)) {
    return 'node_modules is missing';
  }
  if (fs.statSync(path.join(repoRoot, 'package-lock.json')).mtimeMs > fs.statSync(installedLock).mtimeMs) {
    return 'package-lock.json is newer than node_modules';
  }
  return undefined;
}

/** The `npm ci` step, when needed. */
function ensureDependencies() {
  const reason = dependenciesOutdated();
  if (reason) {
    console.log(`[prepare] ${reason}: npm ci`);
    run('npm', ['ci', '--no-audit', '--no-fund']);
  }
}

/** Debian packages, Node 24 and code-server (test/harness/install-tools.sh; quick when done before). */
function ensureTools() {
  run('bash', [path.join(__dirname, 'install-tools.sh')]);
}

/** The user guide, shipped as the package's README (the repository's README is for developers). */
const USER_README = 'README.marketplace.md';

/**
 * The extension packaged as a .vsix with @vscode/vsce, exactly as a publisher would (its `vscode:prepublish` makes
 * the production build).
 * @param {string} vsixFile
 */
function packageExtension(vsixFile) {
  fs.mkdirSync(path.dirname(vsixFile), { recursive: true });
  const vsce = path.join(repoRoot, 'node_modules', '@vscode', 'vsce', 'vsce');
  run(process.execPath, [vsce, 'package', '--no-dependencies', '--readme-path', USER_README, '-o', vsixFile]);
}

/**
 * The UI tests' scripted chat model (test/fixtures/chat-model: a language model and `@assistant`, so code-server offline
 * has a usable chat) packaged as a .vsix from its manifest and its build in out/ (`node esbuild.js --tests`). Only the
 * test harness installs it; it is never part of the extension's package.
 * @param {string} vsixFile
 */
function packageTestChatModel(vsixFile) {
  const built = path.join(repoRoot, 'out', 'test', 'fixtures', 'chat-model', 'extension.js');
  if (!fs.existsSync(built)) {
    throw new Error(`${path.relative(repoRoot, built)} is missing: build the tests with \`node esbuild.js --tests\``);
  }
  const staging = fs.mkdtempSync(path.join(path.dirname(vsixFile), 'chat-model-'));
  fs.copyFileSync(path.join(repoRoot, 'test', 'fixtures', 'chat-model', 'package.json'), path.join(staging, 'package.json'));
  fs.copyFileSync(built, path.join(staging, 'extension.js'));
  fs.writeFileSync(path.join(staging, 'README.md'), 'A scripted chat model for the AnimateDiff UI tests.\n');
  const vsce = path.join(repoRoot, 'node_modules', '@vscode', 'vsce', 'vsce');
  const result = spawnSync(process.execPath, [
    vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '-o', vsixFile,
  ], { cwd: staging, encoding: 'utf8' });
  fs.rmSync(staging, { recursive: true, force: true });
  if (result.status !== 0) {
    throw new Error(`packaging the test chat model failed (exit ${result.status ?? result.signal}):\n${result.stdout}${result.stderr}`);
  }
}

module.exports = { repoRoot, run, dependenciesOutdated, ensureDependencies, ensureTools, packageExtension, packageTestChatModel };
