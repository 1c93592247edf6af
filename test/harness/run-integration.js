// Runs the integration suite (out/test/integration/**/*.test.js) inside a genuine VS Code through
// @vscode/test-electron's runTests():
//   - offline (default): VS Code is code-server 4.139.1, started by test/harness/code-server-launcher;
//   - ANIMATEDIFF_DESKTOP_VSCODE=1: desktop VS Code, downloaded by runTests (needs internet).
// The fal imitation runs in this process; the extension reaches it through ANIMATEDIFF_FAL_SANDBOX_URL,
// and ANIMATEDIFF_TEST_HOOKS=1 exposes the extension's test hooks. Each run opens a fresh copy of
// test/fixtures/sample-workspace.
//
//   node test/harness/run-integration.js [--no-build]
// --no-build skips `node esbuild.js` and `node esbuild.js --tests` (npm test has just run them).
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { repoRoot, sampleWorkspace, copyFolder } = require('./code-server.js');

const launcher = path.join(__dirname, 'code-server-launcher');
const imitationModule = path.join(repoRoot, 'out', 'test', 'fal-imitation', 'server.js');
const testsIndex = path.join(repoRoot, 'out', 'test', 'integration', 'index.js');

function build() {
  for (const args of [['esbuild.js'], ['esbuild.js', '--tests']]) {
    const result = spawnSync(process.execPath, args, { cwd: repoRoot, stdio: 'inherit' });
    if (result.status !== 0) {
      throw new Error(`node ${args.join(' ')} failed`);
    }
  }
}

async function startImitation() {
  if (!fs.existsSync(imitationModule)) {
    throw new Error(`${path.relative(repoRoot, imitationModule)} is missing; build with \`node esbuild.js --tests\``);
  }
  const { startFalImitation } = require(imitationModule);
  return startFalImitation();
}

async function main() {
  if (!process.argv.includes('--no-build')) {
    build();
  }
  const desktop = process.env.ANIMATEDIFF_DESKTOP_VSCODE === '1';
  if (!desktop) {
    // Fails fast with the fix when the tools are not installed.
    require('./code-server.js').requireTools();
  }
  const workspaceParent = fs.mkdtempSync(path.join(os.tmpdir(), 'animatediff-workspace-'));
  const workspace = path.join(workspaceParent, 'sample-workspace');
  copyFolder(sampleWorkspace, workspace);
  const imitation = await startImitation();
  // Keep the run deterministic whatever the developer's shell holds: no real key, always the imitation.
  delete process.env.FAL_KEY;
  process.env.ANIMATEDIFF_FAL_SANDBOX_URL = imitation.url;
  process.env.ANIMATEDIFF_TEST_HOOKS = '1';
  console.log(`[integration] VS Code: ${desktop ? 'desktop (downloaded by @vscode/test-electron)' : 'code-server via test/harness/code-server-launcher'}`);
  console.log(`[integration] fal imitation: ${imitation.url}`);

  const { runTests } = require('@vscode/test-electron');
  let exitCode = 0;
  try {
    await runTests({
      ...(desktop ? {} : { vscodeExecutablePath: launcher }),
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath: testsIndex,
      launchArgs: [workspace, '--disable-extensions'],
    });
  } catch (error) {
    console.error(`[integration] ${error instanceof Error ? error.message : String(error)}`);
    exitCode = 1;
  } finally {
    await imitation.close();
    fs.rmSync(workspaceParent, { recursive: true, force: true });
  }
  process.exit(exitCode);
}

main().catch((error) => {
  console.error(`[integration] ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
  process.exit(1);
});
