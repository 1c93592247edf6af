import * as path from 'node:path';

/**
 * An in-memory stand-in for the parts of the `vscode` API the video panel manager uses, so its logic is
 * tested on Node. `requireWithFakeVscode()` loads a module with `require('vscode')` answered by it.
 */

type Listener<T> = (value: T) => unknown;

export class FakeEventEmitter<T> {
  private listeners: Array<Listener<T>> = [];
  readonly event = (listener: Listener<T>) => {
    this.listeners.push(listener);
    return { dispose: () => (this.listeners = this.listeners.filter((l) => l !== listener)) };
  };
  fire(value: T): void {
    [...this.listeners].forEach((listener) => listener(value));
  }
  dispose(): void {
    this.listeners = [];
  }
}

export class FakeUri {
  private constructor(
    readonly scheme: string,
    readonly authority: string,
    readonly path: string,
    readonly query: string,
  ) {}

  static parse(value: string): FakeUri {
    const url = new URL(value);
    return new FakeUri(url.protocol.slice(0, -1), url.host, decodeURIComponent(url.pathname), url.search.slice(1));
  }

  static file(fsPath: string): FakeUri {
    return new FakeUri('file', '', fsPath, '');
  }

  static joinPath(base: FakeUri, ...segments: string[]): FakeUri {
    return new FakeUri(base.scheme, base.authority, path.posix.join(base.path, ...segments), '');
  }

  toString(): string {
    return `${this.scheme}://${this.authority}${this.path}${this.query ? `?${this.query}` : ''}`;
  }
}

export const CSP_SOURCE = 'https://fake.vscode-cdn.net';

export class FakeWebview {
  options: unknown;
  readonly htmlHistory: string[] = [];
  readonly posted: unknown[] = [];
  readonly cspSource = CSP_SOURCE;
  private readonly received = new FakeEventEmitter<unknown>();
  readonly onDidReceiveMessage = this.received.event;

  constructor(options: unknown) {
    this.options = options;
  }

  get html(): string {
    return this.htmlHistory.at(-1) ?? '';
  }

  set html(value: string) {
    this.htmlHistory.push(value);
  }

  asWebviewUri(uri: FakeUri): FakeUri {
    return FakeUri.parse(`${CSP_SOURCE}/${uri.scheme}${uri.path}`);
  }

  postMessage(message: unknown): Promise<boolean> {
    this.posted.push(message);
    return Promise.resolve(true);
  }

  /** What the webview's script posting a message looks like to the extension. */
  receive(message: unknown): void {
    this.received.fire(message);
  }
}

export class FakeWebviewPanel {
  title: string;
  iconPath: unknown;
  visible = true;
  disposed = false;
  readonly reveals: Array<{ viewColumn: unknown; preserveFocus: boolean | undefined }> = [];
  readonly webview: FakeWebview;
  private readonly viewStateChanged = new FakeEventEmitter<unknown>();
  private readonly disposedEmitter = new FakeEventEmitter<void>();
  readonly onDidChangeViewState = this.viewStateChanged.event;
  readonly onDidDispose = this.disposedEmitter.event;

  constructor(
    readonly viewType: string,
    title: string,
    readonly showOptions: unknown,
    options: unknown,
  ) {
    this.title = title;
    this.webview = new FakeWebview(options);
  }

  reveal(viewColumn?: unknown, preserveFocus?: boolean): void {
    this.reveals.push({ viewColumn, preserveFocus });
    this.setVisible(true);
  }

  /** The user switches to another tab in the panel's group (or back). */
  setVisible(visible: boolean): void {
    if (this.visible !== visible) {
      this.visible = visible;
      this.viewStateChanged.fire({ webviewPanel: this });
    }
  }

  dispose(): void {
    if (!this.disposed) {
      this.disposed = true;
      this.disposedEmitter.fire();
    }
  }
}

export const fakeVscode = {
  Uri: FakeUri,
  EventEmitter: FakeEventEmitter,
  ViewColumn: { Active: -1, Beside: -2, One: 1, Two: 2 },
  env: { language: 'en' },
  commands: { executeCommand: (): Promise<undefined> => Promise.resolve(undefined) },
  l10n: {
    t: (message: string, ...args: unknown[]) => message.replace(/\{(\d+)\}/g, (placeholder, index: string) => (args[Number(index)] === undefined ? placeholder : String(args[Number(index)]))),
  },
  window: {
    createdPanels: [] as FakeWebviewPanel[],
    createWebviewPanel(viewType: string, title: string, showOptions: unknown, options: unknown): FakeWebviewPanel {
      const panel = new FakeWebviewPanel(viewType, title, showOptions, options);
      fakeVscode.window.createdPanels.push(panel);
      return panel;
    },
  },
};

/**
 * Loads the module at the absolute `modulePath` with `require('vscode')` answered by {@link fakeVscode}. The resolver is restored at once,
 * so no other test file can come to depend on the fake by accident.
 */
export function requireWithFakeVscode<T>(modulePath: string): T {
  const fakePath = path.join(__dirname, '__fake_vscode__.js');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Module = require('node:module') as {
    _resolveFilename: (request: string, ...rest: unknown[]) => string;
    _cache: Record<string, unknown>;
  };
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]) {
    return request === 'vscode' ? fakePath : resolve.call(this, request, ...rest);
  };
  Module._cache[fakePath] = { id: fakePath, filename: fakePath, loaded: true, exports: fakeVscode, children: [] };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(modulePath) as T;
  } finally {
    Module._resolveFilename = resolve;
    delete Module._cache[fakePath];
  }
}
