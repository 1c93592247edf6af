// `npm start`: the product as a user gets it, in VS Code in the browser (code-server), on a fresh clone too.
//   - installs what is missing (npm ci, Debian packages, Node 24 + code-server into .cache/tools);
//   - builds and packages the extension (.vsix) and installs it into a code-server profile kept in
//     .cache/product/ (settings, extensions, the sample workspace copy survive restarts);
//   - without FAL_KEY in the environment, starts the local fal imitation and points the extension at it
//     (every result is then a sandbox result, and the panel says so); with FAL_KEY, real fal.ai is used;
//   - serves VS Code on http://127.0.0.1:8080 (or $PORT) until Ctrl-C.
'use strict';

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { repoRoot, run, ensureDependencies, ensureTools, packageExtension } = require('./prepare.js');

const productDir = path.join(repoRoot, '.cache', 'product');
const port = Number(process.env.PORT ?? 8080);

/** Starts `node out/test/fal-imitation/main.js --realistic` and resolves with its URL once it listens. */
function startImitation() {
  const child = spawn(process.execPath, [path.join(repoRoot, 'out', 'test', 'fal-imitation', 'main.js'), '--realistic', '--demo-errors'], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`the fal imitation did not start within 30 s:\n${output}`)), 30_000);
    child.stdout.on('data', (chunk) => {
      output += chunk.toString('utf8');
      const match = /^FAL_IMITATION_URL=(\S+)$/m.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ url: match[1], process: child });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the fal imitation exited (code ${code}):\n${output}`));
    });
  });
}

async function main() {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`PORT must be a port number, not "${process.env.PORT}"`);
  }
  ensureDependencies();
  ensureTools();
  const { homeFolders, copyFolder, installExtension, startCodeServer, sampleWorkspace } = require('./code-server.js');

  const vsix = path.join(productDir, 'animatediff-turbo.vsix');
  packageExtension(vsix);
  const home = homeFolders(productDir);
  const userDataDir = home.path('user-data');
  const extensionsDir = home.path('extensions');
  await installExtension({ vsix, extensionsDir, userDataDir, scratch: home });
  const workspace = home.path('workspace');
  if (!fs.existsSync(workspace)) {
    copyFolder(sampleWorkspace, workspace);
  }

  /** @type {Array<() => Promise<unknown> | unknown>} */
  const cleanups = [];
  const stopAll = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      await Promise.resolve().then(cleanup).catch(() => undefined);
    }
  };
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      stopping = true;
      console.log('\nStopping…');
      void stopAll().then(() => process.exit(0));
    });
  }

  /** @type {Record<string, string>} */
  const extensionEnv = {};
  let falNote;
  if (process.env.FAL_KEY) {
    falNote = 'fal.ai with the FAL_KEY of this shell (real generations, billed to that key)';
  } else {
    run(process.execPath, ['esbuild.js', '--tests']);
    const imitation = await startImitation();
    cleanups.push(() => imitation.process.kill('SIGTERM'));
    extensionEnv.ANIMATEDIFF_FAL_SANDBOX_URL = imitation.url;
    falNote = `the local fal imitation at ${imitation.url} (sandbox results; when asked for a key,\n                any key_id:key_secret works; set FAL_KEY before \`npm start\` to use real fal.ai)`;
  }

  let server;
  try {
    server = await startCodeServer({ scratch: home, userDataDir, extensionsDir, port, env: extensionEnv });
  } catch (error) {
    await stopAll();
    if (/EADDRINUSE/.test(String(error))) {
      throw new Error(`port ${port} is in use; start on another one with PORT=8081 npm start`);
    }
    throw error;
  }
  cleanups.push(() => server.stop());
  const url = `http://127.0.0.1:${server.port}/?folder=${encodeURI(workspace)}`;
  console.log([
    '',
    'AnimateDiff Turbo is running in VS Code (code-server). Open in your browser:',
    '',
    `    ${url}`,
    '',
    `  fal:          ${falNote}`,
    `  workspace:    ${path.relative(repoRoot, workspace)} (select a prompt in prompts.md, right-click)`,
    `  VS Code data: ${path.relative(repoRoot, productDir)}/`,
    '',
    'Press Ctrl-C to stop.',
  ].join('\n'));

  const code = await server.exited;
  if (stopping) {
    return;
  }
  await stopAll();
  console.error(`code-server stopped unexpectedly (code ${code}); its last output:\n${server.recentOutput()}`);
  process.exit(1);
}

main().catch((error) => {
  console.error(`npm start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
