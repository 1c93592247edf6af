// One build for everything: the extension (a light activation shim plus the lazily loaded core),
// the webview script, and — with --tests — a transpiled copy of src/, test/ and bench/ for mocha.
// `node esbuild.js --sizes` builds the production bundles in memory and checks them against their budgets.
const esbuild = require('esbuild');
const fs = require('node:fs');
const path = require('node:path');

/**
 * The production bundles may not grow past these (bytes): the lazily loaded core and the webview's script.
 * `node esbuild.js --sizes` and test/unit/bundle.test.ts check them.
 */
// The chat participant and tools (dist/chat.js), the export code (host and webview encoders) and the parameter-file
// checker (dist/params-check.js) load on first use, in bundles of their own that stay small too.
const SIZE_BUDGETS = {
  'dist/core.js': 300_000,
  'dist/webview/panel.js': 40_000,
  'dist/video-export.js': 12_000,
  'dist/params-check.js': 95_000,
  'dist/webview/export.js': 12_000,
};

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

/**
 * The core requires `@fal-ai/client` when it makes its first fal gateway (src/fal/falClient.ts), so the library is
 * its own bundle, dist/fal-client.js, read then rather than with the core.
 */
const falClientApartPlugin = {
  name: 'fal-client-apart',
  setup(build) {
    build.onResolve({ filter: /^@fal-ai\/client$/ }, (args) =>
      (args.kind === 'entry-point' ? undefined : { path: './fal-client', external: true }));
  },
};

/**
 * The core requires `src/chat/chatFeature.ts` on the first chat request or tool call (src/core.ts), so `@animatediff`
 * and the language-model tools are their own bundle, dist/chat.js, read then rather than with the core. It has its
 * own copies of the small modules it shares with the core; what holds state (the generation service, the panel, the
 * key's redaction) it gets from the core.
 */
const chatApartPlugin = {
  name: 'chat-apart',
  setup(build) {
    build.onResolve({ filter: /^\.\/chat\/chatFeature$/ }, (args) =>
      (args.kind === 'require-call' && /[\\/]src[\\/]core\.ts$/.test(args.importer) ? { path: './chat', external: true } : undefined));
  },
};

/**
 * "Export GIF or WebM…" and "Insert as Markdown" are their own bundle, dist/video-export.js, which the core requires
 * at the first export (src/core.ts) rather than carrying it from the start.
 */
const videoExportApartPlugin = {
  name: 'video-export-apart',
  setup(build) {
    build.onResolve({ filter: /(^|\/)videoExport$/ }, (args) =>
      (args.kind === 'entry-point' ? undefined : { path: './video-export', external: true }));
  },
};

/**
 * The parameter-file checker (src/params/check.ts: the schema check with positions, and jsonc-parser) is its own
 * bundle, dist/params-check.js, which src/params/checkLoader.ts requires with the first parameter file.
 */
const paramsCheckApartPlugin = {
  name: 'params-check-apart',
  setup(build) {
    build.onResolve({ filter: /^\.\/check$/ }, (args) =>
      (/[\\/]src[\\/]params[\\/]checkLoader\.ts$/.test(args.importer) ? { path: './params-check', external: true } : undefined));
  },
};

/** The extension's and the webview's build options; `production` minifies and leaves the source maps out. */
function bundleOptions({ production, watch = false }) {
  const extension = {
    absWorkingDir: __dirname,
    entryPoints: {
      extension: 'src/extension.ts',
      core: 'src/core.ts',
      chat: 'src/chat/chatFeature.ts',
      'fal-client': '@fal-ai/client',
      'video-export': 'src/panel/videoExport.ts',
      'params-check': 'src/params/check.ts',
    },
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
    plugins: [falClientApartPlugin, chatApartPlugin, videoExportApartPlugin, paramsCheckApartPlugin, falRealtimeStubPlugin, ...(watch ? [problemMatcherPlugin] : [])],
  };
  const webview = {
    absWorkingDir: __dirname,
    // export.js: the GIF and WebM encoders, loaded by the panel only when it is asked to encode.
    entryPoints: { panel: 'src/webview/main.ts', export: 'src/webview/export/main.ts' },
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
  return { extension, webview };
}

/** Both builds' metafiles as one (their outputs do not overlap). */
function mergeMetafiles(metafiles) {
  return {
    inputs: Object.assign({}, ...metafiles.map((m) => m.inputs)),
    outputs: Object.assign({}, ...metafiles.map((m) => m.outputs)),
  };
}

/** Builds the production bundles without writing them: their merged metafile and each output's text by its path. */
async function productionBuild() {
  const { extension, webview } = bundleOptions({ production: true });
  const results = await Promise.all([extension, webview].map((options) => esbuild.build({ ...options, write: false })));
  const files = {};
  for (const file of results.flatMap((r) => r.outputFiles)) {
    files[path.relative(__dirname, file.path).split(path.sep).join('/')] = file.text;
  }
  return { metafile: mergeMetafiles(results.map((r) => r.metafile)), files };
}

/** Each budgeted output's size, its budget, and its largest inputs (bytes in the output, packages summed). */
function bundleSizes(metafile) {
  return Object.entries(SIZE_BUDGETS).map(([file, budget]) => {
    const output = metafile.outputs[file];
    if (!output) {
      throw new Error(`${file} is not an output of the build`);
    }
    const parts = new Map();
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
      const name = pkg ? pkg[1] : input;
      parts.set(name, (parts.get(name) ?? 0) + bytesInOutput);
    }
    const largest = [...parts].sort((a, b) => b[1] - a[1]).map(([name, bytes]) => ({ name, bytes }));
    return { file, bytes: output.bytes, budget, largest };
  });
}

async function reportSizes() {
  let over = 0;
  for (const { file, bytes, budget, largest } of bundleSizes((await productionBuild()).metafile)) {
    const ok = bytes <= budget;
    over += ok ? 0 : 1;
    console.log(`${ok ? '✔' : '✘'} ${file}: ${bytes} bytes (budget ${budget})`);
    for (const { name, bytes: partBytes } of largest.slice(0, 12)) {
      console.log(`    ${String(partBytes).padStart(7)}  ${name}`);
    }
  }
  if (over > 0) {
    process.exitCode = 1;
  }
}

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

async function main(argv) {
  const production = argv.includes('--production');
  const watch = argv.includes('--watch');
  if (argv.includes('--sizes')) {
    await reportSizes();
    return;
  }
  if (argv.includes('--tests')) {
    fs.rmSync('out', { recursive: true, force: true });
    // The unit tests check the schema the manifest contributes, so it is written here too.
    await Promise.all([esbuild.build(testOptions), writeParamsJsonSchema()]);
    return;
  }
  const { extension, webview } = bundleOptions({ production, watch });
  if (watch) {
    const contexts = await Promise.all([esbuild.context(extension), esbuild.context(webview)]);
    await Promise.all(contexts.map((c) => c.watch()));
    return;
  }
  const results = await Promise.all([esbuild.build(extension), esbuild.build(webview)]);
  fs.writeFileSync('dist/meta.json', JSON.stringify(mergeMetafiles(results.map((r) => r.metafile))));
  await writeParamsJsonSchema();
}

module.exports = { SIZE_BUDGETS, productionBuild, bundleSizes };

if (require.main === module) {
  main(process.argv.slice(2)).catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
