import { promises as fsp } from 'node:fs';
import * as path from 'node:path';

/**
 * The parts of the `vscode` API the fault matrix reaches (the generation service, the history, the parameter-file
 * runner, the video panel and the Problems panel), on Node. Everything a real VS Code would show — notifications
 * aside, which go through the product's `Interaction` — is recorded in {@link outbound}, so a case can prove the key
 * is in none of it. {@link loadWithFakeVscode} loads product modules against this fake in a module graph of their
 * own, so no other test file sees it or shares a module instance with it.
 */

type Listener<T> = (value: T) => unknown;

export class FakeDisposable {
  constructor(private readonly onDispose: () => void = () => undefined) {}

  static from(...items: Array<{ dispose(): unknown }>): FakeDisposable {
    return new FakeDisposable(() => items.forEach((item) => item.dispose()));
  }

  dispose(): void {
    this.onDispose();
  }
}

export class FakeEventEmitter<T> {
  private listeners: Array<Listener<T>> = [];
  readonly event = (listener: Listener<T>): FakeDisposable => {
    this.listeners.push(listener);
    return new FakeDisposable(() => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    });
  };

  fire(value: T): void {
    [...this.listeners].forEach((listener) => listener(value));
  }

  dispose(): void {
    this.listeners = [];
  }
}

/** An event nothing ever fires (the editor's document and tab events: the matrix opens no editors). */
function quietEvent(): (listener: unknown) => FakeDisposable {
  return () => new FakeDisposable();
}

export class FakeUri {
  private constructor(
    readonly scheme: string,
    readonly authority: string,
    readonly path: string,
    readonly query: string,
    readonly fragment: string,
  ) {}

  static parse(value: string): FakeUri {
    const url = new URL(value);
    return new FakeUri(url.protocol.slice(0, -1), url.host, decodeURIComponent(url.pathname), url.search.slice(1), url.hash.slice(1));
  }

  static file(fsPath: string): FakeUri {
    return new FakeUri('file', '', path.posix.normalize(fsPath), '', '');
  }

  static joinPath(base: FakeUri, ...segments: string[]): FakeUri {
    return base.with({ path: path.posix.join(base.path, ...segments) });
  }

  get fsPath(): string {
    return this.path;
  }

  with(change: { scheme?: string; authority?: string; path?: string; query?: string; fragment?: string }): FakeUri {
    return new FakeUri(
      change.scheme ?? this.scheme,
      change.authority ?? this.authority,
      change.path ?? this.path,
      change.query ?? this.query,
      change.fragment ?? this.fragment,
    );
  }

  toString(): string {
    const authority = this.authority || this.scheme === 'file' ? `//${this.authority}` : '';
    return `${this.scheme}:${authority}${encodeURI(this.path)}${this.query ? `?${this.query}` : ''}${this.fragment ? `#${this.fragment}` : ''}`;
  }

  toJSON(): string {
    return this.toString();
  }
}

export class FakePosition {
  constructor(readonly line: number, readonly character: number) {}

  compareTo(other: FakePosition): number {
    return this.line - other.line || this.character - other.character;
  }

  isEqual(other: FakePosition): boolean {
    return this.compareTo(other) === 0;
  }
}

export class FakeRange {
  constructor(readonly start: FakePosition, readonly end: FakePosition) {}

  isEqual(other: FakeRange): boolean {
    return this.start.isEqual(other.start) && this.end.isEqual(other.end);
  }
}

export class FakeDiagnostic {
  source: string | undefined;
  code: string | number | undefined;
  constructor(readonly range: FakeRange, readonly message: string, readonly severity: number) {}
}

/** Tab inputs: the matrix opens no tabs, but the Problems panel checks tabs with `instanceof`. */
export class FakeTabInputText {
  constructor(readonly uri: FakeUri) {}
}
export class FakeTabInputTextDiff {
  constructor(readonly original: FakeUri, readonly modified: FakeUri) {}
}

/** Whatever left the extension as text, in the order it left (webviews, Problems panel, progress, titles…). */
export interface OutboundText {
  channel: 'webview' | 'panelTitle' | 'diagnostic' | 'progress' | 'command' | 'openExternal';
  text: string;
}

export const outbound: OutboundText[] = [];

function say(channel: OutboundText['channel'], value: unknown): void {
  outbound.push({ channel, text: typeof value === 'string' ? value : JSON.stringify(value) ?? String(value) });
}

class FakeWebview {
  private optionsValue: unknown;
  private htmlValue = '';
  readonly cspSource = 'https://fake.vscode-cdn.net';
  private readonly received = new FakeEventEmitter<unknown>();
  readonly onDidReceiveMessage = this.received.event;

  get options(): unknown {
    return this.optionsValue;
  }

  set options(value: unknown) {
    this.optionsValue = value;
  }

  get html(): string {
    return this.htmlValue;
  }

  set html(value: string) {
    this.htmlValue = value;
    say('webview', value);
  }

  asWebviewUri(uri: FakeUri): FakeUri {
    return FakeUri.parse(`${this.cspSource}/${uri.scheme}${uri.path}`);
  }

  postMessage(message: unknown): Promise<boolean> {
    say('webview', message);
    return Promise.resolve(true);
  }
}

class FakeWebviewPanel {
  private titleValue: string;
  iconPath: unknown;
  readonly visible = true;
  readonly webview = new FakeWebview();
  private readonly disposed = new FakeEventEmitter<void>();
  readonly onDidDispose = this.disposed.event;
  readonly onDidChangeViewState = quietEvent();

  constructor(readonly viewType: string, title: string, options: unknown) {
    this.titleValue = title;
    this.webview.options = options;
    say('panelTitle', title);
  }

  get title(): string {
    return this.titleValue;
  }

  set title(value: string) {
    this.titleValue = value;
    say('panelTitle', value);
  }

  reveal(): void {
    // Always visible.
  }

  dispose(): void {
    this.disposed.fire();
    this.disposed.dispose();
  }
}

class FakeDiagnosticCollection {
  private readonly byUri = new Map<string, FakeDiagnostic[]>();
  constructor(readonly name: string) {}

  set(uri: FakeUri, diagnostics: readonly FakeDiagnostic[]): void {
    this.byUri.set(uri.toString(), [...diagnostics]);
    diagnostics.forEach((diagnostic) => say('diagnostic', diagnostic.message));
  }

  get(uri: FakeUri): FakeDiagnostic[] {
    return this.byUri.get(uri.toString()) ?? [];
  }

  delete(uri: FakeUri): void {
    this.byUri.delete(uri.toString());
  }

  clear(): void {
    this.byUri.clear();
  }

  dispose(): void {
    this.byUri.clear();
  }
}

const FILE_TYPE = { Unknown: 0, File: 1, Directory: 2, SymbolicLink: 64 } as const;

/** Settings of the `animateDiff` section the matrix runs with (the same for every case). */
export const settings = new Map<string, unknown>();

/** The workspace folders of the cases running now. */
const folders = new Map<string, { uri: FakeUri; name: string; index: number }>();

export function addWorkspaceFolder(fsPath: string): void {
  folders.set(fsPath, { uri: FakeUri.file(fsPath), name: path.basename(fsPath), index: folders.size });
}

export function removeWorkspaceFolder(fsPath: string): void {
  folders.delete(fsPath);
}

function folderOf(uri: FakeUri): { uri: FakeUri; name: string; index: number } | undefined {
  return [...folders.values()].find((folder) => uri.scheme === 'file' && (uri.path === folder.uri.path || uri.path.startsWith(`${folder.uri.path}/`)));
}

export const fakeVscode = {
  Disposable: FakeDisposable,
  EventEmitter: FakeEventEmitter,
  Uri: FakeUri,
  Position: FakePosition,
  Range: FakeRange,
  Diagnostic: FakeDiagnostic,
  DiagnosticSeverity: { Error: 0, Warning: 1, Information: 2, Hint: 3 },
  TabInputText: FakeTabInputText,
  TabInputTextDiff: FakeTabInputTextDiff,
  ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
  FileType: FILE_TYPE,
  ViewColumn: { Active: -1, Beside: -2, One: 1, Two: 2 },
  UIKind: { Desktop: 1, Web: 2 },
  l10n: {
    t: (message: string, ...args: unknown[]) => message.replace(/\{(\d+)\}/g, (placeholder, index: string) => (args[Number(index)] === undefined ? placeholder : String(args[Number(index)]))),
  },
  env: {
    language: 'en',
    remoteName: undefined,
    uiKind: 1,
    openExternal: (uri: FakeUri): Promise<boolean> => {
      say('openExternal', uri.toString());
      return Promise.resolve(true);
    },
  },
  commands: {
    executeCommand: (command: string, ...args: unknown[]): Promise<undefined> => {
      say('command', [command, ...args.map((arg) => (arg instanceof FakeUri ? arg.toString() : arg))]);
      return Promise.resolve(undefined);
    },
  },
  languages: {
    createDiagnosticCollection: (name: string) => new FakeDiagnosticCollection(name),
  },
  window: {
    tabGroups: { all: [], onDidChangeTabs: quietEvent() },
    createWebviewPanel: (viewType: string, title: string, _showOptions: unknown, options: unknown) => new FakeWebviewPanel(viewType, title, options),
    withProgress: <R>(
      options: { title?: string },
      task: (progress: { report(value: { message?: string }): void }, token: { isCancellationRequested: boolean; onCancellationRequested: (listener: unknown) => FakeDisposable }) => Promise<R>,
    ): Promise<R> => {
      say('progress', options.title ?? '');
      return task({ report: (value) => say('progress', value.message ?? '') }, { isCancellationRequested: false, onCancellationRequested: quietEvent() });
    },
    showTextDocument: (): Promise<undefined> => Promise.resolve(undefined),
  },
  workspace: {
    isTrusted: true,
    textDocuments: [],
    get workspaceFolders() {
      return [...folders.values()];
    },
    getWorkspaceFolder: (uri: FakeUri) => folderOf(uri),
    asRelativePath: (uri: FakeUri | string): string => {
      const target = typeof uri === 'string' ? FakeUri.file(uri) : uri;
      const folder = folderOf(target);
      return folder ? path.posix.relative(folder.uri.path, target.path) : target.path;
    },
    getConfiguration: () => ({ get: <T>(name: string): T | undefined => settings.get(name) as T | undefined }),
    onDidOpenTextDocument: quietEvent(),
    onDidChangeTextDocument: quietEvent(),
    onDidCloseTextDocument: quietEvent(),
    createFileSystemWatcher: () => ({ onDidCreate: quietEvent(), onDidChange: quietEvent(), onDidDelete: quietEvent(), dispose: () => undefined }),
    fs: {
      readFile: async (uri: FakeUri): Promise<Uint8Array> => new Uint8Array(await fsp.readFile(uri.fsPath)),
      stat: async (uri: FakeUri) => {
        const stat = await fsp.stat(uri.fsPath);
        return { type: stat.isDirectory() ? FILE_TYPE.Directory : FILE_TYPE.File, size: stat.size, ctime: stat.ctimeMs, mtime: stat.mtimeMs };
      },
      createDirectory: async (uri: FakeUri): Promise<void> => {
        await fsp.mkdir(uri.fsPath, { recursive: true });
      },
    },
  },
};

/** `require` of the module system, with the two internals the loader needs. */
interface ModuleSystem {
  _resolveFilename: (request: string, ...rest: unknown[]) => string;
  _cache: Record<string, unknown>;
}

/**
 * Loads the modules at the absolute `modulePaths` with `require('vscode')` answered by {@link fakeVscode}, in a
 * module graph of their own: the product modules other test files loaded (some with fakes of their own) are set
 * aside meanwhile and put back after, so the modules loaded here share one fresh instance of each product module
 * (one secrets registry among them) and no other test shares theirs.
 */
export function loadWithFakeVscode<T extends Record<string, unknown>>(productRoot: string, modulePaths: { [K in keyof T]: string }): T {
  const fakePath = path.join(__dirname, '__fault_matrix_vscode__.js');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Module = require('node:module') as ModuleSystem;
  const cache = Module._cache;
  const isProduct = (file: string) => file.startsWith(`${productRoot}${path.sep}`);
  const setAside = Object.keys(cache).filter(isProduct).map((file) => [file, cache[file]] as const);
  setAside.forEach(([file]) => delete cache[file]);
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]) {
    return request === 'vscode' ? fakePath : resolve.call(this, request, ...rest);
  };
  cache[fakePath] = { id: fakePath, filename: fakePath, loaded: true, exports: fakeVscode, children: [] };
  try {
    const loaded: Record<string, unknown> = {};
    for (const [name, modulePath] of Object.entries(modulePaths)) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      loaded[name] = require(modulePath as string);
    }
    return loaded as T;
  } finally {
    Module._resolveFilename = resolve;
    delete cache[fakePath];
    Object.keys(cache).filter(isProduct).forEach((file) => delete cache[file]);
    setAside.forEach(([file, module]) => {
      cache[file] = module;
    });
  }
}
