// The imitation's queue: jobs live here, independent of any client connection, and move
// IN_QUEUE (counting positions down) → IN_PROGRESS (writing logs) → COMPLETED on timers.

import { randomInt, randomUUID } from 'node:crypto';
import { ErrorAnswer } from './falErrors';
import {
  FalLogEntry, FaultKind, ImitationStats, JobOutcome, JobQuery, JobRecord, JobStatus, TimingConfig,
} from './types';

const STATUS_ORDER: Record<JobStatus, number> = { IN_QUEUE: 0, IN_PROGRESS: 1, COMPLETED: 2 };

/** How a job will behave, decided at submit from its input and the job-level faults armed then. */
export interface JobPlan {
  /** Validated input with fal's defaults filled in; null when the input is rejected. */
  values: Record<string, unknown> | null;
  /** The answer the result gives when the input is rejected (422 from the model). */
  inputError: ErrorAnswer | null;
  processingMs: number | null;
  neverFinish: boolean;
  noVideo: boolean;
  /** Result status for a run whose runner disconnects; null when it does not. */
  runnerDisconnectedStatus: number | null;
  faults: FaultKind[];
}

export interface NewJob {
  endpoint: string;
  input: unknown;
  viaProxy: boolean;
  synchronous: boolean;
  plan: JobPlan;
}

export interface ResultVideo {
  url: string;
  fileName: string;
  fileSize: number;
}

export interface Job {
  readonly record: JobRecord;
  readonly plan: JobPlan;
  /** The 200 output once the job succeeded. */
  output: unknown;
  /** The error the result answers with once the job failed. */
  failure: ErrorAnswer | null;
  /** `error`/`error_type` shown on the COMPLETED status of a failed run. */
  statusError: { error: string; error_type: string } | null;
}

interface JobState extends Job {
  timers: Set<NodeJS.Timeout>;
  startedAtMs: number | null;
}

/** fal's log timestamps: UTC, microseconds, no zone suffix. */
export function falTimestamp(date = new Date()): string {
  return `${date.toISOString().slice(0, -1)}000`;
}

export class JobQueue {
  private readonly jobs = new Map<string, JobState>();
  private readonly listeners = new Set<(job: Job) => void>();
  /** Pending `waitFor` calls, rejected when the queue is cleared. */
  private readonly waiters = new Set<(reason: Error) => void>();
  private submitted = 0;
  private inProgress = 0;
  private maxInProgress = 0;

  constructor(
    private readonly timing: () => TimingConfig,
    private readonly resultVideo: (requestId: string) => ResultVideo,
  ) {}

  submit(request: NewJob): Job {
    const requestId = randomUUID();
    const timing = this.timing();
    const positions = request.synchronous ? 0 : Math.max(0, Math.floor(timing.queuePositions));
    const firstPosition = Math.max(0, positions - 1);
    const job: JobState = {
      record: {
        requestId,
        endpoint: request.endpoint,
        input: structuredClone(request.input),
        submittedAt: new Date().toISOString(),
        viaProxy: request.viaProxy,
        synchronous: request.synchronous,
        status: 'IN_QUEUE',
        queuePosition: firstPosition,
        transitions: [],
        logs: [],
        cancelRequested: false,
        cancelled: false,
        outcome: null,
        seed: null,
        videoUrl: null,
        faults: [...request.plan.faults],
        inferenceTimeSeconds: null,
      },
      plan: request.plan,
      output: undefined,
      failure: null,
      statusError: null,
      timers: new Set(),
      startedAtMs: null,
    };
    this.jobs.set(requestId, job);
    this.submitted += 1;
    this.transition(job, 'IN_QUEUE', firstPosition);

    const stepMs = positions > 0 ? timing.queueMs / positions : 0;
    for (let step = 1; step < positions; step += 1) {
      this.later(job, step * stepMs, () => this.transition(job, 'IN_QUEUE', firstPosition - step));
    }
    this.later(job, positions * stepMs, () => this.start(job));
    return job;
  }

  get(requestId: string): Job | undefined {
    return this.jobs.get(requestId);
  }

  /**
   * Cancels a job as fal does: a queued job is removed from the queue (it ends cancelled); a
   * running one is only signalled and still finishes, unless it would never finish on its own.
   */
  cancel(requestId: string): 'notFound' | 'alreadyCompleted' | 'requested' {
    const job = this.jobs.get(requestId);
    if (!job) {
      return 'notFound';
    }
    if (job.record.status === 'COMPLETED') {
      return 'alreadyCompleted';
    }
    job.record.cancelRequested = true;
    if (job.record.status === 'IN_QUEUE' || job.plan.neverFinish) {
      this.finish(job, 'cancelled');
    } else {
      this.notify(job);
    }
    return 'requested';
  }

  /** Ends a running job that was told never to finish (a `neverFinish` fault) as a success, now. */
  finishNow(requestId: string): 'notFound' | 'notHeld' | 'finished' {
    const job = this.jobs.get(requestId);
    if (!job) {
      return 'notFound';
    }
    if (job.record.status !== 'IN_PROGRESS' || !job.plan.neverFinish) {
      return 'notHeld';
    }
    job.plan.neverFinish = false;
    this.finish(job, 'succeeded');
    return 'finished';
  }

  /** Calls `listener` after every change of any job (position, log line, status). */
  onChange(listener: (job: Job) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  find(query: JobQuery): Job | undefined {
    return [...this.jobs.values()].find((job) => jobMatches(job, query));
  }

  /** Resolves with the first job matching `query` that has reached `status` or a later one. */
  waitFor(query: JobQuery, status: JobStatus, timeoutMs: number): Promise<JobRecord> {
    return new Promise((resolve, reject) => {
      const reached = (job: Job): boolean =>
        jobMatches(job, query) && STATUS_ORDER[job.record.status] >= STATUS_ORDER[status];
      const already = [...this.jobs.values()].find(reached);
      if (already) {
        resolve(structuredClone(already.record));
        return;
      }
      const stop = (): void => {
        clearTimeout(timer);
        unsubscribe();
        this.waiters.delete(abandon);
      };
      const abandon = (reason: Error): void => {
        stop();
        reject(reason);
      };
      const timer = setTimeout(
        () => abandon(new Error(`No job matching ${JSON.stringify(query)} reached ${status} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const unsubscribe = this.onChange((job) => {
        if (reached(job)) {
          stop();
          resolve(structuredClone(job.record));
        }
      });
      this.waiters.add(abandon);
    });
  }

  records(): JobRecord[] {
    return [...this.jobs.values()].map((job) => structuredClone(job.record));
  }

  stats(): ImitationStats {
    return { jobsSubmitted: this.submitted, inProgressNow: this.inProgress, maxConcurrentInProgress: this.maxInProgress };
  }

  /** Forgets every job, stops every timer and fails every pending wait. */
  clear(): void {
    for (const abandon of [...this.waiters]) {
      abandon(new Error('The fal imitation was reset'));
    }
    for (const job of this.jobs.values()) {
      this.stopTimers(job);
    }
    this.jobs.clear();
    this.submitted = 0;
    this.inProgress = 0;
    this.maxInProgress = 0;
  }

  private start(job: JobState): void {
    job.startedAtMs = Date.now();
    this.inProgress += 1;
    this.maxInProgress = Math.max(this.maxInProgress, this.inProgress);
    this.transition(job, 'IN_PROGRESS', null);
    const { plan } = job;
    if (!plan.values) {
      // The runner's input model rejects the request at once: no processing, no logs.
      this.finish(job, 'invalidInput');
      return;
    }

    const timing = this.timing();
    const duration = plan.processingMs ?? timing.processingMs;
    const totalSteps = positiveInt(plan.values.num_inference_steps, 4);
    const stepLogs = Math.min(Math.max(0, Math.floor(timing.logSteps)), totalSteps);
    const interval = duration / (stepLogs + 1);
    this.log(job, describeRun(job.record.endpoint, plan.values));

    if (plan.neverFinish) {
      const heartbeat = Math.max(interval, 50);
      const tick = (): void => {
        this.log(job, `step ${Math.max(1, totalSteps - 1)}/${totalSteps}: still generating`);
        this.later(job, heartbeat, tick);
      };
      this.later(job, heartbeat, tick);
      return;
    }

    const stopAfter = plan.runnerDisconnectedStatus !== null ? Math.ceil(stepLogs / 2) : stepLogs;
    for (let k = 1; k <= stopAfter; k += 1) {
      const step = Math.round((k * totalSteps) / stepLogs);
      this.later(job, k * interval, () => this.log(job, `step ${step}/${totalSteps}`));
    }
    if (plan.runnerDisconnectedStatus !== null) {
      this.later(job, duration / 2, () => this.finish(job, 'runnerDisconnected'));
      return;
    }
    this.later(job, duration, () => {
      const frames = positiveInt(plan.values?.num_frames, 16);
      const fps = positiveInt(plan.values?.fps, 8);
      // fal's log entries may lack level and source; the last line of a run imitates that.
      this.log(job, `Encoding ${frames} frames at ${fps} fps`, false);
      this.finish(job, 'succeeded');
    });
  }

  private finish(job: JobState, outcome: JobOutcome): void {
    this.stopTimers(job);
    if (job.record.status === 'IN_PROGRESS') {
      this.inProgress -= 1;
    }
    const { record, plan } = job;
    record.outcome = outcome;
    record.cancelled = outcome === 'cancelled';
    if (job.startedAtMs !== null) {
      record.inferenceTimeSeconds = Math.round((Date.now() - job.startedAtMs) / 10) / 100;
    }
    switch (outcome) {
      case 'succeeded': {
        const seed = resolveSeed(plan.values?.seed);
        record.seed = seed;
        if (plan.noVideo) {
          job.output = { seed };
        } else {
          const video = this.resultVideo(record.requestId);
          record.videoUrl = video.url;
          job.output = {
            video: { url: video.url, content_type: 'video/mp4', file_name: video.fileName, file_size: video.fileSize },
            seed,
          };
        }
        break;
      }
      case 'invalidInput':
        job.failure = plan.inputError;
        break;
      case 'runnerDisconnected':
        job.statusError = { error: 'Runner disconnected', error_type: 'runner_disconnected' };
        job.failure = {
          status: plan.runnerDisconnectedStatus ?? 503,
          body: { detail: 'Runner disconnected', error_type: 'runner_disconnected' },
          headers: { 'x-fal-error-type': 'runner_disconnected' },
        };
        break;
      case 'cancelled':
        job.statusError = { error: 'Request was cancelled', error_type: 'request_cancelled' };
        job.failure = {
          status: 400,
          body: { detail: 'Request was cancelled', error_type: 'request_cancelled' },
          headers: { 'x-fal-error-type': 'request_cancelled' },
        };
        break;
    }
    this.transition(job, 'COMPLETED', null);
  }

  private log(job: JobState, message: string, complete = true): void {
    const entry: FalLogEntry = complete
      ? { message, level: 'INFO', source: 'USER', timestamp: falTimestamp() }
      : { message, timestamp: falTimestamp() };
    job.record.logs.push(entry);
    this.notify(job);
  }

  private transition(job: JobState, status: JobStatus, queuePosition: number | null): void {
    job.record.status = status;
    job.record.queuePosition = queuePosition;
    job.record.transitions.push({ status, queuePosition, at: new Date().toISOString() });
    this.notify(job);
  }

  private notify(job: JobState): void {
    for (const listener of [...this.listeners]) {
      listener(job);
    }
  }

  private later(job: JobState, delayMs: number, action: () => void): void {
    const timer = setTimeout(() => {
      job.timers.delete(timer);
      action();
    }, delayMs);
    job.timers.add(timer);
  }

  private stopTimers(job: JobState): void {
    for (const timer of job.timers) {
      clearTimeout(timer);
    }
    job.timers.clear();
  }
}

function jobMatches(job: Job, query: JobQuery): boolean {
  const { record } = job;
  if (query.requestId !== undefined && record.requestId !== query.requestId) {
    return false;
  }
  if (query.endpoint !== undefined && record.endpoint !== query.endpoint) {
    return false;
  }
  if (query.promptIncludes !== undefined) {
    const prompt = typeof record.input === 'object' && record.input !== null && 'prompt' in record.input
      ? record.input.prompt
      : undefined;
    if (typeof prompt !== 'string' || !prompt.includes(query.promptIncludes)) {
      return false;
    }
  }
  return true;
}

function positiveInt(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : fallback;
}

function resolveSeed(seed: unknown): number {
  return typeof seed === 'number' && Number.isInteger(seed) ? seed : randomInt(0, 2 ** 31 - 1);
}

function describeRun(endpoint: string, values: Record<string, unknown>): string {
  const model = endpoint.includes('/turbo/') ? 'AnimateDiff Turbo' : 'AnimateDiff';
  if (endpoint.endsWith('/video-to-video')) {
    return `Loading ${model} (video-to-video), strength ${String(values.strength)}`;
  }
  const size = values.video_size;
  const sizeText = typeof size === 'string'
    ? size
    : typeof size === 'object' && size !== null && 'width' in size && 'height' in size
      ? `${String(size.width)}x${String(size.height)}`
      : 'square';
  return `Loading ${model}: ${String(values.num_frames)} frames, ${sizeText}`;
}
