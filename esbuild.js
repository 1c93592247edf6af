// One build for everything: the extension (a light activation shim plus the lazily loaded core),
// the webview script, and — with --tests — a transpiled copy of src/, test/ and bench/ for mocha.
const esbuild = require('esbuild');
const fs = require('node:fs');
const path = require('node:path');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const tests = process.argv.includes('--tests');

/** Reports build results the way VS Code's problem matchers expect. */
const problemMatcherPlugin = {
  name: 'problem-matcher',
  setup(build) {
    build.onStart(() => console.log('[watch] build started'));
    build.onEnd(async (result) => {
      for (const { text, location } of result.errors) {
        console.error(`✘ [ERROR] ${text}`);
        if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
      }
      // The schema follows the zod source while watching too (the extension bundle is the one that imports it).
      if (result.errors.length === 0 && build.initialOptions.entryPoints.core) {
        await writeParamsJsonSchema().catch((error) => console.error(`✘ [ERROR] animate.schema.json: ${error.message}`));
      }
      console.log('[watch] build finished');
    });
  },
};

/**
 * `@fal-ai/client` makes a realtime (WebSocket) client in every `createFalClient`, and with it pulls in msgpack and
 * a state machine. The extension never connects to realtime (src/fal/falClient.ts uses the queue and storage only;
 * test/unit/bundle.test.ts holds it to that), so the bundle gets a stand-in that refuses to connect.
 */
const falRealtimeStubPlugin = {
  name: 'fal-realtime-stub',
  setup(build) {
    build.onResolve({ filter: /^\.\/realtime$/ }, (args) =>
      (/[\\/]@fal-ai[\\/]client[\\/]src[\\/]client\.js$/.test(args.importer) ? { path: 'realtime', namespace: 'fal-realtime-stub' } : undefined));
    build.onLoad({ filter: /.*/, namespace: 'fal-realtime-stub' }, () => ({
      loader: 'js',
      contents: "exports.createRealtimeClient = () => ({ connect() { throw new Error('fal realtime is not part of this extension'); } });",
    }));
  },
};

const extensionOptions = {
  entryPoints: { extension: 'src/extension.ts', core: 'src/core.ts' },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node18',
  minify: production,
  sourcemap: !production,
  sourcesContent: false,
  outdir: 'dist',
  external: ['vscode', './core'],
  // jsonc-parser's UMD main requires its own files at run time, which a bundle cannot follow; its ESM build bundles.
  mainFields: ['module', 'main'],
  logLevel: 'warning',
  metafile: true,
  plugins: [falRealtimeStubPlugin, ...(watch ? [problemMatcherPlugin] : [])],
};

const webviewOptions = {
  entryPoints: { panel: 'src/webview/main.ts' },
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2022',
  minify: production,
  sourcemap: !production,
  sourcesContent: false,
  outdir: 'dist/webview',
  logLevel: 'warning',
  metafile: true,
  plugins: watch ? [problemMatcherPlugin] : [],
};

function listTs(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
    .map((e) => path.join(e.parentPath ?? e.path, e.name));
}

const testOptions = {
  entryPoints: [...listTs('src'), ...listTs('test'), ...listTs('bench')],
  bundle: false,
  format: 'cjs',
  platform: 'node',
  target: 'node18',
  sourcemap: 'inline',
  outbase: '.',
  outdir: 'out',
  logLevel: 'warning',
};

/** Writes the JSON Schema for *.animate.json from the zod schema (the single source of truth). */
async function writeParamsJsonSchema() {
  const generator = 'src/params/jsonSchema.ts';
  if (!fs.existsSync(generator)) return;
  const result = await esbuild.build({
    entryPoints: [generator], bundle: true, format: 'cjs', platform: 'node', write: false, logLevel: 'warning',
  });
  const mod = { exports: {} };
  new Function('module', 'exports', 'require', result.outputFiles[0].text)(mod, mod.exports, require);
  fs.mkdirSync('dist', { recursive: true });
  fs.writeFileSync('dist/animate.schema.json', JSON.stringify(mod.exports.buildParamsJsonSchema(), null, 2) + '\n');
}

async function main() {
  if (tests) {
    fs.rmSync('out', { recursive: true, force: true });
    // The unit tests check the schema the manifest contributes, so it is written here too.
    await Promise.all([esbuild.build(testOptions), writeParamsJsonSchema()]);
    return;
  }
  if (watch) {
    const contexts = await Promise.all([esbuild.context(extensionOptions), esbuild.context(webviewOptions)]);
    await Promise.all(contexts.map((c) => c.watch()));
    return;
  }
  const results = await Promise.all([esbuild.build(extensionOptions), esbuild.build(webviewOptions)]);
  // Both builds' metafiles as one (their outputs do not overlap).
  const metafile = {
    inputs: Object.assign({}, ...results.map((r) => r.metafile.inputs)),
    outputs: Object.assign({}, ...results.map((r) => r.metafile.outputs)),
  };
  fs.writeFileSync('dist/meta.json', JSON.stringify(metafile));
  await writeParamsJsonSchema();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
