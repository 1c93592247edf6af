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

module.exports = { repoRoot, run, dependenciesOutdated, ensureDependencies, ensureTools, packageExtension };
