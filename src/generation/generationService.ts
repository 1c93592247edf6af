import * as vscode from 'vscode';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { FalGateway, type FalLogLine, type FollowOptions, type GatewayOptions } from '../fal/falClient';
import { actionsFor, FalFailure, failureAfterAcceptance, type FailureAction } from '../model/failure';
import { seedOf, type GenerationOutcome, type GenerationRecord, type GenerationRequest, type ResumableJob, type RunningJob } from '../model/generation';
import { addToTotals, NO_SPENDING, type Charge, type SpendTotals } from '../model/price';
import type { Interaction } from '../ui/interaction';
import { Disposable } from '../util/dispose';
import { redact, secrets } from '../util/redaction';
import { shorten } from '../util/text';
import { jobProgressText } from './jobText';
import { SETTINGS_QUERY, type FalSession, type FalSessions } from './session';

export interface GenerateOptions {
  /** false for batch runs: they summarise failures themselves and show results in a grid. Default true. */
  interactive?: boolean;
  /** A session opened for a batch; by default each generation opens its own. */
  session?: FalSession;
}

/**
 * Told about every job as it goes (the history keeps it). `started` is awaited: the history records a job before
 * anything is sent. A result is shown once `finished` has its local video in place (`whenInHand`), without waiting
 * for the write that it is done: a window closed in between leaves the job unfinished, and the next one resumes it.
 */
export interface GenerationJournal {
  started(job: RunningJob, resumed: boolean): Promise<void>;
  /** State, queue position or fal request id changed (not awaited). */
  updated(job: RunningJob): void;
  /** A fal log line (not awaited). */
  logged(job: RunningJob, line: string): void;
  finished(job: RunningJob, outcome: Exclude<GenerationOutcome, { kind: 'notStarted' }>, whenInHand?: () => void): Promise<void>;
}

export interface GenerationServiceOptions {
  sessions: FalSessions;
  log: vscode.LogOutputChannel;
  interaction: Interaction;
  journal?: GenerationJournal;
  /** How the service's fal gateways reach fal: the platform's network and deadlines unless given (the fault suite shortens them). */
  gateway?: GatewayOptions;
}

/** How a job reached fal: submitted now, or followed again by the request id fal gave it earlier. */
type JobStart = { kind: 'submit' } | { kind: 'resume'; job: ResumableJob };

const PROGRESS_LOG_LENGTH = 60;

/** Once the journal has the result's local copy in place (or is through with it); fails as `finished` does. */
function resultInHand(journal: GenerationJournal, job: RunningJob, outcome: Extract<GenerationOutcome, { kind: 'done' }>): Promise<void> {
  return new Promise((resolve, reject) => {
    journal.finished(job, outcome, resolve).then(resolve, reject);
  });
}

/** Runs generations: progress with queue position and logs, cancel, errors with actions, the result announced. */
export class GenerationService extends Disposable {
  private readonly jobs = new Map<string, RunningJob>();
  /** Submits on their way, by job: a job cancelled meanwhile is cancelled at fal once fal has answered. */
  private readonly submits = new WeakMap<RunningJob, Promise<string>>();
  private readonly changeEmitter = this._register(new vscode.EventEmitter<void>());
  readonly onDidChangeJobs = this.changeEmitter.event;
  private paidStarted = 0;
  private spent: SpendTotals = NO_SPENDING;
  private readonly generatedEmitter = this._register(new vscode.EventEmitter<GenerationRecord>());
  /**
   * A generation started from a command (not a batch, not a resumed job) has its video, kept in the history by
   * now: it is ready to be shown.
   */
  readonly onDidGenerate = this.generatedEmitter.event;

  constructor(private readonly options: GenerationServiceOptions) {
    super();
  }

  get sessions(): FalSessions {
    return this.options.sessions;
  }

  /** Jobs this window has had fal accept (each one is billed), since it opened. */
  get paidJobsStarted(): number {
    return this.paidStarted;
  }

  /** What the jobs this window had fal accept are expected to cost, at fal's listed prices. */
  get spending(): SpendTotals {
    return this.spent;
  }

  get runningJobs(): RunningJob[] {
    return [...this.jobs.values()];
  }

  /** Whether the job with this id runs in this window. */
  isRunning(jobId: string): boolean {
    return this.jobs.has(jobId);
  }

  async generate(request: GenerationRequest, options: GenerateOptions = {}): Promise<GenerationOutcome> {
    const session = options.session ?? await this.sessions.open({
      videos: 1,
      label: vscode.l10n.t('Prompt: {0}', shorten(request.input.prompt ?? '', 120)),
      requests: [{ endpoint: request.endpoint, input: request.input }],
    });
    if (!session) {
      return { kind: 'notStarted', reason: 'not allowed to start' };
    }
    return this.run(request, request.endpoint ?? session.defaultEndpoint, session, options.interactive ?? true, { kind: 'submit' });
  }

  /**
   * Picks up a job fal accepted before the window reloaded: its progress shows again and its result lands
   * as if nothing had happened. No new credits are spent, so Restricted Mode does not ask again.
   */
  async resume(job: ResumableJob, options: { interactive?: boolean; askForKey?: boolean } = {}): Promise<GenerationOutcome> {
    const session = await this.sessions.forResume(options.askForKey ?? true);
    if ('notStarted' in session) {
      return { kind: 'notStarted', reason: session.notStarted };
    }
    return this.run(job.request, job.endpoint, session, options.interactive ?? true, { kind: 'resume', job });
  }

  /** Uploads a local file to fal storage (file-backed, not read whole into memory where Node allows it). */
  async upload(session: FalSession, file: vscode.Uri, contentType: string): Promise<string> {
    const gateway = new FalGateway(session.connection, this.options.gateway);
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
      void this.options.interaction.info(vscode.l10n.t('fal has already made “{0}”; its video is being saved. There is nothing left to cancel.', job.label));
      return false;
    }
    job?.cancel();
    return Boolean(job);
  }

  private async run(request: GenerationRequest, endpoint: string, session: FalSession, interactive: boolean, start: JobStart): Promise<GenerationOutcome> {
    const { log, journal } = this.options;
    const { connection } = session;
    const gateway = new FalGateway(connection, this.options.gateway);
    const resumed = start.kind === 'resume' ? start.job : undefined;
    const controller = new AbortController();
    const job: RunningJob = {
      id: resumed?.id ?? randomUUID(),
      label: request.label ?? shorten(request.input.prompt ?? endpoint, 48),
      endpoint,
      request,
      startedAt: resumed?.startedAt ?? Date.now(),
      requestId: resumed?.requestId,
      state: resumed ? 'queued' : 'submitting',
      resultReady: false,
      queuePosition: undefined,
      lastLog: undefined,
      cancel: () => controller.abort(),
    };
    // fal's listed price of this job (asked once, cached): the record keeps it, the status bar adds it up.
    const charge: Promise<Charge> = this.sessions.prices.charge([{ endpoint, input: request.input }], connection)
      .catch((error: unknown) => ({ known: false, reason: vscode.l10n.t('the price could not be read ({0})', error instanceof Error ? error.message : String(error)), videos: 1 }));
    this.jobs.set(job.id, job);
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
        { location: interactive ? vscode.ProgressLocation.Notification : vscode.ProgressLocation.Window, title: vscode.l10n.t('AnimateDiff: “{0}”', job.label), cancellable: interactive },
        (progress, token) => {
          token.onCancellationRequested(() => controller.abort());
          return this.follow(gateway, job, start, { signal: controller.signal, timeoutMs: session.timeoutMs }, (message) => progress.report({ message }), charge);
        },
      );

      if (outcome.kind === 'done') {
        job.resultReady = true;
        this.changeEmitter.fire();
        if (journal) {
          await resultInHand(journal, job, outcome);
        }
        if (interactive) {
          this.generatedEmitter.fire(outcome.record);
        }
        return outcome;
      }
      if (outcome.kind === 'cancelled') {
        await journal?.finished(job, outcome);
        this.afterCancel(gateway, job);
        return outcome;
      }
      // fal's answer can quote the key, in the message or in its details (field errors): neither goes on with it.
      const said = job.requestId === undefined ? outcome.failure : failureAfterAcceptance(outcome.failure, job.requestId);
      const failure = new FalFailure(said.kind, redact(said.message), secrets.redactDeep(said.details));
      await journal?.finished(job, { kind: 'failed', failure });
      log.error(`${failure.details.requestId ? `[${failure.details.requestId}] ` : ''}${failure.kind}: ${failure.message}`);
      if (interactive) {
        // Not awaited: the outcome is known now; the buttons act whenever the user picks one.
        void this.offerActions(failure, request);
      }
      return { kind: 'failed', failure };
    } finally {
      this.jobs.delete(job.id);
      this.changeEmitter.fire();
    }
  }

  /** Submits (or follows again) and waits for fal's result, reporting each change of the job as it comes. */
  private async follow(
    gateway: FalGateway,
    job: RunningJob,
    start: JobStart,
    limits: { signal: AbortSignal; timeoutMs: number },
    report: (message: string) => void,
    charge: Promise<Charge>,
  ): Promise<Exclude<GenerationOutcome, { kind: 'notStarted' }>> {
    const { log, journal } = this.options;
    report(jobProgressText(job));
    const update = () => {
      this.changeEmitter.fire();
      journal?.updated(job);
      if (job.state !== 'submitting') {
        report(jobProgressText(job, { logLength: PROGRESS_LOG_LENGTH }));
      }
    };
    const followOptions: FollowOptions = {
      ...limits,
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
    // The job's timeout runs from the first byte sent, the submit included.
    const deadline = Date.now() + limits.timeoutMs;
    try {
      let requestId: string;
      if (start.kind === 'resume') {
        requestId = start.job.requestId;
      } else {
        const submitting = gateway.submit(job.endpoint, job.request.input, { deadline });
        this.submits.set(job, submitting);
        submitting.then(() => {
          this.paidStarted += 1;
          this.changeEmitter.fire();
          void charge.then((known) => {
            this.spent = addToTotals(this.spent, known);
            this.changeEmitter.fire();
          });
        }, () => undefined);
        requestId = await untilAborted(submitting, limits.signal);
        followOptions.observer?.onSubmitted?.(requestId);
        followOptions.observer?.onQueued?.(undefined);
      }
      const result = await gateway.follow(job.endpoint, requestId, { ...followOptions, deadline });
      const totalMs = Date.now() - job.startedAt;
      const record: GenerationRecord = {
        id: job.id,
        endpoint: job.endpoint,
        input: job.request.input,
        source: job.request.source,
        requestId: result.requestId,
        seed: result.output.seed ?? seedOf(job.request) ?? null,
        videoUrl: result.output.video.url,
        contentType: result.output.video.content_type ?? undefined,
        createdAt: job.startedAt,
        totalMs,
        inferenceSeconds: result.inferenceSeconds,
        sandbox: gateway.isSandbox,
        falResult: result.raw,
        charge: await charge,
      };
      log.info(`[${result.requestId}] done in ${(totalMs / 1000).toFixed(1)} s, seed ${record.seed ?? 'unknown'}: ${record.videoUrl}`);
      return { kind: 'done', record };
    } catch (error) {
      const failure = error instanceof FalFailure ? error : new FalFailure('unknown', String(error));
      return failure.kind === 'cancelled' ? { kind: 'cancelled' } : { kind: 'failed', failure };
    }
  }

  /**
   * Cancel is local first: the job has ended here. fal's cancel goes out in the background (when fal has, or may have,
   * the job), within its own short deadline, and its outcome is logged.
   */
  private afterCancel(gateway: FalGateway, job: RunningJob): void {
    const { log, interaction } = this.options;
    const submitting = this.submits.get(job);
    if (!job.requestId && !submitting) {
      log.info('Cancelled before the request was sent to fal.');
      void interaction.info(vscode.l10n.t('Generation cancelled before it reached fal. Nothing was billed.'));
      return;
    }
    void interaction.info(job.requestId === undefined
      ? vscode.l10n.t('Generation cancelled. The request was on its way to fal: if fal received it, it is cancelled there too (see the log).')
      : job.state === 'running'
        ? vscode.l10n.t('Generation cancelled. fal had already started the job, so it may still finish and be billed.')
        : vscode.l10n.t('Generation cancelled while it was waiting in fal\'s queue. A job that had already started may still finish and be billed.'));
    void (async () => {
      let requestId = job.requestId;
      if (requestId === undefined && submitting) {
        try {
          requestId = await submitting;
        } catch (error) {
          log.info(`Cancelled while the request was on its way to fal; it did not get there (${error instanceof Error ? error.message : String(error)}).`);
          return;
        }
      }
      if (requestId === undefined) {
        return;
      }
      let outcome: string;
      try {
        outcome = await gateway.cancel(job.endpoint, requestId);
      } catch (error) {
        outcome = `cancel request failed: ${error instanceof Error ? error.message : String(error)}`;
      }
      log.info(`[${requestId}] cancelled by the user (fal: ${outcome})`);
    })();
  }

  private async offerActions(failure: FalFailure, request: GenerationRequest): Promise<void> {
    const labels: Record<FailureAction, string> = {
      setApiKey: vscode.l10n.t('Set API Key'),
      retry: vscode.l10n.t('Retry'),
      retryMayCharge: vscode.l10n.t('Retry (may charge again)'),
      openLog: vscode.l10n.t('Open Log'),
      openBilling: vscode.l10n.t('Open Billing'),
      openSettings: vscode.l10n.t('Open Settings'),
      openDashboard: vscode.l10n.t('Open fal Dashboard'),
    };
    const actions = actionsFor(failure);
    const choice = await this.options.interaction.error(failure.message, ...actions.map((a) => labels[a]));
    const action = actions.find((a) => labels[a] === choice);
    switch (action) {
      case 'retry':
      case 'retryMayCharge':
        await this.generate(request);
        break;
      case 'setApiKey':
        if (await this.sessions.promptForKey()) {
          await this.generate(request);
        }
        break;
      case 'openLog':
        this.options.log.show(true);
        break;
      case 'openBilling':
        await vscode.env.openExternal(vscode.Uri.parse('https://fal.ai/dashboard/billing'));
        break;
      case 'openDashboard':
        await vscode.env.openExternal(vscode.Uri.parse('https://fal.ai/dashboard/requests'));
        break;
      case 'openSettings':
        await vscode.commands.executeCommand('workbench.action.openSettings', SETTINGS_QUERY);
        break;
      default:
        break;
    }
  }
}

/** Settles as `operation`, or fails as cancelled as soon as `signal` aborts (the operation goes on by itself). */
function untilAborted<T>(operation: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new FalFailure('cancelled', vscode.l10n.t('Cancelled.')));
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    operation.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
