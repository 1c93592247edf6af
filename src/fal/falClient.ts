import { ApiError, createFalClient, type FalClient, type QueueStatus } from '@fal-ai/client';
import { videoOutputSchema, type VideoOutput } from '../model/animateDiff';
import { failureFromHttp, networkErrorCode, networkFailure, noVideoFailure, timeoutFailure } from './errors';
import { FalFailure } from '../model/failure';

/**
 * The only module that talks to `@fal-ai/client`. Everything else sees plain data and FalFailure.
 */

export interface FalConnection {
  /** `key_id:key_secret`, or undefined when a team proxy adds the key. */
  credentials: string | undefined;
  /** fal server-side proxy (`x-fal-target-url` protocol). */
  proxyUrl: string | undefined;
  /** Origin of the local fal imitation: every fal host is rewritten to it. */
  sandboxUrl: string | undefined;
}

export interface FalLogLine {
  message: string;
  level?: string;
  timestamp?: string;
}

export interface JobObserver {
  onSubmitted?(requestId: string): void;
  onQueued?(position: number | undefined): void;
  onRunning?(): void;
  onLog?(line: FalLogLine): void;
}

export interface FollowOptions {
  signal?: AbortSignal;
  observer?: JobObserver;
  timeoutMs?: number;
}

export interface FalJobResult {
  requestId: string;
  output: VideoOutput;
  inferenceSeconds: number | null;
}

export type CancelOutcome = 'requested' | 'alreadyCompleted' | 'unknownRequest';

const FAL_HOST = /(^|\.)(fal\.run|fal\.ai|fal\.media)$/;
const POLL_INTERVAL_MS = 500;

/** Rewrites fal hosts to the local imitation, keeping the original host in a header it routes by. */
function sandboxFetch(origin: string): typeof fetch {
  const base = new URL(origin);
  return (input, init) => {
    const original = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    if (!FAL_HOST.test(original.hostname)) {
      return fetch(input, init);
    }
    const target = new URL(original.pathname + original.search, base);
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    headers.set('x-fal-imitation-host', original.hostname);
    return fetch(target, { ...init, headers });
  };
}

function abortError(): Error {
  const error = new Error('The operation was aborted.');
  error.name = 'AbortError';
  return error;
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(abortError());
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError());
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** fal ends failed runs as COMPLETED with `error`/`error_type` (runner disconnected, cancelled while queued). */
function failureOfCompletedStatus(status: object, requestId: string): FalFailure | undefined {
  const { error, error_type: errorType } = status as { error?: unknown; error_type?: unknown };
  if (typeof error !== 'string' || error === '') {
    return undefined;
  }
  if (errorType === 'request_cancelled') {
    return new FalFailure('cancelled', 'Cancelled.', { requestId });
  }
  return new FalFailure(
    'server',
    `fal could not finish the job: “${error}”${typeof errorType === 'string' ? ` (${errorType})` : ''}. This is usually temporary: retry in a minute.`,
    { requestId, falDetail: error },
  );
}

export class FalGateway {
  private readonly client: FalClient;
  private readonly viaProxy: boolean;

  constructor(private readonly connection: FalConnection) {
    this.viaProxy = Boolean(connection.proxyUrl);
    this.client = createFalClient({
      // A resolver (not a string) so the client never falls back to FAL_KEY on its own.
      credentials: () => connection.credentials,
      proxyUrl: connection.proxyUrl ? { url: connection.proxyUrl, when: 'always' } : undefined,
      fetch: connection.sandboxUrl ? sandboxFetch(connection.sandboxUrl) : undefined,
    });
  }

  get isSandbox(): boolean {
    return this.connection.sandboxUrl !== undefined;
  }

  /** Submits a job and follows it to its result. */
  async generate(endpoint: string, input: Record<string, unknown>, options: FollowOptions = {}): Promise<FalJobResult> {
    const requestId = await this.call(async () => {
      const submitted = await this.client.queue.submit(endpoint, { input, abortSignal: options.signal });
      return submitted.request_id;
    }, options.signal);
    options.observer?.onSubmitted?.(requestId);
    options.observer?.onQueued?.(undefined);
    return this.follow(endpoint, requestId, options);
  }

  /** Follows an already submitted job (also after a window reload) to its result. */
  async follow(endpoint: string, requestId: string, options: FollowOptions = {}): Promise<FalJobResult> {
    const controller = new AbortController();
    const outer = options.signal;
    const onOuterAbort = () => controller.abort();
    if (outer?.aborted) {
      controller.abort();
    }
    outer?.addEventListener('abort', onOuterAbort, { once: true });
    let timedOut = false;
    const timer = options.timeoutMs !== undefined
      ? setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, options.timeoutMs)
      : undefined;
    try {
      const completed = await this.call(() => this.waitForCompletion(endpoint, requestId, controller.signal, options.observer), controller.signal);
      const completedError = failureOfCompletedStatus(completed, requestId);
      if (completedError) {
        // Fetching the result of a failed run only costs the client's retries before the same answer.
        throw completedError;
      }
      const result = await this.call(() => this.client.queue.result(endpoint, { requestId, abortSignal: controller.signal }), controller.signal);
      const parsed = videoOutputSchema.safeParse(result.data);
      if (!parsed.success) {
        throw noVideoFailure(requestId);
      }
      const inference = completed.metrics?.inference_time;
      return { requestId, output: parsed.data, inferenceSeconds: typeof inference === 'number' ? inference : null };
    } catch (error) {
      if (timedOut) {
        void this.cancel(endpoint, requestId).catch(() => undefined);
        throw timeoutFailure(Math.round((options.timeoutMs ?? 0) / 1000));
      }
      if (error instanceof FalFailure && error.details.requestId === undefined) {
        throw new FalFailure(error.kind, error.message, { ...error.details, requestId });
      }
      throw error;
    } finally {
      if (timer) {
        clearTimeout(timer);
      }
      outer?.removeEventListener('abort', onOuterAbort);
    }
  }

  /** Asks fal to cancel. A job that already started may still finish (and be billed). */
  async cancel(endpoint: string, requestId: string): Promise<CancelOutcome> {
    try {
      await this.client.queue.cancel(endpoint, { requestId });
      return 'requested';
    } catch (error) {
      if (error instanceof ApiError && error.status === 400) {
        return 'alreadyCompleted';
      }
      if (error instanceof ApiError && error.status === 404) {
        return 'unknownRequest';
      }
      throw this.toFailure(error);
    }
  }

  /** Uploads a file to fal storage and returns the URL to use in a request. */
  async upload(file: Blob): Promise<string> {
    return this.call(() => this.client.storage.upload(file));
  }

  /** Streams status (the result arrives as soon as fal says COMPLETED); falls back to polling if the stream breaks. */
  private async waitForCompletion(endpoint: string, requestId: string, signal: AbortSignal, observer: JobObserver | undefined): Promise<QueueStatus & { metrics?: { inference_time: number | null } }> {
    const seenLogs = new Set<string>();
    let running = false;
    const report = (status: QueueStatus) => {
      if (status.status === 'IN_QUEUE') {
        observer?.onQueued?.(typeof status.queue_position === 'number' ? status.queue_position : undefined);
        return;
      }
      if (!running) {
        running = true;
        observer?.onRunning?.();
      }
      const logs: unknown = (status as { logs?: unknown }).logs;
      if (Array.isArray(logs)) {
        for (const entry of logs as Array<{ message?: unknown; level?: unknown; timestamp?: unknown }>) {
          if (typeof entry?.message !== 'string') {
            continue;
          }
          const key = `${String(entry.timestamp)}|${entry.message}`;
          if (seenLogs.has(key)) {
            continue;
          }
          seenLogs.add(key);
          observer?.onLog?.({
            message: entry.message,
            level: typeof entry.level === 'string' ? entry.level : undefined,
            timestamp: typeof entry.timestamp === 'string' ? entry.timestamp : undefined,
          });
        }
      }
    };

    try {
      const stream = await this.client.queue.streamStatus(endpoint, { requestId, logs: true });
      const onAbort = () => stream.abort();
      signal.addEventListener('abort', onAbort, { once: true });
      stream.on('data', (status) => report(status));
      try {
        const done = await stream.done();
        if (signal.aborted) {
          throw abortError();
        }
        if (done && done.status === 'COMPLETED') {
          report(done);
          return done;
        }
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
    } catch (error) {
      if (signal.aborted || (error instanceof ApiError && error.status >= 400 && error.status < 500)) {
        throw error;
      }
      // The event stream broke (proxy without streaming, dropped connection): poll instead.
    }

    for (;;) {
      const status = await this.client.queue.status(endpoint, { requestId, logs: true, abortSignal: signal });
      report(status);
      if (status.status === 'COMPLETED') {
        return status;
      }
      await delay(POLL_INTERVAL_MS, signal);
    }
  }

  private async call<T>(operation: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (signal?.aborted) {
        throw new FalFailure('cancelled', 'Cancelled.');
      }
      throw this.toFailure(error);
    }
  }

  private toFailure(error: unknown): FalFailure {
    if (error instanceof FalFailure) {
      return error;
    }
    if (error instanceof ApiError) {
      const code = networkErrorCode((error as { cause?: unknown }).cause);
      if (code !== undefined && error.body === undefined) {
        return networkFailure(code, this.viaProxy);
      }
      return failureFromHttp(error.status, error.body, { requestId: error.requestId || undefined, viaProxy: this.viaProxy });
    }
    const code = networkErrorCode(error);
    if (code !== undefined) {
      return networkFailure(code, this.viaProxy);
    }
    if (error instanceof Error && error.name === 'AbortError') {
      return new FalFailure('cancelled', 'Cancelled.');
    }
    return new FalFailure('unknown', `Unexpected problem talking to fal: ${error instanceof Error ? error.message : String(error)}`);
  }
}
