import { randomBytes, randomUUID } from 'node:crypto';
import { promises as fsp, readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type * as vscode from 'vscode';
import type * as PromptGenerationModule from '../../../src/commands/promptGeneration';
import type * as ApiKeyModule from '../../../src/fal/apiKey';
import type * as FalClientModule from '../../../src/fal/falClient';
import type * as TransportModule from '../../../src/fal/transport';
import type * as GenerationServiceModule from '../../../src/generation/generationService';
import type * as SessionModule from '../../../src/generation/session';
import type * as JournalModule from '../../../src/history/jobs/journal';
import type * as ResultsModule from '../../../src/history/results';
import type * as StorageModule from '../../../src/history/storage';
import type * as HistoryStoreModule from '../../../src/history/store/historyStore';
import type * as PresenterModule from '../../../src/panel/presenter';
import type * as VideoPanelModule from '../../../src/panel/videoPanel';
import type * as ParamsDiagnosticsModule from '../../../src/params/editor/paramsDiagnostics';
import type * as RunnerModule from '../../../src/runs/runner';
import type * as InteractionModule from '../../../src/ui/interaction';
import type * as LogModule from '../../../src/ui/log';
import type * as RedactionModule from '../../../src/util/redaction';
import type { Deadlines } from '../../../src/fal/transport';
import type { DownloadLimits } from '../../../src/files/videoDownload';
import type { GenerationService } from '../../../src/generation/generationService';
import type { HistoryJournal } from '../../../src/history/jobs/journal';
import type { HistoryStorage } from '../../../src/history/storage';
import type { VideoPanelManager } from '../../../src/panel/videoPanel';
import type { ParamsDiagnostics } from '../../../src/params/editor/paramsDiagnostics';
import type { ParamsRunner } from '../../../src/runs/runner';
import type { RecordingInteraction } from '../../../src/ui/interaction';
import { startFalImitation, type FalImitation } from '../../fal-imitation/server';
import { addWorkspaceFolder, FakeDisposable, FakeUri, loadWithFakeVscode, removeWorkspaceFolder, settings } from './fakeVscode';

/**
 * One case's world: a fal imitation of its own, a temp folder with the extension's global storage (the history) and
 * a workspace, and the product wired as `src/core.ts` wires it — redacting log and interaction, history storage and
 * journal, sessions with a key in secret storage, the generation service, the video panel, the Problems panel and
 * the parameter-file runner — with short deadlines so that every fault ends in seconds.
 */

const SRC = path.join(__dirname, '..', '..', '..', 'src');

export interface Product extends Record<string, unknown> {
  promptGeneration: typeof PromptGenerationModule;
  apiKey: typeof ApiKeyModule;
  falClient: typeof FalClientModule;
  transport: typeof TransportModule;
  generationService: typeof GenerationServiceModule;
  session: typeof SessionModule;
  journal: typeof JournalModule;
  results: typeof ResultsModule;
  storage: typeof StorageModule;
  historyStore: typeof HistoryStoreModule;
  presenter: typeof PresenterModule;
  videoPanel: typeof VideoPanelModule;
  paramsDiagnostics: typeof ParamsDiagnosticsModule;
  runner: typeof RunnerModule;
  interaction: typeof InteractionModule;
  log: typeof LogModule;
  redaction: typeof RedactionModule;
}

export function loadProduct(): Product {
  const at = (...segments: string[]) => path.join(SRC, ...segments);
  return loadWithFakeVscode<Product>(SRC, {
    promptGeneration: at('commands', 'promptGeneration'),
    apiKey: at('fal', 'apiKey'),
    falClient: at('fal', 'falClient'),
    transport: at('fal', 'transport'),
    generationService: at('generation', 'generationService'),
    session: at('generation', 'session'),
    journal: at('history', 'jobs', 'journal'),
    results: at('history', 'results'),
    storage: at('history', 'storage'),
    historyStore: at('history', 'store', 'historyStore'),
    presenter: at('panel', 'presenter'),
    videoPanel: at('panel', 'videoPanel'),
    paramsDiagnostics: at('params', 'editor', 'paramsDiagnostics'),
    runner: at('runs', 'runner'),
    interaction: at('ui', 'interaction'),
    log: at('ui', 'log'),
    redaction: at('util', 'redaction'),
  });
}

/**
 * Short enough that a case stalled on a deadline ends in seconds, long enough that a healthy exchange on a loaded
 * 2-core machine never hits one.
 */
export const DEADLINES: Deadlines = {
  answerMs: 3000,
  idleMs: 3000,
  totalMs: { default: 6000, status: 6000, cancel: 5000, pricing: 5000, stream: Number.POSITIVE_INFINITY, uploadPut: 6000 },
};
export const DOWNLOAD_LIMITS: DownloadLimits = { answerMs: 3000, idleMs: 3000, totalMs: 6000, maxBytes: 1024 * 1024 };
/** `animateDiff.requestTimeoutSeconds` (its minimum): what bounds a job whose calls fal keeps refusing. */
export const JOB_TIMEOUT_SECONDS = 10;

export const T2V = 'fal-ai/fast-animatediff/turbo/text-to-video';
export const V2V = 'fal-ai/fast-animatediff/turbo/video-to-video';
export const SEED = 7;

export const FIXTURE_VIDEO: Buffer = readFileSync(path.join(SRC, '..', '..', 'test', 'fixtures', 'clip.mp4'));

/** The imitation's fast timings (a job takes a fraction of a second). */
const TIMING = { queuePositions: 1, queueMs: 30, processingMs: 150, logSteps: 4, pingIntervalMs: 1000 };

/** A log channel that keeps every line written to it. */
export class RecordingLog implements vscode.LogOutputChannel {
  readonly lines: string[] = [];
  readonly name = 'AnimateDiff';
  readonly logLevel = 2 as vscode.LogLevel;
  readonly onDidChangeLogLevel = () => new FakeDisposable();
  private readonly listeners = new Set<(line: string) => void>();

  private write(level: string, message: string, args: unknown[]): void {
    const line = `[${level}] ${[message, ...args.map(String)].join(' ')}`;
    this.lines.push(line);
    this.listeners.forEach((listener) => listener(line));
  }

  /** Called with every line from now on; `dispose` stops it. */
  onLine(listener: (line: string) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  trace(message: string, ...args: unknown[]): void {
    this.write('trace', message, args);
  }
  debug(message: string, ...args: unknown[]): void {
    this.write('debug', message, args);
  }
  info(message: string, ...args: unknown[]): void {
    this.write('info', message, args);
  }
  warn(message: string, ...args: unknown[]): void {
    this.write('warn', message, args);
  }
  error(message: string | Error, ...args: unknown[]): void {
    this.write('error', typeof message === 'string' ? message : message.message, args);
  }
  append(value: string): void {
    this.write('append', value, []);
  }
  appendLine(value: string): void {
    this.write('append', value, []);
  }
  replace(value: string): void {
    this.write('replace', value, []);
  }
  clear(): void {}
  show(): void {}
  hide(): void {}
  dispose(): void {}
}

/** SecretStorage holding one key. */
function secretStorageWith(key: string): vscode.SecretStorage {
  const values = new Map([['animateDiff.falKey', key]]);
  return {
    get: (name) => Promise.resolve(values.get(name)),
    store: (name, value) => {
      values.set(name, value);
      return Promise.resolve();
    },
    delete: (name) => {
      values.delete(name);
      return Promise.resolve();
    },
    onDidChange: () => new FakeDisposable(),
  };
}

export interface ForeignRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

/** A local origin that is not fal: where redirects point. It records what it is sent and answers with an HTML page. */
export class ForeignOrigin {
  private constructor(private readonly server: Server, readonly url: string, readonly requests: ForeignRequest[]) {}

  static async start(): Promise<ForeignOrigin> {
    const requests: ForeignRequest[] = [];
    const server = createServer((req, res) => {
      requests.push({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers });
      req.resume();
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<html><body><h1>Not fal</h1><p>Sign in to continue.</p></body></html>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new ForeignOrigin(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** An origin where nothing listens: connecting to it is refused. */
export async function refusingOrigin(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/** What fal calls the world's network refuses to connect (the `refused` fault), and how many it refused. */
export interface Refusal {
  stages: Set<string>;
  count: number;
}

export interface EarlierFiles {
  /** The history's entry of an earlier generation, and its local video (absolute). */
  historyEntryId: string;
  historyVideo: string;
  /** An earlier video and result record beside the parameter file (absolute), when the case runs one. */
  outputs: string[];
  /** Their bytes before the case. */
  bytes: Map<string, Buffer>;
}

export class World {
  readonly folder: string;
  readonly globalStorage: string;
  readonly historyFolder: string;
  readonly workspace: string;
  readonly key: string;
  readonly log = new RecordingLog();
  readonly recording: RecordingInteraction;
  readonly interaction: InteractionModule.Interaction;
  readonly storage: HistoryStorage;
  readonly journal: HistoryJournal;
  readonly service: GenerationService;
  readonly panels: VideoPanelManager;
  readonly diagnostics: ParamsDiagnostics;
  readonly runner: ParamsRunner;
  readonly refusal: Refusal = { stages: new Set(), count: 0 };
  readonly writeProblems: unknown[] = [];
  private readonly disposables: Array<{ dispose(): unknown }> = [];

  private constructor(readonly product: Product, readonly imitation: FalImitation, readonly refusedOrigin: string, folder: string, readonly name: string) {
    this.folder = folder;
    this.globalStorage = path.join(folder, 'global');
    this.historyFolder = path.join(this.globalStorage, 'history');
    this.workspace = path.join(folder, 'workspace');
    // A key of this case only: whatever text it turns up in, this case put it there.
    this.key = `fm-${name}-id:${randomBytes(12).toString('hex')}`;
    const { interaction, log, apiKey, session, storage, journal, results, generationService, videoPanel, presenter, paramsDiagnostics, runner } = product;

    const channel = log.redactingLog(this.log);
    this.recording = new interaction.RecordingInteraction();
    // Parameter-file cases find their earlier video and record in the way: the user chooses to replace them.
    this.recording.script(/already exists?/, 'Replace');
    this.interaction = interaction.redactingInteraction(this.recording);
    const keys = new apiKey.ApiKeyStore(secretStorageWith(this.key), {});
    this.storage = this.own(new storage.HistoryStorage({ globalStorageUri: FakeUri.file(this.globalStorage) as unknown as vscode.Uri, log: channel, interaction: this.interaction }));
    this.journal = this.own(new journal.HistoryJournal({
      store: () => this.storage.ready(),
      log: channel,
      onWriteProblem: (error) => {
        this.writeProblems.push(error);
        this.storage.reportWriteProblem(error);
      },
      downloadLimits: () => DOWNLOAD_LIMITS,
    }));
    const historyResults = new results.HistoryResults(() => this.storage.current(), () => this.storage.ready());
    const sessions = new session.FalSessions({ keys, log: channel, interaction: this.interaction, env: { ANIMATEDIFF_FAL_SANDBOX_URL: imitation.url }, isTrusted: () => true });
    this.service = this.own(new generationService.GenerationService({
      sessions,
      log: channel,
      interaction: this.interaction,
      journal: this.journal,
      gateway: { deadlines: DEADLINES, fetch: this.network(product.falClient.sandboxFetch(imitation.url)) },
    }));
    this.panels = this.own(new videoPanel.VideoPanelManager(FakeUri.file('/extension') as unknown as vscode.Uri, {
      handleMessage: () => undefined,
      resolveGeneration: (id) => historyResults.resolveGeneration(id),
      localVideoRoots: () => [FakeUri.file(this.globalStorage), FakeUri.file(this.workspace)] as unknown as vscode.Uri[],
      logWarning: (text) => channel.warn(text),
    }));
    const shower = new presenter.GenerationPresenter(this.panels, historyResults);
    this.own(this.service.onDidGenerate((record) => shower.show(record, { preserveFocus: true })));
    this.diagnostics = this.own(new paramsDiagnostics.ParamsDiagnostics());
    this.runner = this.own(new runner.ParamsRunner({
      service: this.service,
      panels: this.panels,
      presenter: shower,
      copies: historyResults,
      interaction: this.interaction,
      log: channel,
      diagnostics: this.diagnostics,
      generatedBy: 'animatediff-turbo fault-matrix',
      localCopyOf: (record) => historyResults.localCopy(record.id),
      downloadLimits: () => DOWNLOAD_LIMITS,
      // As the extension wires it (the panel's Save Video…); the matrix only looks at whether it is offered.
      saveVideoAs: () => Promise.resolve(),
    }));
  }

  static async create(product: Product, name: string, refusedOrigin: string): Promise<World> {
    const folder = await fsp.mkdtemp(path.join(tmpdir(), 'fault-matrix-'));
    await fsp.mkdir(path.join(folder, 'workspace'), { recursive: true });
    addWorkspaceFolder(path.join(folder, 'workspace'));
    settings.set('requestTimeoutSeconds', JOB_TIMEOUT_SECONDS);
    const imitation = await startFalImitation({ timing: TIMING });
    return new World(product, imitation, refusedOrigin, folder, name);
  }

  private own<T extends { dispose(): unknown }>(value: T): T {
    this.disposables.push(value);
    return value;
  }

  /** The network between the extension and fal: the sandbox's, except that it refuses to connect for `refusal.stages`. */
  private network(inner: typeof fetch): typeof fetch {
    const { operationOf } = this.product.transport;
    return (input, init) => {
      const url = input instanceof Request ? input.url : input instanceof URL ? input.href : String(input);
      const operation = operationOf(init?.method ?? 'GET', url, new Headers(init?.headers));
      if (this.refusal.stages.has(operation)) {
        this.refusal.count += 1;
        const { pathname, search } = new URL(url);
        return fetch(`${this.refusedOrigin}${pathname}${search}`, init);
      }
      return inner(input, init);
    };
  }

  /**
   * What the user made before the case: a generation in the history with its local video and, for a parameter-file
   * case, the video and result record its run will find in the way. Different bytes from any the case can download.
   */
  async makeEarlierFiles(outputs: { video: string; record: string } | undefined): Promise<EarlierFiles> {
    const store = await this.storage.ready();
    if (!store) {
      throw new Error('the history did not open');
    }
    const id = randomUUID();
    const marker = Buffer.from(`earlier video of ${this.name} ${randomUUID()}`);
    const historyBytes = Buffer.concat([FIXTURE_VIDEO, marker]);
    const historyVideo = path.join(this.historyFolder, 'videos', `${id}.mp4`);
    await fsp.mkdir(path.dirname(historyVideo), { recursive: true });
    await fsp.writeFile(historyVideo, historyBytes);
    await store.add({
      id,
      status: 'done',
      endpoint: T2V,
      input: { prompt: 'an earlier lighthouse', seed: 3 },
      source: { kind: 'prompt' },
      requestId: 'earlier-request',
      seed: 3,
      remoteVideoUrl: 'https://v3.fal.media/files/earlier.mp4',
      video: { file: `videos/${id}.mp4`, bytes: historyBytes.length, contentType: 'video/mp4' },
      timings: { submittedAt: Date.now() - 60_000, completedAt: Date.now() - 55_000 },
    });
    await store.update(id, { ownerPid: undefined });
    const bytes = new Map([[historyVideo, historyBytes]]);
    const files: string[] = [];
    if (outputs) {
      const video = Buffer.concat([FIXTURE_VIDEO, marker, Buffer.from(' beside the file')]);
      const record = Buffer.from(`${JSON.stringify({ requestId: 'earlier-request', note: 'an earlier result record' }, null, 2)}\n`);
      for (const [file, content] of [[outputs.video, video], [outputs.record, record]] as const) {
        await fsp.writeFile(file, content);
        bytes.set(file, content);
        files.push(file);
      }
    }
    return { historyEntryId: id, historyVideo, outputs: files, bytes };
  }

  /** Ends everything the case started; what is on disk stays for the checks. */
  async dispose(): Promise<void> {
    for (const disposable of this.disposables.splice(0).reverse()) {
      disposable.dispose();
    }
    await this.imitation.close();
    removeWorkspaceFolder(this.workspace);
  }

  async remove(): Promise<void> {
    await fsp.rm(this.folder, { recursive: true, force: true });
  }
}

/**
 * Resolves once `condition` holds, checked now and whenever `changed` fires (or on a slow timer, for conditions
 * nothing announces); rejects after `ceilingMs`. A ceiling, not a timing: it only ends a wait that would never end.
 */
export function until(condition: () => boolean, what: string, ceilingMs: number, changed?: (listener: () => void) => { dispose(): unknown }): Promise<void> {
  return new Promise((resolve, reject) => {
    if (condition()) {
      resolve();
      return;
    }
    const finish = (error?: Error) => {
      clearTimeout(ceiling);
      clearInterval(poll);
      subscription?.dispose();
      if (error) {
        reject(error);
      } else {
        resolve();
      }
    };
    const check = () => {
      if (condition()) {
        finish();
      }
    };
    const subscription = changed?.(check);
    const poll = setInterval(check, 25);
    const ceiling = setTimeout(() => finish(new Error(`${what} did not happen within ${ceilingMs / 1000} s`)), ceilingMs);
  });
}
