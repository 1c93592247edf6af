// Shared plumbing for running the extension in code-server (VS Code in the browser) on this machine:
// where the tools are, throw-away home folders, starting/stopping code-server in its own process
// group, installing a .vsix, and launching Debian's Chromium. Node built-ins only, so the launcher,
// the runners and `npm start` can all use it before anything is built.
'use strict';

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const repoRoot = path.resolve(__dirname, '..', '..');
const toolsDir = path.join(repoRoot, '.cache', 'tools');
const node24 = path.join(toolsDir, 'node24', 'node_modules', 'node', 'bin', 'node');
const codeServerEntry = path.join(toolsDir, 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const chromiumPath = '/usr/bin/chromium';

/**
 * Chromium flags for this offline machine: without the background-networking ones Chromium keeps
 * trying (and failing) to reach Google's services. Playwright adds --headless itself.
 */
const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Fails with the fix when install-tools.sh has not run. */
function requireTools() {
  for (const file of [node24, codeServerEntry, chromiumPath]) {
    if (!fs.existsSync(file)) {
      throw new Error(`${file} is missing: run \`bash test/harness/install-tools.sh\` first (npm test does it).`);
    }
  }
  return { node24, codeServerEntry, chromiumPath };
}

/** Keeps the last `limit` lines of some output, for error messages. */
class RecentLines {
  constructor(limit = 60) {
    this.limit = limit;
    /** @type {string[]} */
    this.lines = [];
    this.partial = '';
  }

  /** @param {string} text */
  push(text) {
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) {
      this.lines.push(line);
    }
    if (this.lines.length > this.limit) {
      this.lines.splice(0, this.lines.length - this.limit);
    }
  }

  text() {
    return [...this.lines, this.partial].filter((line) => line.length > 0).join('\n');
  }
}

/**
 * Folders standing in for HOME, XDG_* and TMPDIR under `dir`, so code-server, VS Code and Chromium
 * write nothing outside it.
 * @param {string} dir
 */
function homeFolders(dir) {
  const sub = (/** @type {string} */ name) => {
    const full = path.join(dir, name);
    fs.mkdirSync(full, { recursive: true, mode: 0o700 });
    return full;
  };
  const env = {
    HOME: sub('home'),
    XDG_CONFIG_HOME: sub('config'),
    XDG_DATA_HOME: sub('data'),
    XDG_CACHE_HOME: sub('cache'),
    XDG_RUNTIME_DIR: sub('runtime'),
    TMPDIR: sub('tmp'),
  };
  return {
    dir,
    env,
    /** @param {string} name */
    path: (name) => path.join(dir, name),
    remove: () => fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 }),
  };
}

/**
 * A fresh temporary folder with its own HOME/XDG/TMPDIR (see homeFolders); remove() deletes it.
 * @param {string} prefix
 */
function createScratch(prefix) {
  return homeFolders(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
}

/**
 * The caller's environment with the throw-away folders, minus variables of a VS Code the caller may
 * itself run in (they would point the server at that other instance).
 * @param {Record<string, string>} scratchEnv
 * @param {Record<string, string>} [extra]
 */
function childEnv(scratchEnv, extra = {}) {
  /** @type {Record<string, string>} */
  const env = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined || name.startsWith('VSCODE_') || name === 'ELECTRON_RUN_AS_NODE') {
      continue;
    }
    env[name] = value;
  }
  return { ...env, ...scratchEnv, ...extra };
}

/**
 * Starts code-server in its own process group and resolves once it listens.
 * @param {{
 *   scratch: ReturnType<typeof homeFolders>,
 *   userDataDir: string,
 *   extensionsDir: string,
 *   port?: number,
 *   smokeTestDriver?: boolean,
 *   workspaceTrust?: boolean,
 *   locale?: string,
 *   env?: Record<string, string>,
 *   onOutput?: (text: string) => void,
 *   startTimeoutMs?: number,
 * }} options
 */
function startCodeServer(options) {
  const tools = requireTools();
  writeDefaultUserSettings(options.userDataDir);
  const configFile = options.scratch.path('code-server.yaml');
  fs.writeFileSync(configFile, 'auth: none\ncert: false\n');
  const args = [
    tools.codeServerEntry,
    '--config', configFile,
    '--user-data-dir', options.userDataDir,
    '--extensions-dir', options.extensionsDir,
    '--bind-addr', `127.0.0.1:${options.port ?? 0}`,
    '--auth', 'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--ignore-last-opened',
  ];
  if (options.locale) {
    args.push('--locale', options.locale);
  }
  if (!options.workspaceTrust) {
    // Every folder is trusted. With trust on, the user settings below open a folder in Restricted Mode
    // without asking (the UI tests of Restricted Mode use that).
    args.push('--disable-workspace-trust');
  }
  if (options.smokeTestDriver) {
    // Without it the built workbench ignores extensionTestsPath and runs no tests.
    args.push('--vscode-option', 'enable-smoke-test-driver');
  }
  const child = spawn(tools.node24, args, {
    cwd: options.scratch.dir,
    env: childEnv(options.scratch.env, options.env),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const recent = new RecentLines(80);
  /** @type {Promise<number | null>} */
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : null))));
  let stopped = false;

  const stop = async () => {
    if (stopped) {
      return;
    }
    stopped = true;
    if (child.exitCode !== null || child.signalCode !== null) {
      return;
    }
    killGroup(child.pid, 'SIGTERM');
    const timer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    // Workers of the server (extension host, file watcher) share the group; make sure none is left.
    killGroup(child.pid, 'SIGKILL');
  };

  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (/** @type {string} */ message) => {
      if (settled) {
        return;
      }
      settled = true;
      clearTimeout(timer);
      void stop().then(() => reject(new Error(`${message}\n--- code-server output ---\n${recent.text()}`)));
    };
    const timeoutMs = options.startTimeoutMs ?? 60_000;
    const timer = setTimeout(() => fail(`code-server did not start listening within ${timeoutMs / 1000} s`), timeoutMs);
    const onData = (/** @type {Buffer} */ chunk) => {
      const text = chunk.toString('utf8');
      recent.push(text);
      options.onOutput?.(text);
      const listening = /HTTP server listening on (http:\/\/127\.0\.0\.1:(\d+))\/?/.exec(recent.text());
      if (listening && !settled) {
        settled = true;
        clearTimeout(timer);
        resolve({
          url: listening[1],
          port: Number(listening[2]),
          pid: child.pid,
          exited,
          stop,
          recentOutput: () => recent.text(),
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', (error) => fail(`code-server could not be started: ${error.message}`));
    void exited.then((code) => fail(`code-server exited (code ${code}) before it was listening`));
  });
}

/** The pseudo-locale of the UI tests: every string of ours transformed, so one left in plain English was hard-coded. */
const PSEUDO_LOCALE = 'qps-ploc';

/**
 * Makes the AnimateDiff installed in `extensionsDir` speak {@link PSEUDO_LOCALE}: writes its pseudo bundle and
 * package.nls beside the English ones (l10n.js, not committed), and registers a language pack for the locale that
 * translates nothing in `userDataDir`'s languagepacks.json. Without a pack VS Code resolves `--locale qps-ploc` to
 * English (and so would the extension); with this one its own UI stays English while `vscode.env.language` is
 * qps-ploc. The file is written by hand: code-server's `--install-extension` of a language pack does not register it.
 * @param {{ extensionsDir: string, userDataDir: string, scratch: ReturnType<typeof homeFolders> }} options
 * @returns {string} the locale, for startCodeServer's `locale`
 */
function installPseudoLocale(options) {
  const installed = fs.readdirSync(options.extensionsDir).find((name) => name.startsWith('animatediff-vscode.animatediff-turbo-'));
  if (!installed) {
    throw new Error(`AnimateDiff is not installed in ${options.extensionsDir}`);
  }
  const extensionDir = path.join(options.extensionsDir, installed);
  const { writePseudo } = require(path.join(repoRoot, 'l10n.js'));
  writePseudo(JSON.parse(fs.readFileSync(path.join(extensionDir, 'l10n', 'bundle.l10n.json'), 'utf8')), extensionDir);

  const translations = options.scratch.path('pseudo-language-pack.i18n.json');
  fs.writeFileSync(translations, '{ "version": "1.0.0", "contents": {} }\n');
  fs.mkdirSync(options.userDataDir, { recursive: true });
  fs.writeFileSync(path.join(options.userDataDir, 'languagepacks.json'), JSON.stringify({
    [PSEUDO_LOCALE]: {
      hash: 'animatediff-ui-pseudo',
      extensions: [{ extensionIdentifier: { id: 'animatediff-tests.pseudo-language-pack' }, version: '0.0.1' }],
      translations: { vscode: translations },
      label: 'Pseudo Language',
    },
  }, null, 2));
  return PSEUDO_LOCALE;
}

/**
 * A quiet workbench for tests and the demo: no welcome page, chat/AI features, update checks or
 * gallery updates (there is no internet). Written only when the profile has no settings yet.
 * @param {string} userDataDir
 */
function writeDefaultUserSettings(userDataDir) {
  const file = path.join(userDataDir, 'User', 'settings.json');
  if (fs.existsSync(file)) {
    return;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(defaultUserSettings, null, 2)}\n`);
}

const defaultUserSettings = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'chat.disableAIFeatures': true,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'telemetry.telemetryLevel': 'off',
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'security.workspace.trust.startupPrompt': 'never',
};

/**
 * @param {number | undefined} pid
 * @param {NodeJS.Signals} signal
 */
function killGroup(pid, signal) {
  if (pid === undefined) {
    return;
  }
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

/**
 * Installs a .vsix with code-server's CLI (a folder is refused; it must be a packaged extension).
 * @param {{ vsix: string, extensionsDir: string, userDataDir: string, scratch: ReturnType<typeof homeFolders> }} options
 */
function installExtension(options) {
  const tools = requireTools();
  const configFile = options.scratch.path('code-server.yaml');
  fs.writeFileSync(configFile, 'auth: none\ncert: false\n');
  return new Promise((resolve, reject) => {
    const child = spawn(tools.node24, [
      tools.codeServerEntry,
      '--config', configFile,
      '--user-data-dir', options.userDataDir,
      '--extensions-dir', options.extensionsDir,
      '--install-extension', options.vsix,
      '--force',
    ], { cwd: options.scratch.dir, env: childEnv(options.scratch.env), stdio: ['ignore', 'pipe', 'pipe'] });
    const recent = new RecentLines(40);
    child.stdout.on('data', (chunk) => recent.push(chunk.toString('utf8')));
    child.stderr.on('data', (chunk) => recent.push(chunk.toString('utf8')));
    child.once('error', reject);
    child.once('exit', (code) => {
      const output = recent.text();
      if (code === 0 && /successfully installed/i.test(output)) {
        resolve(output);
      } else {
        reject(new Error(`installing ${options.vsix} failed (exit ${code}):\n${output}`));
      }
    });
  });
}

/**
 * Launches Debian's Chromium through the project's playwright-core.
 * @param {{ env?: Record<string, string> }} [options]
 */
async function launchChromium(options = {}) {
  requireTools();
  const { chromium } = require('playwright-core');
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: chromiumArgs,
    ...(options.env ? { env: options.env } : {}),
  });
}

/**
 * Launches Debian's Chromium as a Playwright browser server, for test code that connects to it
 * (`chromium.connect(wsEndpoint)`), so the flags live here and the runner owns the process.
 * @param {{ env?: Record<string, string> }} [options]
 */
async function launchChromiumServer(options = {}) {
  requireTools();
  const { chromium } = require('playwright-core');
  return chromium.launchServer({
    executablePath: chromiumPath,
    headless: true,
    args: chromiumArgs,
    ...(options.env ? { env: options.env } : {}),
  });
}

/**
 * Copies a folder (the sample workspace) to `destination`, which must not exist yet.
 * @param {string} source
 * @param {string} destination
 */
function copyFolder(source, destination) {
  fs.cpSync(source, destination, { recursive: true, errorOnExist: true, force: false });
}

module.exports = {
  repoRoot,
  toolsDir,
  chromiumPath,
  chromiumArgs,
  requireTools,
  RecentLines,
  homeFolders,
  createScratch,
  childEnv,
  startCodeServer,
  killGroup,
  installExtension,
  installPseudoLocale,
  launchChromium,
  launchChromiumServer,
  copyFolder,
  sampleWorkspace: path.join(repoRoot, 'test', 'fixtures', 'sample-workspace'),
};
