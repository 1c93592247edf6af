import { promises as fsp, readFileSync } from 'node:fs';
import * as path from 'node:path';

/*
 * A stand-in for the `vscode` module, enough for the product's activation, its core and a generation to run on
 * plain Node: the benchmarks time the product's own code without a VS Code around it. Windows, notifications and
 * the video panel are kept in memory; files go to the disk (workspace.fs is Node's fs); settings are the manifest's
 * defaults plus overrides; every command the product registers can be executed.
 *
 * `installVscodeStub()` makes `require('vscode')` answer with it for the rest of the process (the product's test
 * build and its bundle both require 'vscode' at run time).
 */

type Listener<T> = (value: T) => unknown;

export class StubDisposable {
  constructor(private readonly onDispose: () => void = () => undefined) {}

  static from(...items: Array<{ dispose(): unknown }>): StubDisposable {
    return new StubDisposable(() => items.forEach((item) => item.dispose()));
  }

  dispose(): void {
    this.onDispose();
  }
}

export class StubEventEmitter<T> {
  private listeners: Array<Listener<T>> = [];

  readonly event = (listener: Listener<T>, thisArg?: unknown, disposables?: StubDisposable[]): StubDisposable => {
    const bound: Listener<T> = thisArg === undefined ? listener : (value) => listener.call(thisArg, value);
    this.listeners.push(bound);
    const disposable = new StubDisposable(() => {
      this.listeners = this.listeners.filter((l) => l !== bound);
    });
    disposables?.push(disposable);
    return disposable;
  };

  fire(value: T): void {
    for (const listener of [...this.listeners]) {
      listener(value);
    }
  }

  dispose(): void {
    this.listeners = [];
  }
}

/** An event nothing ever fires. */
function never<T>(): (listener: Listener<T>) => StubDisposable {
  return () => new StubDisposable();
}

interface UriComponents {
  scheme: string;
  authority?: string;
  path?: string;
  query?: string;
  fragment?: string;
}

export class StubUri {
  readonly authority: string;
  readonly path: string;
  readonly query: string;
  readonly fragment: string;

  private constructor(readonly scheme: string, authority: string, uriPath: string, query: string, fragment: string) {
    this.authority = authority;
    this.path = uriPath;
    this.query = query;
    this.fragment = fragment;
  }

  static parse(value: string): StubUri {
    const match = /^([a-zA-Z][\w+.-]*):(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/.exec(value);
    if (!match) {
      throw new Error(`[UriError]: cannot parse ${value}`);
    }
    return new StubUri(match[1].toLowerCase(), match[2] ?? '', decodeURIComponentSafe(match[3] || '/'), match[4] ?? '', match[5] ?? '');
  }

  static file(fsPath: string): StubUri {
    return new StubUri('file', '', path.resolve(fsPath).split(path.sep).join('/'), '', '');
  }

  static from(components: UriComponents): StubUri {
    return new StubUri(components.scheme, components.authority ?? '', components.path ?? '', components.query ?? '', components.fragment ?? '');
  }

  static joinPath(base: StubUri, ...segments: string[]): StubUri {
    return base.with({ path: path.posix.join(base.path || '/', ...segments) });
  }

  get fsPath(): string {
    return this.path.split('/').join(path.sep);
  }

  with(change: Partial<UriComponents>): StubUri {
    return new StubUri(
      change.scheme ?? this.scheme,
      change.authority ?? this.authority,
      change.path ?? this.path,
      change.query ?? this.query,
      change.fragment ?? this.fragment,
    );
  }

  toString(skipEncoding = false): string {
    const encode = skipEncoding ? (text: string) => text : (text: string) => encodeURI(text);
    return `${this.scheme}:${this.authority !== '' || this.scheme === 'file' || /^https?$/.test(this.scheme) ? `//${this.authority}` : ''}`
      + `${encode(this.path)}${this.query ? `?${this.query}` : ''}${this.fragment ? `#${this.fragment}` : ''}`;
  }

  toJSON(): UriComponents {
    return { scheme: this.scheme, authority: this.authority, path: this.path, query: this.query, fragment: this.fragment };
  }
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

class StubPosition {
  constructor(readonly line: number, readonly character: number) {}
}

class StubRange {
  readonly start: StubPosition;
  readonly end: StubPosition;

  constructor(start: StubPosition | number, end: StubPosition | number, endLine?: number, endCharacter?: number) {
    if (typeof start === 'number' && typeof end === 'number') {
      this.start = new StubPosition(start, end);
      this.end = new StubPosition(endLine ?? start, endCharacter ?? end);
    } else {
      this.start = start as StubPosition;
      this.end = end as StubPosition;
    }
  }

  get isEmpty(): boolean {
    return this.start.line === this.end.line && this.start.character === this.end.character;
  }
}

class StubSelection extends StubRange {
  constructor(readonly anchor: StubPosition, readonly active: StubPosition) {
    super(anchor, active);
  }
}

class StubCodeActionKind {
  static readonly QuickFix = new StubCodeActionKind('quickfix');
  constructor(readonly value: string) {}
  intersects(other: StubCodeActionKind): boolean {
    return this.value.startsWith(other.value) || other.value.startsWith(this.value);
  }
}

class StubThemeIcon {
  constructor(readonly id: string, readonly color?: StubThemeColor) {}
}

class StubThemeColor {
  constructor(readonly id: string) {}
}

class StubTreeItem {
  id: string | undefined;
  description: string | undefined;
  tooltip: unknown;
  iconPath: unknown;
  contextValue: string | undefined;
  command: unknown;
  accessibilityInformation: unknown;
  constructor(readonly label: string, readonly collapsibleState = 0) {}
}

class StubMarkdownString {
  constructor(public value = '', readonly supportThemeIcons = false) {}
  appendText(text: string): this {
    this.value += text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
    return this;
  }
  appendMarkdown(text: string): this {
    this.value += text;
    return this;
  }
}

class StubDiagnostic {
  constructor(readonly range: StubRange, readonly message: string, readonly severity = 0) {}
}

class StubCodeLens {
  constructor(readonly range: StubRange, readonly command?: unknown) {}
}

class StubCodeAction {
  edit: unknown;
  diagnostics: unknown;
  isPreferred: boolean | undefined;
  constructor(readonly title: string, readonly kind?: StubCodeActionKind) {}
}

class StubWorkspaceEdit {
  readonly edits: Array<{ uri: StubUri; range: StubRange; text: string }> = [];
  replace(uri: StubUri, range: StubRange, text: string): void {
    this.edits.push({ uri, range, text });
  }
}

class StubTabInput {
  constructor(readonly uri?: StubUri, readonly viewType?: string) {}
}

/** A text document over a string, enough for selections and the parameter-file checks. */
export class StubTextDocument {
  readonly version = 1;
  readonly languageId: string;
  private readonly lineStarts: number[];

  constructor(readonly uri: StubUri, private readonly text: string, languageId = 'plaintext') {
    this.languageId = languageId;
    this.lineStarts = [0];
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) === 10) {
        this.lineStarts.push(i + 1);
      }
    }
  }

  get fileName(): string {
    return this.uri.fsPath;
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }

  offsetAt(position: StubPosition): number {
    return Math.min(this.text.length, (this.lineStarts[position.line] ?? this.text.length) + position.character);
  }

  positionAt(offset: number): StubPosition {
    let line = 0;
    while (line + 1 < this.lineStarts.length && this.lineStarts[line + 1] <= offset) {
      line++;
    }
    return new StubPosition(line, offset - this.lineStarts[line]);
  }

  getText(range?: StubRange): string {
    return range ? this.text.slice(this.offsetAt(range.start), this.offsetAt(range.end)) : this.text;
  }
}

export class StubTextEditor {
  readonly selections: StubSelection[];
  constructor(readonly document: StubTextDocument, selection?: { start: number; end: number }) {
    const start = document.positionAt(selection?.start ?? 0);
    const end = document.positionAt(selection?.end ?? document.getText().length);
    this.selections = [new StubSelection(start, end)];
  }
  get selection(): StubSelection {
    return this.selections[0];
  }
  revealRange(): void {}
}

export const WEBVIEW_CSP_SOURCE = 'https://file+.vscode-resource.vscode-cdn.net';

export class StubWebview {
  options: unknown;
  readonly cspSource = WEBVIEW_CSP_SOURCE;
  private htmlText = '';
  readonly posted: unknown[] = [];
  private readonly received = new StubEventEmitter<unknown>();
  readonly onDidReceiveMessage = this.received.event;

  constructor(options: unknown, private readonly onContent: () => void) {
    this.options = options;
  }

  get html(): string {
    return this.htmlText;
  }

  set html(value: string) {
    this.htmlText = value;
    this.onContent();
    // The panel's script loads and says it is ready (the product then posts what it shows next).
    setImmediate(() => this.received.fire({ type: 'ready' }));
  }

  asWebviewUri(uri: StubUri): StubUri {
    return StubUri.parse(`${WEBVIEW_CSP_SOURCE}${uri.path}`);
  }

  postMessage(message: unknown): Promise<boolean> {
    this.posted.push(message);
    this.onContent();
    return Promise.resolve(true);
  }

  /** What the webview's script posting a message looks like to the extension. */
  receive(message: unknown): void {
    this.received.fire(message);
  }
}

export class StubWebviewPanel {
  title: string;
  iconPath: unknown;
  visible = true;
  active = true;
  readonly viewColumn = 2;
  readonly webview: StubWebview;
  private readonly viewState = new StubEventEmitter<unknown>();
  private readonly disposedEmitter = new StubEventEmitter<void>();
  readonly onDidChangeViewState = this.viewState.event;
  readonly onDidDispose = this.disposedEmitter.event;
  private disposed = false;

  constructor(readonly viewType: string, title: string, options: unknown, onContent: (panel: StubWebviewPanel) => void) {
    this.title = title;
    this.webview = new StubWebview(options, () => onContent(this));
  }

  reveal(): void {
    this.visible = true;
  }

  dispose(): void {
    if (!this.disposed) {
      this.disposed = true;
      this.disposedEmitter.fire();
    }
  }
}

class StubOutputChannel {
  readonly lines: string[] = [];
  readonly logLevel = 2;
  readonly onDidChangeLogLevel = never<number>();
  constructor(readonly name: string, private readonly echo: boolean) {}
  private write(level: string, message: string): void {
    this.lines.push(`${level} ${message}`);
    if (this.lines.length > 2000) {
      this.lines.splice(0, 1000);
    }
    if (this.echo) {
      process.stderr.write(`[${this.name}] ${level} ${message}\n`);
    }
  }
  trace(message: string): void { this.write('trace', message); }
  debug(message: string): void { this.write('debug', message); }
  info(message: string): void { this.write('info', message); }
  warn(message: string): void { this.write('warn', message); }
  error(message: string | Error): void { this.write('error', String(message)); }
  append(text: string): void { this.write('', text); }
  appendLine(text: string): void { this.write('', text); }
  replace(text: string): void { this.write('', text); }
  clear(): void {}
  show(): void {}
  hide(): void {}
  dispose(): void {}
}

class StubStatusBarItem {
  text = '';
  tooltip: unknown;
  command: unknown;
  name: string | undefined;
  backgroundColor: unknown;
  constructor(readonly id: string, readonly alignment: number, readonly priority: number) {}
  show(): void {}
  hide(): void {}
  dispose(): void {}
}

class StubTreeView {
  readonly visible = true;
  description: string | undefined;
  message: string | undefined;
  title: string | undefined;
  readonly selection: string[] = [];
  readonly onDidChangeVisibility = never<unknown>();
  readonly onDidChangeSelection = never<unknown>();
  readonly onDidExpandElement = never<unknown>();
  readonly onDidCollapseElement = never<unknown>();
  constructor(readonly provider: unknown) {}
  reveal(): Promise<void> {
    return Promise.resolve();
  }
  dispose(): void {}
}

class StubDiagnosticCollection {
  private readonly byUri = new Map<string, unknown[]>();
  constructor(readonly name: string) {}
  set(uri: StubUri, diagnostics: unknown[] | undefined): void {
    this.byUri.set(uri.toString(), diagnostics ?? []);
  }
  get(uri: StubUri): unknown[] | undefined {
    return this.byUri.get(uri.toString());
  }
  delete(uri: StubUri): void {
    this.byUri.delete(uri.toString());
  }
  clear(): void {
    this.byUri.clear();
  }
  forEach(callback: (uri: StubUri, diagnostics: unknown[]) => void): void {
    this.byUri.forEach((diagnostics, key) => callback(StubUri.parse(key), diagnostics));
  }
  dispose(): void {}
}

/** What a notification, input box or quick pick looked like, and how the stub answered it. */
export interface ShownMessage {
  kind: 'info' | 'warning' | 'error' | 'input' | 'pick';
  message: string;
  actions: string[];
}

export interface StubControl {
  /** The stub module itself, as `require('vscode')` returns it. */
  readonly module: Record<string, unknown>;
  /** Setting overrides by full name (e.g. `animateDiff.batch.concurrency`); the manifest's defaults otherwise. */
  readonly settings: Map<string, unknown>;
  readonly panels: StubWebviewPanel[];
  readonly messages: ShownMessage[];
  readonly commands: Map<string, (...args: unknown[]) => unknown>;
  /** How notifications and questions are answered (default: dismissed). */
  answer: (shown: ShownMessage) => string | undefined;
  /** What the save dialog returns. */
  saveDialogAnswer: StubUri | undefined;
  activeTextEditor: StubTextEditor | undefined;
  workspaceFolders: Array<{ uri: StubUri; name: string; index: number }> | undefined;
  /** Called whenever a webview's HTML is set or a message is posted to it. */
  onWebviewContent: ((panel: StubWebviewPanel) => void) | undefined;
  /** An extension context for `activate` or the core. */
  context(folders: { extensionPath: string; globalStorage: string; workspaceStorage?: string; logs: string }): StubExtensionContext;
}

export interface StubExtensionContext {
  readonly subscriptions: Array<{ dispose(): unknown }>;
  readonly extensionUri: StubUri;
  readonly extensionPath: string;
  readonly globalStorageUri: StubUri;
  readonly storageUri: StubUri | undefined;
  readonly logUri: StubUri;
  readonly secrets: {
    get(key: string): Promise<string | undefined>;
    store(key: string, value: string): Promise<void>;
    delete(key: string): Promise<void>;
    onDidChange: (listener: Listener<{ key: string }>) => StubDisposable;
  };
  readonly extension: { packageJSON: unknown; id: string; extensionUri: StubUri };
}

interface ManifestProperty {
  default?: unknown;
}

function manifestDefaults(packageJson: { contributes?: { configuration?: { properties?: Record<string, ManifestProperty> } } }): Map<string, unknown> {
  return new Map(Object.entries(packageJson.contributes?.configuration?.properties ?? {}).map(([name, property]) => [name, property.default]));
}

function findRepoRoot(): string {
  let dir = __dirname;
  for (;;) {
    try {
      const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (manifest.name === 'animatediff-turbo') {
        return dir;
      }
    } catch {
      // not here
    }
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new Error(`package.json of animatediff-turbo not found above ${__dirname}`);
    }
    dir = parent;
  }
}

export const REPO_ROOT = findRepoRoot();

let installed: StubControl | undefined;

/** Makes `require('vscode')` answer with the stub in this process (once; later calls return the same control). */
export function installVscodeStub(): StubControl {
  if (installed) {
    return installed;
  }
  const packageJson = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as Parameters<typeof manifestDefaults>[0];
  const defaults = manifestDefaults(packageJson);
  const echoLog = process.env.BENCH_ECHO_LOG === '1';
  const configurationChanged = new StubEventEmitter<unknown>();

  const control: StubControl = {
    module: {},
    settings: new Map(),
    panels: [],
    messages: [],
    commands: new Map(),
    answer: () => undefined,
    saveDialogAnswer: undefined,
    activeTextEditor: undefined,
    workspaceFolders: undefined,
    onWebviewContent: undefined,
    context: (folders) => {
      const secrets = new Map<string, string>();
      const secretChanged = new StubEventEmitter<{ key: string }>();
      const extensionUri = StubUri.file(folders.extensionPath);
      return {
        subscriptions: [],
        extensionUri,
        extensionPath: folders.extensionPath,
        globalStorageUri: StubUri.file(folders.globalStorage),
        storageUri: folders.workspaceStorage ? StubUri.file(folders.workspaceStorage) : undefined,
        logUri: StubUri.file(folders.logs),
        secrets: {
          get: (key) => Promise.resolve(secrets.get(key)),
          store: (key, value) => {
            secrets.set(key, value);
            secretChanged.fire({ key });
            return Promise.resolve();
          },
          delete: (key) => {
            secrets.delete(key);
            secretChanged.fire({ key });
            return Promise.resolve();
          },
          onDidChange: secretChanged.event,
        },
        extension: { packageJSON: packageJson, id: 'animatediff-vscode.animatediff-turbo', extensionUri },
      };
    },
  };

  const show = (kind: ShownMessage['kind'], message: string, rest: unknown[]): Promise<string | undefined> => {
    const actions = rest.filter((item): item is string => typeof item === 'string');
    const shown = { kind, message, actions };
    control.messages.push(shown);
    if (process.env.BENCH_ECHO_LOG === '1') {
      process.stderr.write(`[vscode ${kind}] ${message}\n`);
    }
    return Promise.resolve(control.answer(shown));
  };

  const relativeTo = (uri: StubUri): string => {
    const folder = control.workspaceFolders?.find((f) => uri.path.startsWith(`${f.uri.path}/`));
    return folder ? uri.path.slice(folder.uri.path.length + 1) : uri.fsPath;
  };

  const fsOf = {
    readFile: async (uri: StubUri) => new Uint8Array(await fsp.readFile(uri.fsPath)),
    writeFile: (uri: StubUri, content: Uint8Array) => fsp.writeFile(uri.fsPath, content),
    createDirectory: async (uri: StubUri) => {
      await fsp.mkdir(uri.fsPath, { recursive: true });
    },
    delete: (uri: StubUri, options?: { recursive?: boolean }) => fsp.rm(uri.fsPath, { recursive: options?.recursive ?? false }),
    rename: (from: StubUri, to: StubUri) => fsp.rename(from.fsPath, to.fsPath),
    copy: (from: StubUri, to: StubUri) => fsp.copyFile(from.fsPath, to.fsPath),
    stat: async (uri: StubUri) => {
      const stat = await fsp.stat(uri.fsPath).catch((error: unknown) => {
        throw Object.assign(new Error(`EntryNotFound (FileSystemError): ${uri.toString()}`), { code: 'FileNotFound', cause: error });
      });
      return { type: stat.isDirectory() ? 2 : 1, size: stat.size, ctime: stat.ctimeMs, mtime: stat.mtimeMs };
    },
    readDirectory: async (uri: StubUri) => (await fsp.readdir(uri.fsPath, { withFileTypes: true })).map((e) => [e.name, e.isDirectory() ? 2 : 1] as const),
  };

  const module: Record<string, unknown> = {
    Uri: StubUri,
    EventEmitter: StubEventEmitter,
    Disposable: StubDisposable,
    Position: StubPosition,
    Range: StubRange,
    Selection: StubSelection,
    ThemeIcon: StubThemeIcon,
    ThemeColor: StubThemeColor,
    TreeItem: StubTreeItem,
    MarkdownString: StubMarkdownString,
    Diagnostic: StubDiagnostic,
    CodeLens: StubCodeLens,
    CodeAction: StubCodeAction,
    CodeActionKind: StubCodeActionKind,
    WorkspaceEdit: StubWorkspaceEdit,
    TabInputText: StubTabInput,
    TabInputTextDiff: StubTabInput,
    TabInputWebview: StubTabInput,
    TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
    DiagnosticSeverity: { Error: 0, Warning: 1, Information: 2, Hint: 3 },
    StatusBarAlignment: { Left: 1, Right: 2 },
    ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
    ViewColumn: { Active: -1, Beside: -2, One: 1, Two: 2, Three: 3 },
    UIKind: { Desktop: 1, Web: 2 },
    FileType: { Unknown: 0, File: 1, Directory: 2, SymbolicLink: 64 },
    TextEditorRevealType: { Default: 0, InCenter: 1, InCenterIfOutsideViewport: 2, AtTop: 3 },
    LogLevel: { Off: 0, Trace: 1, Debug: 2, Info: 3, Warning: 4, Error: 5 },
    l10n: {
      t: (message: string, ...args: unknown[]) => message.replace(/\{(\d+)\}/g, (whole, index: string) => (args[Number(index)] === undefined ? whole : String(args[Number(index)]))),
    },
    env: {
      language: 'en',
      remoteName: undefined,
      uiKind: 1,
      appName: 'Visual Studio Code (stub)',
      clipboard: { writeText: () => Promise.resolve(), readText: () => Promise.resolve('') },
      openExternal: () => Promise.resolve(true),
    },
    commands: {
      registerCommand: (id: string, handler: (...args: unknown[]) => unknown) => {
        control.commands.set(id, handler);
        return new StubDisposable(() => control.commands.delete(id));
      },
      executeCommand: (id: string, ...args: unknown[]) => {
        const handler = control.commands.get(id);
        return Promise.resolve(handler ? handler(...args) : undefined);
      },
    },
    window: {
      get activeTextEditor() {
        return control.activeTextEditor;
      },
      visibleTextEditors: [],
      state: { focused: true, active: true },
      tabGroups: { all: [], onDidChangeTabs: never<unknown>(), onDidChangeTabGroups: never<unknown>() },
      onDidChangeWindowState: never<unknown>(),
      onDidChangeActiveTextEditor: never<unknown>(),
      onDidChangeVisibleTextEditors: never<unknown>(),
      createOutputChannel: (name: string) => new StubOutputChannel(name, echoLog),
      createStatusBarItem: (id: string, alignment: number, priority: number) => new StubStatusBarItem(id, alignment, priority),
      createTreeView: (_id: string, options: { treeDataProvider: unknown }) => new StubTreeView(options.treeDataProvider),
      registerWebviewPanelSerializer: () => new StubDisposable(),
      registerTreeDataProvider: () => new StubDisposable(),
      createWebviewPanel: (viewType: string, title: string, _showOptions: unknown, options: unknown) => {
        const panel = new StubWebviewPanel(viewType, title, options, (changed) => control.onWebviewContent?.(changed));
        control.panels.push(panel);
        return panel;
      },
      withProgress: <T>(_options: unknown, task: (progress: { report(value: unknown): void }, token: unknown) => Promise<T>) => {
        const cancelled = new StubEventEmitter<void>();
        return task({ report: () => undefined }, { isCancellationRequested: false, onCancellationRequested: cancelled.event });
      },
      showInformationMessage: (message: string, ...rest: unknown[]) => show('info', message, rest),
      showWarningMessage: (message: string, ...rest: unknown[]) => show('warning', message, rest),
      showErrorMessage: (message: string, ...rest: unknown[]) => show('error', message, rest),
      showInputBox: (options: { prompt?: string }) => show('input', options.prompt ?? '', []),
      showQuickPick: (_items: unknown, options: { placeHolder?: string }) => show('pick', options?.placeHolder ?? '', []),
      showSaveDialog: () => Promise.resolve(control.saveDialogAnswer),
      showOpenDialog: () => Promise.resolve(undefined),
      showTextDocument: (document: unknown) => Promise.resolve(document instanceof StubTextDocument ? new StubTextEditor(document) : undefined),
    },
    workspace: {
      get workspaceFolders() {
        return control.workspaceFolders;
      },
      get isTrusted() {
        return true;
      },
      name: 'bench',
      textDocuments: [],
      fs: fsOf,
      getConfiguration: (section?: string) => {
        const full = (name: string) => (section ? `${section}.${name}` : name);
        return {
          get: <T>(name: string, fallback?: T): T | undefined => {
            const key = full(name);
            const value = control.settings.has(key) ? control.settings.get(key) : defaults.get(key);
            return (value === undefined ? fallback : value) as T | undefined;
          },
          has: (name: string) => control.settings.has(full(name)) || defaults.has(full(name)),
          inspect: (name: string) => ({ key: full(name), defaultValue: defaults.get(full(name)), globalValue: control.settings.get(full(name)) }),
          update: (name: string, value: unknown) => {
            control.settings.set(full(name), value);
            configurationChanged.fire({ affectsConfiguration: (prefix: string) => full(name).startsWith(prefix) });
            return Promise.resolve();
          },
        };
      },
      onDidChangeConfiguration: configurationChanged.event,
      onDidOpenTextDocument: never<unknown>(),
      onDidChangeTextDocument: never<unknown>(),
      onDidCloseTextDocument: never<unknown>(),
      onDidSaveTextDocument: never<unknown>(),
      onDidChangeWorkspaceFolders: never<unknown>(),
      onDidGrantWorkspaceTrust: never<unknown>(),
      getWorkspaceFolder: (uri: StubUri) => control.workspaceFolders?.find((f) => uri.path === f.uri.path || uri.path.startsWith(`${f.uri.path}/`)),
      asRelativePath: (target: StubUri | string) => (typeof target === 'string' ? target : relativeTo(target)),
      openTextDocument: async (target: StubUri) => {
        const text = target.scheme === 'file' ? await fsp.readFile(target.fsPath, 'utf8') : '';
        return new StubTextDocument(target, text, target.path.endsWith('.json') ? 'json' : 'plaintext');
      },
      createFileSystemWatcher: () => ({
        onDidCreate: never<StubUri>(),
        onDidChange: never<StubUri>(),
        onDidDelete: never<StubUri>(),
        dispose: () => undefined,
      }),
      registerTextDocumentContentProvider: () => new StubDisposable(),
    },
    languages: {
      createDiagnosticCollection: (name: string) => new StubDiagnosticCollection(name),
      registerCodeLensProvider: () => new StubDisposable(),
      registerCodeActionsProvider: () => new StubDisposable(),
      setTextDocumentLanguage: (document: unknown) => Promise.resolve(document),
    },
  };
  Object.assign(control.module, module);

  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Module = require('node:module') as {
    _resolveFilename: (request: string, ...rest: unknown[]) => string;
    _cache: Record<string, unknown>;
  };
  const stubPath = path.join(__dirname, '__vscode_stub__.js');
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]) {
    return request === 'vscode' ? stubPath : resolve.call(this, request, ...rest);
  };
  Module._cache[stubPath] = { id: stubPath, filename: stubPath, loaded: true, exports: control.module, children: [], paths: [] };
  installed = control;
  return control;
}
