import * as vscode from 'vscode';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { ApiKeyStore, isWellFormedKey } from '../fal/apiKey';
import { actionsFor, FalFailure, redactSecret, type FailureAction } from '../fal/errors';
import { FalGateway, type FalConnection, type FalLogLine } from '../fal/falClient';
import { readConnectionSettings, type SettingProblem } from '../config/settings';
import type { Interaction } from '../ui/interaction';
import { Disposable } from '../util/dispose';

export type GenerationSourceKind = 'selection' | 'prompt' | 'file' | 'rerun';

export interface GenerationRequest {
  /** Undefined: the `animateDiff.endpoint` setting. */
  endpoint?: string;
  /** The exact JSON body sent to fal. */
  input: Record<string, unknown>;
  source: { kind: GenerationSourceKind; file?: string };
  /** Shown in progress and messages. */
  label?: string;
}

export interface GenerationRecord {
  id: string;
  endpoint: string;
  input: Record<string, unknown>;
  source: GenerationRequest['source'];
  requestId: string;
  seed: number | null;
  videoUrl: string;
  contentType: string | undefined;
  createdAt: number;
  totalMs: number;
  inferenceSeconds: number | null;
  sandbox: boolean;
}

export type GenerationOutcome =
  | { kind: 'done'; record: GenerationRecord }
  | { kind: 'failed'; failure: FalFailure }
  | { kind: 'cancelled' }
  | { kind: 'notStarted'; reason: string };

export interface RunningJob {
  readonly id: string;
  readonly label: string;
  readonly endpoint: string;
  readonly request: GenerationRequest;
  readonly startedAt: number;
  requestId: string | undefined;
  state: 'submitting' | 'queued' | 'running';
  /** fal has made the video; the job is only being saved (into the history) and can no longer be cancelled. */
  resultReady: boolean;
  queuePosition: number | undefined;
  lastLog: string | undefined;
  cancel(): void;
}

export interface GenerateOptions {
  /** false for batch runs: they summarise failures themselves and show results in a grid. Default true. */
  interactive?: boolean;
  /** A session opened for a batch; by default each generation opens its own. */
  session?: FalSession;
}

export interface SessionPurpose {
  /** How many videos will be generated (for the Restricted Mode question). */
  videos: number;
  /** Local files that will be uploaded (workspace-relative), if any. */
  uploads?: string[];
  /** Shown as the detail of the Restricted Mode question. */
  label: string;
}

export interface FalSession {
  readonly connection: FalConnection;
  readonly defaultEndpoint: string;
  readonly timeoutMs: number;
}

/** A job fal accepted earlier (e.g. before a window reload), to be followed to its result. */
export interface ResumableJob {
  id: string;
  endpoint: string;
  requestId: string;
  request: GenerationRequest;
  startedAt: number;
}

/**
 * Told about every job as it goes (the history keeps it). `started` and `finished` are awaited: the history
 * records a job before anything is sent and keeps the result (and its local video) before it is shown.
 */
export interface GenerationJournal {
  started(job: RunningJob, resumed: boolean): Promise<void>;
  /** State, queue position or fal request id changed (not awaited). */
  updated(job: RunningJob): void;
  /** A fal log line (not awaited). */
  logged(job: RunningJob, line: string): void;
  finished(job: RunningJob, outcome: Exclude<GenerationOutcome, { kind: 'notStarted' }>): Promise<void>;
}

export interface GenerationPresenter {
  showResult(record: GenerationRecord): void | Promise<void>;
}

export interface GenerationServiceOptions {
  keys: ApiKeyStore;
  log: vscode.LogOutputChannel;
  interaction: Interaction;
  presenter: GenerationPresenter;
  journal?: GenerationJournal;
  env?: NodeJS.ProcessEnv;
  /** Workspace trust; the integration suite overrides it to exercise Restricted Mode. */
  isTrusted?: () => boolean;
}

const SETTINGS_QUERY = '@ext:animatediff-vscode.animatediff-turbo';

function shorten(text: string, max = 48): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}

/** Runs generations: key, trust, progress with queue position and logs, cancel, errors with actions, result to the panel. */
export class GenerationService extends Disposable {
  private readonly jobs = new Map<string, RunningJob>();
  private readonly changeEmitter = this._register(new vscode.EventEmitter<void>());
  readonly onDidChangeJobs = this.changeEmitter.event;
  private readonly env: NodeJS.ProcessEnv;

  constructor(private readonly options: GenerationServiceOptions) {
    super();
    this.env = options.env ?? process.env;
  }

  get runningJobs(): RunningJob[] {
    return [...this.jobs.values()];
  }

  /** Whether the job with this id runs in this window. */
  isRunning(jobId: string): boolean {
    return this.jobs.has(jobId);
  }

  get sandboxUrl(): string | undefined {
    const value = this.env.ANIMATEDIFF_FAL_SANDBOX_URL?.trim();
    return value ? value : undefined;
  }

  /** Asks for the key with a password box; stores it in SecretStorage. Returns the key, or undefined if dismissed. */
  async promptForKey(reason?: string): Promise<string | undefined> {
    const sandboxHint = this.sandboxUrl ? ' (sandbox: every key of the form key_id:key_secret works)' : '';
    const value = await this.options.interaction.input({
      title: 'fal API Key',
      prompt: `${reason ? `${reason} ` : ''}Paste your fal API key (key_id:key_secret, from fal.ai/dashboard/keys)${sandboxHint}. It is kept in VS Code's secret storage.`,
      password: true,
      ignoreFocusOut: true,
      placeHolder: 'key_id:key_secret',
      validateInput: (text) => (isWellFormedKey(text) ? undefined : 'A fal key looks like key_id:key_secret (two parts separated by a colon).'),
    });
    if (value === undefined || !isWellFormedKey(value)) {
      return undefined;
    }
    await this.options.keys.store(value);
    this.options.log.info('fal API key stored in secret storage.');
    return value.trim();
  }

  /**
   * Everything a run needs before it may talk to fal: valid settings, a key (asked for if missing) unless a team
   * proxy adds it, and — in Restricted Mode — the user's explicit consent to spend credits (and upload files).
   * Batches open one session for all their jobs, so the user is asked once.
   */
  async openSession(purpose: SessionPurpose): Promise<FalSession | undefined> {
    const read = (name: string) => vscode.workspace.getConfiguration('animateDiff').get<unknown>(name);
    const settings = readConnectionSettings(read);
    if (!settings.ok) {
      await this.reportSettingProblems(settings.problems);
      return undefined;
    }
    const { proxyUrl, timeoutMs } = settings.value;

    let credentials: string | undefined;
    if (!proxyUrl) {
      credentials = (await this.options.keys.resolve())?.key;
      if (!credentials) {
        credentials = await this.promptForKey('No fal API key is set yet.');
        if (!credentials) {
          void this.options.interaction.info('Generation not started: a fal API key is needed. Run "AnimateDiff: Set fal API Key" when you have one.');
          return undefined;
        }
      }
    }

    if (!(this.options.isTrusted?.() ?? vscode.workspace.isTrusted)) {
      const count = purpose.videos === 1 ? 'a video' : `${purpose.videos} videos`;
      const uploads = purpose.uploads && purpose.uploads.length > 0 ? ` and uploads ${purpose.uploads.join(', ')} to fal storage` : '';
      const proceed = await this.options.interaction.warning(
        `This workspace is in Restricted Mode. Generating ${count} spends fal credits${uploads}. Continue?`,
        { modal: true, detail: purpose.label },
        'Generate',
      );
      if (proceed !== 'Generate') {
        return undefined;
      }
    }

    return { connection: { credentials, proxyUrl, sandboxUrl: this.sandboxUrl }, defaultEndpoint: settings.value.endpoint, timeoutMs };
  }

  async generate(request: GenerationRequest, options: GenerateOptions = {}): Promise<GenerationOutcome> {
    const session = options.session ?? await this.openSession({ videos: 1, label: `Prompt: ${shorten(String(request.input.prompt ?? ''), 120)}` });
    if (!session) {
      return { kind: 'notStarted', reason: 'not allowed to start' };
    }
    const endpoint = request.endpoint ?? session.defaultEndpoint;
    return this.run(request, endpoint, session.connection, session.timeoutMs, options.interactive ?? true);
  }

  /** Uploads a local file to fal storage (file-backed, not read whole into memory where Node allows it). */
  async upload(session: FalSession, file: vscode.Uri, contentType: string): Promise<string> {
    const gateway = new FalGateway(session.connection);
    const name = file.path.split('/').pop() ?? 'upload';
    const blob = file.scheme === 'file' && typeof fs.openAsBlob === 'function'
      ? await fs.openAsBlob(file.fsPath, { type: contentType })
      : new Blob([new Uint8Array(await vscode.workspace.fs.readFile(file))], { type: contentType });
    this.options.log.info(`Uploading ${name} (${blob.size} bytes) to fal storage`);
    const url = await gateway.upload(new File([blob], name, { type: contentType }));
    this.options.log.info(`Uploaded ${name}: ${url}`);
    return url;
  }

  cancel(jobId: string): boolean {
    const job = this.jobs.get(jobId);
    if (job?.resultReady) {
      void this.options.interaction.info(`fal has already made “${job.label}”; its video is being saved. There is nothing left to cancel.`);
      return false;
    }
    job?.cancel();
    return Boolean(job);
  }

  /**
   * Picks up a job fal accepted before the window reloaded: its progress shows again and its result lands
   * as if nothing had happened. No new credits are spent, so Restricted Mode does not ask again.
   */
  async resume(job: ResumableJob, options: { interactive?: boolean; askForKey?: boolean } = {}): Promise<GenerationOutcome> {
    const askForKey = options.askForKey ?? true;
    const settings = readConnectionSettings((name) => vscode.workspace.getConfiguration('animateDiff').get<unknown>(name));
    if (!settings.ok) {
      if (askForKey) {
        await this.reportSettingProblems(settings.problems);
      }
      return { kind: 'notStarted', reason: 'invalid settings' };
    }
    const stored = settings.value.proxyUrl ? undefined : (await this.options.keys.resolve())?.key;
    const credentials = stored ?? (settings.value.proxyUrl || !askForKey ? undefined : await this.promptForKey('A generation from before the reload is still running on fal.'));
    if (!settings.value.proxyUrl && !credentials) {
      return { kind: 'notStarted', reason: 'no key' };
    }
    const connection: FalConnection = { credentials, proxyUrl: settings.value.proxyUrl, sandboxUrl: this.sandboxUrl };
    return this.run(job.request, job.endpoint, connection, settings.value.timeoutMs, options.interactive ?? true, job);
  }

  private async run(
    request: GenerationRequest,
    endpoint: string,
    connection: FalConnection,
    timeoutMs: number,
    interactive: boolean,
    resumed?: ResumableJob,
  ): Promise<GenerationOutcome> {
    const gateway = new FalGateway(connection);
    const id = resumed?.id ?? randomUUID();
    const label = request.label ?? shorten(String(request.input.prompt ?? endpoint));
    const controller = new AbortController();
    const log = this.options.log;
    const journal = this.options.journal;
    const startedAt = resumed?.startedAt ?? Date.now();
    const job: RunningJob = {
      id,
      label,
      endpoint,
      request,
      startedAt,
      requestId: resumed?.requestId,
      state: resumed ? 'queued' : 'submitting',
      resultReady: false,
      queuePosition: undefined,
      lastLog: undefined,
      cancel: () => controller.abort(),
    };
    this.jobs.set(id, job);
    this.changeEmitter.fire();
    if (resumed) {
      log.info(`[${resumed.requestId}] resuming after a reload`);
    } else {
      log.info(`Submitting to ${endpoint}${connection.proxyUrl ? ` via proxy ${connection.proxyUrl}` : ''}${connection.sandboxUrl ? ' (sandbox: local fal imitation)' : ''}: ${JSON.stringify(request.input)}`);
    }

    try {
      await journal?.started(job, Boolean(resumed));
      const outcome = await vscode.window.withProgress(
        // A batch reports progress in its own lens and grid: one notification per job would bury the editor.
        { location: interactive ? vscode.ProgressLocation.Notification : vscode.ProgressLocation.Window, title: `AnimateDiff: “${label}”`, cancellable: interactive },
        async (progress, token) => {
          token.onCancellationRequested(() => controller.abort());
          progress.report({ message: 'Submitting to fal…' });
          const update = () => {
            this.changeEmitter.fire();
            journal?.updated(job);
            if (job.state === 'queued') {
              progress.report({ message: job.queuePosition !== undefined ? `In fal's queue — position ${job.queuePosition + 1}` : `In fal's queue…` });
            } else if (job.state === 'running') {
              progress.report({ message: job.lastLog ? `Generating — ${shorten(job.lastLog, 60)}` : 'Generating…' });
            }
          };
          try {
            const followOptions = {
              signal: controller.signal,
              timeoutMs,
              observer: {
                onSubmitted: (requestId: string) => {
                  job.requestId = requestId;
                  log.info(`[${requestId}] accepted by fal`);
                  update();
                },
                onQueued: (position: number | undefined) => {
                  job.state = 'queued';
                  job.queuePosition = position;
                  update();
                },
                onRunning: () => {
                  job.state = 'running';
                  update();
                },
                onLog: (line: FalLogLine) => {
                  job.lastLog = line.message;
                  log.info(`[${job.requestId ?? '?'}] ${line.level ? `${line.level} ` : ''}${line.message}`);
                  journal?.logged(job, line.message);
                  update();
                },
              },
            };
            const result = resumed
              ? await gateway.follow(endpoint, resumed.requestId, followOptions)
              : await gateway.generate(endpoint, request.input, followOptions);
            const record: GenerationRecord = {
              id,
              endpoint,
              input: request.input,
              source: request.source,
              requestId: result.requestId,
              seed: result.output.seed ?? (typeof request.input.seed === 'number' ? request.input.seed : null),
              videoUrl: result.output.video.url,
              contentType: result.output.video.content_type ?? undefined,
              createdAt: startedAt,
              totalMs: Date.now() - startedAt,
              inferenceSeconds: result.inferenceSeconds,
              sandbox: gateway.isSandbox,
            };
            log.info(`[${result.requestId}] done in ${(record.totalMs / 1000).toFixed(1)} s, seed ${record.seed ?? 'unknown'}: ${record.videoUrl}`);
            return { kind: 'done', record } as const;
          } catch (error) {
            const failure = error instanceof FalFailure ? error : new FalFailure('unknown', String(error));
            return failure.kind === 'cancelled' ? ({ kind: 'cancelled' } as const) : ({ kind: 'failed', failure } as const);
          }
        },
      );

      if (outcome.kind === 'done') {
        job.resultReady = true;
        this.changeEmitter.fire();
        await journal?.finished(job, outcome);
        if (interactive) {
          await this.options.presenter.showResult(outcome.record);
        }
        return outcome;
      }
      if (outcome.kind === 'cancelled') {
        await journal?.finished(job, outcome);
        await this.afterCancel(gateway, job);
        return outcome;
      }
      const message = redactSecret(outcome.failure.message, connection.credentials);
      await journal?.finished(job, { kind: 'failed', failure: new FalFailure(outcome.failure.kind, message, outcome.failure.details) });
      this.options.log.error(`${outcome.failure.details.requestId ? `[${outcome.failure.details.requestId}] ` : ''}${outcome.failure.kind}: ${message}`);
      if (interactive) {
        // Not awaited: the outcome is known now; the buttons act whenever the user picks one.
        void this.offerActions(outcome.failure, message, request);
      }
      return { kind: 'failed', failure: new FalFailure(outcome.failure.kind, message, outcome.failure.details) };
    } finally {
      this.jobs.delete(id);
      this.changeEmitter.fire();
    }
  }

  private async afterCancel(gateway: FalGateway, job: RunningJob): Promise<void> {
    const log = this.options.log;
    if (!job.requestId) {
      log.info('Cancelled before fal accepted the job.');
      void this.options.interaction.info('Generation cancelled before it reached fal. Nothing was billed.');
      return;
    }
    let outcome: string;
    try {
      outcome = await gateway.cancel(job.endpoint, job.requestId);
    } catch (error) {
      outcome = `cancel request failed: ${error instanceof Error ? error.message : String(error)}`;
    }
    log.info(`[${job.requestId}] cancelled by the user (fal: ${outcome})`);
    const started = job.state === 'running' || outcome !== 'requested';
    void this.options.interaction.info(
      started
        ? 'Generation cancelled. fal had already started the job, so it may still finish and be billed.'
        : 'Generation cancelled while it was waiting in fal\'s queue. A job that had already started may still finish and be billed.',
    );
  }

  private async reportSettingProblems(problems: SettingProblem[]): Promise<void> {
    const choice = await this.options.interaction.error(problems.map((p) => p.message).join(' '), 'Open Settings');
    if (choice === 'Open Settings') {
      await vscode.commands.executeCommand('workbench.action.openSettings', problems[0]?.setting ?? SETTINGS_QUERY);
    }
  }

  private async offerActions(failure: FalFailure, message: string, request: GenerationRequest): Promise<void> {
    const labels: Record<FailureAction, string> = {
      setApiKey: 'Set API Key',
      retry: 'Retry',
      openLog: 'Open Log',
      openBilling: 'Open Billing',
      openSettings: 'Open Settings',
    };
    const actions = actionsFor(failure);
    const choice = await this.options.interaction.error(message, ...actions.map((a) => labels[a]));
    const action = actions.find((a) => labels[a] === choice);
    switch (action) {
      case 'retry':
        await this.generate(request);
        break;
      case 'setApiKey':
        if (await this.promptForKey()) {
          await this.generate(request);
        }
        break;
      case 'openLog':
        this.options.log.show(true);
        break;
      case 'openBilling':
        await vscode.env.openExternal(vscode.Uri.parse('https://fal.ai/dashboard/billing'));
        break;
      case 'openSettings':
        await vscode.commands.executeCommand('workbench.action.openSettings', SETTINGS_QUERY);
        break;
      default:
        break;
    }
  }
}
