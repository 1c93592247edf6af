import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type * as FalClientLibrary from '@fal-ai/client';
import { sandboxFetch } from '../../src/fal/falClient';
import type * as ParamsCheckModule from '../../src/params/check';
import { startFalImitation } from '../fal-imitation/server';

const repoRoot = path.join(__dirname, '..', '..', '..');
/** `npm test` builds dist/ before the unit tests; this reads esbuild's metafile of that build. */
const metaFile = path.join(repoRoot, 'dist', 'meta.json');

interface Metafile {
  outputs: Record<string, { bytes: number; inputs: Record<string, { bytesInOutput: number }>; imports: Array<{ path: string; external?: boolean }> }>;
}

/** What esbuild.js exports: the size budgets and an in-memory production build. */
interface BuildScript {
  SIZE_BUDGETS: Record<string, number>;
  productionBuild(): Promise<{ metafile: Metafile; files: Record<string, string> }>;
  bundleSizes(metafile: Metafile): Array<{ file: string; bytes: number; budget: number; largest: Array<{ name: string; bytes: number }> }>;
}

function outputOf(meta: Metafile, name: string): Metafile['outputs'][string] {
  const entry = Object.entries(meta.outputs).find(([file]) => file.replace(/\\/g, '/').endsWith(`dist/${name}`));
  assert.ok(entry, `dist/${name} is in the metafile`);
  return entry[1];
}

describe('extension bundle', () => {
  const meta = JSON.parse(fs.readFileSync(metaFile, 'utf8')) as Metafile;
  const output = (name: string) => outputOf(meta, name);

  it('activation entry does not contain zod or the fal client (they load on first use)', () => {
    const inputs = Object.keys(output('extension.js').inputs);
    assert.ok(inputs.some((i) => i.endsWith('src/extension.ts')));
    const heavy = inputs.filter((i) => /node_modules\/(zod|@fal-ai)\//.test(i));
    assert.deepEqual(heavy, []);
    assert.ok(inputs.every((i) => !i.includes('src/core.ts')), 'the core is a separate bundle');
  });

  it('the core bundle carries zod, with vscode and the fal client left external', () => {
    const core = output('core.js');
    const inputs = Object.keys(core.inputs);
    assert.ok(inputs.some((i) => i.includes('node_modules/zod/')));
    assert.deepEqual(inputs.filter((i) => i.includes('node_modules/@fal-ai/')), []);
    assert.ok(core.imports.some((i) => i.path === 'vscode' && i.external));
    assert.ok(core.imports.some((i) => i.path === './fal-client' && i.external), 'the core requires dist/fal-client.js');
  });

  it('@animatediff and the tools are a bundle of their own, required by the core on first use, with nothing that holds the key', () => {
    const core = output('core.js');
    assert.deepEqual(Object.keys(core.inputs).filter((i) => i.includes('src/chat/')), [], 'no chat code in the core');
    assert.ok(core.imports.some((i) => i.path === './chat' && i.external), 'the core requires dist/chat.js');
    const chat = Object.keys(output('chat.js').inputs);
    assert.ok(chat.some((i) => i.endsWith('src/chat/participant.ts')));
    // The service, the panel and the key's redaction come from the core: a copy of theirs would be a second state.
    assert.deepEqual(chat.filter((i) => /src\/(fal|generation\/(generationService|session)|panel|util\/redaction|history)\b/.test(i)), []);
    assert.deepEqual(chat.filter((i) => i.includes('node_modules/@fal-ai/')), []);
  });

  it('the parameter-file checker is a bundle of its own, required with the first parameter file', () => {
    const core = output('core.js');
    const inCore = Object.keys(core.inputs).filter((i) => /node_modules\/jsonc-parser\/|src\/params\/(validate|falErrors|jsonText|diagnostics)\.ts$/.test(i));
    assert.deepEqual(inCore, [], 'no checker code in the core');
    assert.ok(core.imports.some((i) => i.path === './params-check' && i.external), 'the core requires dist/params-check.js');
    const check = Object.keys(output('params-check.js').inputs);
    assert.ok(check.some((i) => i.endsWith('src/params/validate.ts')));
    assert.ok(check.some((i) => i.includes('node_modules/jsonc-parser/')));
  });

  it('the fal client is a bundle of its own, without its realtime part and without anything of ours', () => {
    const inputs = Object.keys(output('fal-client.js').inputs);
    assert.ok(inputs.some((i) => i.includes('node_modules/@fal-ai/client/src/queue.js')));
    assert.deepEqual(inputs.filter((i) => /node_modules\/(@msgpack|robot3|zod)\/|@fal-ai\/client\/src\/realtime\.js/.test(i)), []);
    assert.deepEqual(inputs.filter((i) => !i.includes('node_modules/') && !i.startsWith('fal-realtime-stub:')), []);
  });

  it('only src/fal/falClient.ts imports @fal-ai/client', () => {
    const srcRoot = path.join(repoRoot, 'src');
    const importers: string[] = [];
    for (const entry of fs.readdirSync(srcRoot, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.ts')) {
        continue;
      }
      const file = path.join(entry.parentPath, entry.name);
      // Import statements and require calls; code that only mentions the package in a string (Copy as Code) is not one.
      if (/^\s*import\b[^'"\n]*\bfrom\s*['"]@fal-ai\/client['"]|\brequire\(\s*['"]@fal-ai\/client['"]\s*\)/m.test(fs.readFileSync(file, 'utf8'))) {
        importers.push(path.relative(srcRoot, file).replace(/\\/g, '/'));
      }
    }
    assert.deepEqual(importers, ['fal/falClient.ts']);
  });

  it('the fal boundary never uses the client\'s realtime connection (the bundles leave it out)', () => {
    const source = fs.readFileSync(path.join(repoRoot, 'src', 'fal', 'falClient.ts'), 'utf8');
    assert.doesNotMatch(source, /realtime/i);
  });
});

/** Runs a CommonJS bundle's text as a module and returns its exports. */
function loadCommonJs(text: string | undefined): unknown {
  assert.ok(text, 'the bundle was built');
  const module = { exports: {} };
  new Function('module', 'exports', 'require', text)(module, module.exports, createRequire(__filename));
  return module.exports;
}

describe('production bundles', function () {
  // A production build of every bundle, in memory.
  this.timeout(60_000);
  const build = createRequire(__filename)(path.join(repoRoot, 'esbuild.js')) as BuildScript;
  let production: Metafile;
  let productionFiles: Record<string, string>;
  before(async () => {
    ({ metafile: production, files: productionFiles } = await build.productionBuild());
  });

  it('stay within their budgets (node esbuild.js --sizes shows what is in them)', () => {
    const sizes = build.bundleSizes(production);
    assert.deepEqual(sizes.map((s) => s.file).sort(), Object.keys(build.SIZE_BUDGETS).sort());
    for (const { file, bytes, budget, largest } of sizes) {
      const biggest = largest.slice(0, 5).map((part) => `${part.name} ${part.bytes}`).join(', ');
      assert.ok(bytes <= budget, `${file} is ${bytes} bytes, over its budget of ${budget} (largest: ${biggest})`);
    }
  });

  it('carry zod/mini only, with at most the English messages', () => {
    for (const name of ['core.js', 'webview/panel.js']) {
      const zodParts = Object.entries(outputOf(production, name).inputs)
        .filter(([input, { bytesInOutput }]) => input.includes('node_modules/zod/') && bytesInOutput > 0)
        .map(([input]) => input);
      assert.ok(zodParts.length > 0, `${name} carries zod`);
      assert.deepEqual(zodParts.filter((i) => /zod\/v4\/classic\/|zod\/v4\/locales\/(?!en\.js$)/.test(i)), [], name);
    }
  });

  it('carry the fal client once, in dist/fal-client.js, which the core requires', () => {
    const carriers = Object.entries(production.outputs)
      .filter(([, output]) => Object.entries(output.inputs).some(([input, { bytesInOutput }]) => input.includes('node_modules/@fal-ai/client/') && bytesInOutput > 0))
      .map(([file]) => file);
    assert.deepEqual(carriers, ['dist/fal-client.js']);
    assert.ok(outputOf(production, 'core.js').imports.some((i) => i.path === './fal-client' && i.external));
  });

  it('keep the export code apart: dist/video-export.js, which the core requires, and the webview encoders', () => {
    assert.ok(outputOf(production, 'core.js').imports.some((i) => i.path === './video-export' && i.external), 'the core requires dist/video-export.js');
    for (const name of ['core.js', 'webview/panel.js']) {
      const inputs = Object.keys(outputOf(production, name).inputs);
      assert.deepEqual(inputs.filter((input) => /videoExport\.ts|webview\/export\/(?!exporter\.ts)/.test(input)), [], `${name} carries no export code`);
    }
    for (const name of ['video-export.js', 'webview/export.js']) {
      assert.deepEqual(Object.keys(outputOf(production, name).inputs).filter((input) => input.includes('node_modules/zod/')), [], `${name} carries no zod`);
    }
  });

  it('the parameter-file checker, with its own copy of the translator, speaks the language it is handed', () => {
    const check = loadCommonJs(productionFiles['dist/params-check.js']) as typeof ParamsCheckModule;
    const text = '{ "prompt": "a fox", "seed": [3, 3] }';
    assert.match(check.validateParamsText(text).diagnostics[0].message, /^Seed 3 is listed twice/, 'English until told');
    // What params/checkLoader.ts does when it loads the bundle: hands over the core's translator and locale.
    check.useTranslator({ t: (message, ...args) => `«${message.replace(/\{(\d+)\}/g, (_, i: string) => String(args[Number(i)]))}»` }, 'ja');
    assert.match(check.validateParamsText(text).diagnostics[0].message, /^«Seed 3 is listed twice.+»$/);
  });

  it('the fal client bundle runs a job against the fal imitation, and its errors are its own ApiError', async () => {
    const library = loadCommonJs(productionFiles['dist/fal-client.js']) as typeof FalClientLibrary;
    const imitation = await startFalImitation({ timing: { queuePositions: 1, queueMs: 20, processingMs: 50, logSteps: 2 } });
    try {
      const client = library.createFalClient({ credentials: 'bundle-key-id:bundle-key-secret', fetch: sandboxFetch(imitation.url) });
      const endpoint = 'fal-ai/fast-animatediff/turbo/text-to-video';
      const result = await client.subscribe(endpoint, { input: { prompt: 'a lighthouse in a storm', seed: 7 }, mode: 'polling', pollInterval: 50 });
      assert.match((result.data as { video: { url: string } }).video.url, /\/files\/videos\/.+\.mp4$/);
      assert.ok(imitation.requests().some((r) => r.stage === 'submit'));
      await assert.rejects(client.queue.status(endpoint, { requestId: 'no-such-request' }),
        (error: unknown) => error instanceof library.ApiError && error.status === 404);
      assert.throws(() => client.realtime.connect(endpoint, { onResult: () => undefined }), /not part of this extension/);
    } finally {
      await imitation.close();
    }
  });
});
