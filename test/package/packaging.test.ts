import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';

/*
 * What a publisher runs, on this checkout: `vsce package` (which runs `vscode:prepublish`, the production build),
 * `vsce ls`, and Open VSX's checks and upload against a registry on loopback (ovsx has no dry run). Run by the
 * `package` stage of `npm test`, before the UI stage installs the same package.
 */

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const vsce = path.join(repoRoot, 'node_modules', '@vscode', 'vsce', 'vsce');
const ovsx = path.join(repoRoot, 'node_modules', 'ovsx', 'bin', 'ovsx');
const vsix = path.join(repoRoot, 'test-output', 'package', 'animatediff-turbo.vsix');
/** The README the Marketplace and Open VSX show (the repository's own README is for developers). */
const USER_README = 'README.marketplace.md';

/** Everything the package ships; a change here is a decision, not an accident. */
const SHIPPED = [
  'CHANGELOG.md',
  'LICENSE',
  'README.marketplace.md',
  'dist/animate.schema.json',
  'dist/chat.js',
  'dist/core.js',
  'dist/extension.js',
  'dist/fal-client.js',
  'dist/params-check.js',
  'dist/video-export.js',
  'dist/webview/export.js',
  'dist/webview/panel.js',
  'l10n/bundle.l10n.ja.json',
  'l10n/bundle.l10n.json',
  'l10n/bundle.l10n.zh-cn.json',
  'media/history-activitybar.svg',
  'media/icon.png',
  'media/panel-icon-dark.svg',
  'media/panel-icon-light.svg',
  'media/panel.css',
  'media/walkthrough/first-video-dark.png',
  'media/walkthrough/first-video-light.png',
  'media/walkthrough/history-dark.png',
  'media/walkthrough/history-light.png',
  'media/walkthrough/params-variations-dark.png',
  'media/walkthrough/params-variations-light.png',
  'media/walkthrough/set-key-dark.png',
  'media/walkthrough/set-key-light.png',
  'package.json',
  'package.nls.ja.json',
  'package.nls.json',
  'package.nls.zh-cn.json',
];

function runTool(script: string, args: string[]): { status: number | null; output: string } {
  // No terminal: vsce would otherwise stop at a y/N question; its warnings are checked in the output instead.
  const result = spawnSync(process.execPath, [script, ...args], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('the package', function () {
  this.timeout(300_000);
  let packaged: { status: number | null; output: string };

  before(() => {
    fs.mkdirSync(path.dirname(vsix), { recursive: true });
    fs.rmSync(vsix, { force: true });
    packaged = runTool(vsce, ['package', '--no-dependencies', '--readme-path', USER_README, '-o', vsix]);
  });

  it('is made by `vsce package` with no question and no warning', () => {
    assert.equal(packaged.status, 0, packaged.output);
    assert.doesNotMatch(packaged.output, /WARNING|\[y\/N\]|ERROR/i, packaged.output);
    assert.ok(fs.statSync(vsix).size > 0);
  });

  it('ships exactly the files listed, with the user README', () => {
    const listed = runTool(vsce, ['ls', '--no-dependencies', '--readme-path', USER_README]);
    assert.equal(listed.status, 0, listed.output);
    const files = listed.output.split('\n').map((line) => line.trim()).filter((line) => line !== '' && !/^(INFO|Executing|>)/.test(line)).sort();
    assert.deepEqual(files, [...SHIPPED].sort());
    const readme = spawnSync('unzip', ['-p', vsix, 'extension/readme.md'], { encoding: 'utf8' });
    const shown = readme.status === 0 ? readme.stdout : spawnSync('unzip', ['-p', vsix, 'extension/README.md'], { encoding: 'utf8' }).stdout;
    assert.match(shown, /^# AnimateDiff Turbo/);
    assert.doesNotMatch(shown, /npm test|npm start|apt-get/, 'the listing is for users, not for developers of the extension');
  });

  it('shows the user README\'s pictures from the repository: each a committed file, none in the package', () => {
    const shown = spawnSync('unzip', ['-p', vsix, 'extension/readme.md'], { encoding: 'utf8' }).stdout;
    // vsce turns a relative path into one of the repository's raw files (package.json's "repository"), which is
    // where the Marketplace loads it from; it does so inside code spans too, so no example there may look like one.
    const repositoryFiles = 'https://github.com/animatediff-vscode/animatediff-turbo/raw/HEAD/';
    const pictures = [...shown.matchAll(/!\[[^\]]*\]\(([^)\s]+)\)/g)].map((match) => match[1]);
    assert.ok(pictures.length > 0, 'the listing shows pictures');
    for (const picture of pictures) {
      assert.ok(picture.startsWith(repositoryFiles), `${picture} is shown from the repository`);
      const file = picture.slice(repositoryFiles.length);
      assert.ok(fs.existsSync(path.join(repoRoot, file)), `${file}, shown in the listing, is in the repository`);
    }
    const packaged = spawnSync('unzip', ['-Z1', vsix], { encoding: 'utf8' }).stdout;
    assert.doesNotMatch(packaged, /^extension\/media\/readme\//m, 'the README\'s pictures are not packaged');
  });

  it('passes Open VSX\'s checks and publishes to a registry (a local stand-in)', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const openVsx = require(path.join(repoRoot, 'node_modules', 'ovsx')) as {
      readManifest(packagePath: string): Promise<{ publisher: string; name: string; version: string }>;
      validateManifest(manifest: unknown): void;
      isLicenseOk(packagePath: string, manifest: unknown): Promise<boolean>;
    };
    const manifest = await openVsx.readManifest(repoRoot);
    openVsx.validateManifest(manifest);
    assert.equal(await openVsx.isLicenseOk(repoRoot, manifest), true);

    const uploads: Buffer[] = [];
    const registry: Server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const url = new URL(request.url ?? '/', 'http://registry');
        if (request.method === 'POST' && url.pathname === '/api/-/publish') {
          uploads.push(Buffer.concat(chunks));
          response.writeHead(201, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ namespace: manifest.publisher, name: manifest.name, version: manifest.version, targetPlatform: 'universal' }));
          return;
        }
        response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      });
    });
    await new Promise<void>((resolve) => registry.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = registry.address() as AddressInfo;
      const published = await new Promise<{ status: number | null; output: string }>((resolve) => {
        // Asynchronously: the registry runs in this process.
        const child = spawn(process.execPath, [ovsx, 'publish', vsix, '-p', 'not-a-real-token', '-r', `http://127.0.0.1:${port}`], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
        let output = '';
        child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
        child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
        child.on('close', (status) => resolve({ status, output }));
      });
      assert.equal(published.status, 0, published.output);
      assert.match(published.output, /Published animatediff-vscode\.animatediff-turbo v\d+\.\d+\.\d+/);
      assert.doesNotMatch(published.output, /WARNING/i, published.output);
      assert.equal(uploads.length, 1);
      assert.ok(uploads[0].equals(fs.readFileSync(vsix)), 'the registry received this very package');
    } finally {
      await new Promise((resolve) => registry.close(resolve));
    }
  });
});
