// Runs the UI tests (out/test/ui/**/*.test.js) against the packaged extension in code-server, driven
// through Debian's Chromium as a person would use VS Code:
//   1. `node esbuild.js --production`, then `vsce package` into a temporary .vsix (unless --vsix <file>);
//   2. installs it with code-server's --install-extension into a throw-away extensions folder, beside the tests'
//      scripted language model (test/fixtures/chat-model, packaged here: code-server offline has no model, and chat
//      refuses requests without one); the pseudo-locale code-server gets the extension alone;
//   3. starts the fal imitation in this process (the extension's sandbox via ANIMATEDIFF_FAL_SANDBOX_URL,
//      no test hooks: the product as shipped), code-server WITHOUT the smoke-test driver, and a second
//      code-server with workspace trust on, whose folders open in Restricted Mode, a third in the pseudo-locale
//      qps-ploc (the extension's strings transformed, see installPseudoLocale); each workbench a test
//      opens gets a fresh copy of test/fixtures/sample-workspace (test/ui/workbench.ts);
//   4. runs the test files with mocha here (BDD, spec reporter, 60 s per test; hooks from
//      out/test/ui/hooks.js); each test opens its workbench with test/ui/workbench.ts.
// Screenshots: test-output/screenshots/ (emptied at the start). code-server logs: test-output/logs/ui-code-server*.log.
//
//   node test/harness/run-ui.js [--no-build] [--vsix <file>]
// --no-build skips `node esbuild.js --tests` (npm test has just run it). ANIMATEDIFF_TEST_GREP narrows
// the run to matching titles; ANIMATEDIFF_TEST_TIMEOUT_SECONDS (default 600) bounds it.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const {
  repoRoot, sampleWorkspace, createScratch, homeFolders, childEnv, installExtension, installPseudoLocale, startCodeServer,
  launchChromiumServer, requireTools,
} = require('./code-server.js');
const { run, packageExtension, packageTestChatModel } = require('./prepare.js');

const uiTestsDir = path.join(repoRoot, 'out', 'test', 'ui');
const screenshotsDir = path.join(repoRoot, 'test-output', 'screenshots');
const logDir = path.join(repoRoot, 'test-output', 'logs');

function findTestFiles(dir) {
  if (!fs.existsSync(dir)) {
    return [];
  }
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.test.js'))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}

function runMocha(files) {
  const Mocha = require('mocha');
  // A ceiling per test, not a budget: the UI tests drive a whole workbench, on CI a loaded 2-core machine.
  const mocha = new Mocha({ ui: 'bdd', reporter: 'spec', timeout: 240_000, color: process.stdout.isTTY });
  mocha.rootHooks(require(path.join(uiTestsDir, 'hooks.js')).mochaHooks);
  if (process.env.ANIMATEDIFF_TEST_GREP) {
    mocha.grep(process.env.ANIMATEDIFF_TEST_GREP);
  }
  for (const file of files) {
    mocha.addFile(file);
  }
  return new Promise((resolve) => mocha.run(resolve));
}

async function main() {
  const args = process.argv.slice(2);
  const vsixIndex = args.indexOf('--vsix');
  const givenVsix = vsixIndex >= 0 ? path.resolve(args[vsixIndex + 1] ?? '') : undefined;
  requireTools();
  const scratch = createScratch('animatediff-ui-');
  /** @type {Array<() => Promise<unknown> | unknown>} */
  const cleanups = [() => scratch.remove()];
  const cleanUp = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      await Promise.resolve().then(cleanup).catch((error) => console.error(`[ui] clean-up: ${error}`));
    }
  };
  const timeoutSeconds = Number(process.env.ANIMATEDIFF_TEST_TIMEOUT_SECONDS ?? 1500);
  const deadline = setTimeout(() => {
    console.error(`\n[ui] timed out after ${timeoutSeconds} s (ANIMATEDIFF_TEST_TIMEOUT_SECONDS); see test-output/logs/ui-code-server.log`);
    void cleanUp().then(() => process.exit(1));
  }, timeoutSeconds * 1000);
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]]) {
    process.once(signal, () => void cleanUp().then(() => process.exit(code)));
  }

  let failures = 1;
  try {
    if (!args.includes('--no-build')) {
      run(process.execPath, ['esbuild.js', '--tests']);
    }
    const files = findTestFiles(uiTestsDir);
    if (files.length === 0) {
      throw new Error(`no UI tests in ${path.relative(repoRoot, uiTestsDir)}; build with \`node esbuild.js --tests\``);
    }
    let vsix = givenVsix;
    if (!vsix) {
      vsix = scratch.path('animatediff-turbo.vsix');
      packageExtension(vsix);
    }
    const userDataDir = scratch.path('user-data');
    const extensionsDir = scratch.path('extensions');
    await installExtension({ vsix, extensionsDir, userDataDir, scratch });
    const chatModelVsix = scratch.path('test-chat-model.vsix');
    packageTestChatModel(chatModelVsix);
    await installExtension({ vsix: chatModelVsix, extensionsDir, userDataDir, scratch });
    console.log(`[ui] installed ${path.basename(vsix)} and the scripted chat model into a fresh code-server profile`);

    const { startFalImitation } = require(path.join(repoRoot, 'out', 'test', 'fal-imitation', 'server.js'));
    const imitation = await startFalImitation();
    cleanups.push(() => imitation.close());
    // The product as a user runs it: no key from the developer's shell, no test hooks.
    delete process.env.FAL_KEY;
    delete process.env.ANIMATEDIFF_TEST_HOOKS;

    // Each workbench a test opens gets its own copy of the sample workspace in here.
    const workspaces = scratch.path('workspaces');
    fs.mkdirSync(workspaces);
    fs.mkdirSync(logDir, { recursive: true });
    const serverLog = fs.createWriteStream(path.join(logDir, 'ui-code-server.log'));
    cleanups.push(() => new Promise((resolve) => serverLog.end(resolve)));
    const server = await startCodeServer({
      scratch,
      userDataDir,
      extensionsDir,
      env: { ANIMATEDIFF_FAL_SANDBOX_URL: imitation.url },
      onOutput: (text) => serverLog.write(text),
    });
    cleanups.push(() => server.stop());
    // A second VS Code with workspace trust on, whose folders open in Restricted Mode.
    const restrictedLog = fs.createWriteStream(path.join(logDir, 'ui-code-server-restricted.log'));
    cleanups.push(() => new Promise((resolve) => restrictedLog.end(resolve)));
    const restrictedScratch = homeFolders(scratch.path('restricted'));
    const restrictedServer = await startCodeServer({
      scratch: restrictedScratch,
      userDataDir: restrictedScratch.path('user-data'),
      extensionsDir,
      workspaceTrust: true,
      env: { ANIMATEDIFF_FAL_SANDBOX_URL: imitation.url },
      onOutput: (text) => restrictedLog.write(text),
    });
    cleanups.push(() => restrictedServer.stop());
    // A third in the pseudo-locale, with its own copy of the extension (its pseudo bundles beside the English ones).
    const pseudoScratch = homeFolders(scratch.path('pseudo'));
    const pseudoUserData = pseudoScratch.path('user-data');
    const pseudoExtensions = pseudoScratch.path('extensions');
    await installExtension({ vsix, extensionsDir: pseudoExtensions, userDataDir: pseudoUserData, scratch: pseudoScratch });
    const locale = installPseudoLocale({ extensionsDir: pseudoExtensions, userDataDir: pseudoUserData, scratch: pseudoScratch });
    const pseudoLog = fs.createWriteStream(path.join(logDir, 'ui-code-server-pseudo.log'));
    cleanups.push(() => new Promise((resolve) => pseudoLog.end(resolve)));
    const pseudoServer = await startCodeServer({
      scratch: pseudoScratch,
      userDataDir: pseudoUserData,
      extensionsDir: pseudoExtensions,
      locale,
      env: { ANIMATEDIFF_FAL_SANDBOX_URL: imitation.url },
      onOutput: (text) => pseudoLog.write(text),
    });
    cleanups.push(() => pseudoServer.stop());
    const browserServer = await launchChromiumServer({ env: childEnv(scratch.env) });
    cleanups.push(() => browserServer.close());
    console.log(`[ui] code-server ${server.url}, fal imitation ${imitation.url}`);

    fs.rmSync(screenshotsDir, { recursive: true, force: true });
    Object.assign(process.env, {
      ANIMATEDIFF_UI_WORKBENCH_URL: server.url,
      ANIMATEDIFF_UI_USER_DATA: userDataDir,
      ANIMATEDIFF_UI_RESTRICTED_WORKBENCH_URL: restrictedServer.url,
      ANIMATEDIFF_UI_PSEUDO_WORKBENCH_URL: pseudoServer.url,
      ANIMATEDIFF_UI_PSEUDO_EXTENSION: path.join(pseudoExtensions, fs.readdirSync(pseudoExtensions).find((name) => name.startsWith('animatediff-vscode.')) ?? ''),
      ANIMATEDIFF_UI_SAMPLE_WORKSPACE: sampleWorkspace,
      ANIMATEDIFF_UI_WORKSPACES: workspaces,
      ANIMATEDIFF_FAL_SANDBOX_URL: imitation.url,
      ANIMATEDIFF_UI_BROWSER_ENDPOINT: browserServer.wsEndpoint(),
      ANIMATEDIFF_UI_SCREENSHOTS: screenshotsDir,
    });
    failures = await runMocha(files);
  } catch (error) {
    console.error(`[ui] ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
  } finally {
    clearTimeout(deadline);
    await cleanUp();
  }
  process.exit(failures > 0 ? 1 : 0);
}

main();
