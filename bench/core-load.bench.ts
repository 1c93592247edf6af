/**
 * What the first use of the extension pays to load its core: `require('dist/core.js')` plus `createCore(context)`.
 *
 *   node esbuild.js --production && node esbuild.js --tests && node out/bench/core-load.bench.js [dist/core.js]
 *   BENCH_PROFILE=1 node --expose-gc out/bench/core-load.bench.js --child core dist/core.js   (one load, profiled)
 *
 * Every sample is a fresh Node process (a warm module cache would hide the cost), started with --expose-gc so
 * the heap is measured after a full collection on both sides. `vscode` is answered by a stub that does nothing,
 * so what is timed is our code and its dependencies, not VS Code. The baseline is the same process requiring
 * the activation shim (dist/extension.js), which every window loads anyway. This prints; it asserts nothing.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as inspector from 'node:inspector';
import * as os from 'node:os';
import * as path from 'node:path';

const SAMPLES = Number(process.env.BENCH_ROUNDS ?? 15);

interface Sample {
  requireMs: number;
  createMs: number;
  heapBytes: number;
}

/** A callable object whose unknown properties are more of the same: enough for registrations and status items. */
function inert(): unknown {
  const assigned = new Map<PropertyKey, unknown>();
  const proxy: unknown = new Proxy(function () {
    return undefined;
  }, {
    get: (_t, key) => {
      if (assigned.has(key)) {
        return assigned.get(key);
      }
      return key === 'then' || typeof key === 'symbol' ? undefined : key === 'dispose' ? () => undefined : proxy;
    },
    set: (_t, key, value) => {
      assigned.set(key, value);
      return true;
    },
    apply: () => inert(),
    construct: () => inert() as object,
  });
  return proxy;
}

class StubEventEmitter<T> {
  private listeners: Array<(value: T) => unknown> = [];
  readonly event = (listener: (value: T) => unknown) => {
    this.listeners.push(listener);
    return { dispose: () => (this.listeners = this.listeners.filter((l) => l !== listener)) };
  };
  fire(value: T): void {
    this.listeners.forEach((listener) => listener(value));
  }
  dispose(): void {
    this.listeners = [];
  }
}

class StubUri {
  constructor(readonly scheme: string, readonly path: string) {}
  get fsPath(): string {
    return this.path;
  }
  static file(fsPath: string): StubUri {
    return new StubUri('file', fsPath);
  }
  static parse(value: string): StubUri {
    const url = new URL(value);
    return new StubUri(url.protocol.slice(0, -1), decodeURIComponent(url.pathname));
  }
  static joinPath(base: StubUri, ...segments: string[]): StubUri {
    return new StubUri(base.scheme, path.posix.join(base.path, ...segments));
  }
  with(change: { path?: string }): StubUri {
    return new StubUri(this.scheme, change.path ?? this.path);
  }
  toString(): string {
    return `${this.scheme}://${this.path}`;
  }
}

class StubDisposable {
  constructor(private readonly callOnDispose: () => unknown) {}
  static from(...items: Array<{ dispose(): unknown }>): StubDisposable {
    return new StubDisposable(() => items.forEach((item) => item.dispose()));
  }
  dispose(): void {
    this.callOnDispose();
  }
}

class Plain {
  constructor(...args: unknown[]) {
    Object.assign(this, { args });
  }
}

function stubVscode(): Record<string, unknown> {
  const emptyEvent = () => ({ dispose: () => undefined });
  return {
    EventEmitter: StubEventEmitter,
    Uri: StubUri,
    Disposable: StubDisposable,
    TreeItem: Plain,
    ThemeIcon: Plain,
    ThemeColor: Plain,
    MarkdownString: Plain,
    Range: Plain,
    Position: Plain,
    Selection: Plain,
    Diagnostic: Plain,
    CodeAction: Plain,
    CodeLens: Plain,
    WorkspaceEdit: Plain,
    TabInputText: Plain,
    TabInputTextDiff: Plain,
    TabInputWebview: Plain,
    CodeActionKind: { QuickFix: 'quickfix' },
    ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
    TextEditorRevealType: { Default: 0, InCenter: 1, InCenterIfOutsideViewport: 2, AtTop: 3 },
    DiagnosticSeverity: { Error: 0, Warning: 1, Information: 2, Hint: 3 },
    TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
    StatusBarAlignment: { Left: 1, Right: 2 },
    ViewColumn: { Active: -1, Beside: -2, One: 1 },
    FileType: { File: 1, Directory: 2, SymbolicLink: 64 },
    UIKind: { Desktop: 1, Web: 2 },
    commands: inert(),
    languages: inert(),
    extensions: inert(),
    l10n: { t: (message: string, ...args: unknown[]) => message.replace(/\{(\d+)\}/g, (_m, i: string) => String(args[Number(i)])) },
    env: { language: 'en', uiKind: 1, clipboard: inert(), openExternal: () => Promise.resolve(true) },
    workspace: new Proxy({
      isTrusted: true,
      workspaceFolders: undefined,
      textDocuments: [],
      getConfiguration: () => ({ get: <T>(_key: string, fallback?: T) => fallback, inspect: () => undefined }),
      onDidOpenTextDocument: emptyEvent,
      onDidCloseTextDocument: emptyEvent,
      onDidChangeTextDocument: emptyEvent,
      onDidChangeConfiguration: emptyEvent,
      onDidGrantWorkspaceTrust: emptyEvent,
    }, { get: (target, key) => (key in target ? target[key as keyof typeof target] : inert()) }),
    window: new Proxy({
      activeTextEditor: undefined,
      visibleTextEditors: [],
      onDidChangeWindowState: emptyEvent,
      onDidChangeActiveTextEditor: emptyEvent,
    }, { get: (target, key) => (key in target ? target[key as keyof typeof target] : inert()) }),
  };
}

/** With BENCH_PROFILE=1: where the core's first load spends its time (self time by function, from V8's profiler). */
function profiled<T>(run: () => T): T {
  if (process.env.BENCH_PROFILE !== '1') {
    return run();
  }
  const session = new inspector.Session();
  session.connect();
  // An in-thread inspector session answers synchronously, so the profile is printed before the process ends.
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 50 });
  session.post('Profiler.start');
  const result = run();
  session.post('Profiler.stop', (error, answer) => {
    if (error) {
      throw error;
    }
    const { profile } = answer;
    const self = new Map<number, number>();
    profile.samples?.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas?.[i] ?? 0)));
    const byName = new Map<string, number>();
    for (const node of profile.nodes) {
      const { functionName, url, lineNumber, columnNumber } = node.callFrame;
      const key = `${functionName || '(anonymous)'} ${path.basename(url)}:${lineNumber + 1}:${columnNumber + 1}`;
      byName.set(key, (byName.get(key) ?? 0) + (self.get(node.id) ?? 0));
    }
    const top = [...byName].sort((a, b) => b[1] - a[1]).slice(0, 25);
    process.stderr.write(top.map(([name, us]) => `${(us / 1000).toFixed(2).padStart(7)} ms  ${name}`).join('\n') + '\n');
  });
  return result;
}

function child(corePath: string, mode: 'core' | 'shim'): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) {
    throw new Error('run with --expose-gc');
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Module = require('node:module') as { _load: (request: string, ...rest: unknown[]) => unknown };
  const originalLoad = Module._load;
  const vscode = stubVscode();
  Module._load = (request: string, ...rest: unknown[]) => (request === 'vscode' ? vscode : originalLoad(request, ...rest));

  const storage = fs.mkdtempSync(path.join(os.tmpdir(), 'core-load-'));
  const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as unknown;
  const context = {
    subscriptions: [],
    globalStorageUri: StubUri.file(path.join(storage, 'global')),
    storageUri: StubUri.file(path.join(storage, 'workspace')),
    logUri: StubUri.file(path.join(storage, 'log')),
    extensionUri: StubUri.file(path.join(__dirname, '..', '..')),
    extension: { packageJSON: manifest },
    secrets: { get: () => Promise.resolve(undefined), store: () => Promise.resolve(), delete: () => Promise.resolve(), onDidChange: emptyEventOf() },
    globalState: { get: () => undefined, update: () => Promise.resolve(), keys: () => [] },
    workspaceState: { get: () => undefined, update: () => Promise.resolve(), keys: () => [] },
  };
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const start = Number(process.hrtime.bigint()) / 1e6;
  let required = 0;
  const core = profiled(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const loaded = require(path.resolve(corePath)) as { createCore?: (context: unknown) => { dispose(): void } };
    required = Number(process.hrtime.bigint()) / 1e6;
    return mode === 'core' ? loaded.createCore?.(context) : undefined;
  });
  const created = Number(process.hrtime.bigint()) / 1e6;
  if (mode === 'core' && !core) {
    throw new Error(`${corePath} exports no createCore`);
  }
  gc();
  const sample: Sample = { requireMs: required - start, createMs: created - required, heapBytes: process.memoryUsage().heapUsed - heapBefore };
  // The core is kept alive until the heap is measured; then the process ends without waiting for its timers.
  core?.dispose();
  fs.rmSync(storage, { recursive: true, force: true });
  process.stdout.write(`${JSON.stringify(sample)}\n`);
  process.exit(0);
}

function emptyEventOf() {
  return () => ({ dispose: () => undefined });
}

function sampleOnce(file: string, mode: 'core' | 'shim'): Sample {
  const result = spawnSync(process.execPath, ['--expose-gc', __filename, '--child', mode, file], { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`sample failed (${result.status}): ${result.stderr.slice(-3000)}`);
  }
  return JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '') as Sample;
}

function stats(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const fmt = (v: number) => v.toFixed(1);
  return `min ${fmt(sorted[0])} · median ${fmt(sorted[Math.floor(sorted.length / 2)])} · max ${fmt(sorted[sorted.length - 1])}`;
}

function main(): void {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    child(args[2], args[1] === 'shim' ? 'shim' : 'core');
    return;
  }
  const corePath = args[0] ?? 'dist/core.js';
  const shimPath = path.join(path.dirname(corePath), 'extension.js');
  const core: Sample[] = [];
  const shim: Sample[] = [];
  // Interleaved, so a change in the machine's load falls on both sides.
  for (let i = 0; i < SAMPLES; i++) {
    shim.push(sampleOnce(shimPath, 'shim'));
    core.push(sampleOnce(corePath, 'core'));
  }
  const kb = (bytes: number) => bytes / 1024;
  console.log(`${corePath}: ${(fs.statSync(corePath).size / 1024).toFixed(1)} KB, ${SAMPLES} fresh processes each`);
  console.log(`  require core       ms  ${stats(core.map((s) => s.requireMs))}`);
  console.log(`  createCore         ms  ${stats(core.map((s) => s.createMs))}`);
  console.log(`  require + create   ms  ${stats(core.map((s) => s.requireMs + s.createMs))}`);
  console.log(`  heap after gc      KB  ${stats(core.map((s) => kb(s.heapBytes)))}`);
  console.log(`  baseline: require ${shimPath}  ms  ${stats(shim.map((s) => s.requireMs))} · heap KB ${stats(shim.map((s) => kb(s.heapBytes)))}`);
}

main();
