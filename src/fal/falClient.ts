import type * as FalClientLibrary from '@fal-ai/client';
import type { FalClient, QueueStatus } from '@fal-ai/client';
import { readVideoOutput, type VideoOutput } from '../model/animateDiff';
import { l10n } from '../l10n/l10n';
import { FalFailure } from '../model/failure';
import { ambiguousSubmitFailure, failureFromHttp, networkErrorCode, networkFailure, noVideoFailure, timeoutFailure, transportTimeoutFailure, unreadableAnswerFailure, type Route } from './errors';
import type { UnitPrice } from '../model/price';
import { MAX_PRICED_ENDPOINTS, pricingUrl, readPrices } from './pricing';
import { ExchangeTimeoutError, guardedFetch, SubmitOutcomeUnknownError, SubmitRefusedError, UnexpectedRedirectError, UnreadableAnswerError, type Deadlines } from './transport';

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
  /** How long the job may take, cancelled at fal after that: from now, unless `deadline` says when it ends. */
  timeoutMs?: number;
  /** When the job must be done (epoch ms): its timeout covers it from the first byte sent. */
  deadline?: number;
}

export interface FalJobResult {
  requestId: string;
  output: VideoOutput;
  inferenceSeconds: number | null;
  /** fal's whole answer, as it came. */
  raw: unknown;
}

export type CancelOutcome = 'requested' | 'alreadyCompleted' | 'unknownRequest';

export interface GatewayOptions {
  /** The exchanges' limits (tests make them short). */
  deadlines?: Deadlines;
  /** The network: the platform's fetch by default, the sandbox's when the imitation stands in for fal. */
  fetch?: typeof fetch;
}

/**
 * `@fal-ai/client` is required when the first gateway is made, not when the core loads: the History view, a
 * parameter file or the video panel never need it. The production build puts it in its own file for that.
 */
let library: typeof FalClientLibrary | undefined;

function falLibrary(): typeof FalClientLibrary {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  library ??= require('@fal-ai/client') as typeof FalClientLibrary;
  return library;
}

/** Only the library's answers are ApiErrors, so none can exist before it is loaded. */
function isApiError(error: unknown): error is InstanceType<typeof FalClientLibrary.ApiError> {
  return library !== undefined && error instanceof library.ApiError;
}

const FAL_HOST = /(^|\.)(fal\.run|fal\.ai|fal\.media)$/;
const POLL_INTERVAL_MS = 500;

/** Rewrites fal hosts to the local imitation, keeping the original host in a header it routes by. */
export function sandboxFetch(origin: string, inner: typeof fetch = fetch): typeof fetch {
  const base = new URL(origin);
  return (input, init) => {
    const original = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    if (!FAL_HOST.test(original.hostname)) {
      return inner(input, init);
    }
    const target = new URL(original.pathname + original.search, base);
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    headers.set('x-fal-imitation-host', original.hostname);
    return inner(target, { ...init, headers });
  };
}

/** A proxy URL's `user:password@` becomes Basic credentials sent to the proxy only; the URL the client sees has none. */
export function proxyCredentials(proxyUrl: string): { url: string; origin: string; headers: Record<string, string> } {
  const url = new URL(proxyUrl);
  const headers: Record<string, string> = {};
  if (url.username || url.password) {
    const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    headers.Authorization = `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  return { url: url.href, origin: url.origin, headers };
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
    return new FalFailure('cancelled', l10n.t('Cancelled.'), { requestId });
  }
  return new FalFailure(
    'server',
    typeof errorType === 'string'
      ? l10n.t('fal could not finish the job: “{0}” ({1}). This is usually temporary: retry in a minute.', error, errorType)
      : l10n.t('fal could not finish the job: “{0}”. This is usually temporary: retry in a minute.', error),
    { requestId, falDetail: error, endedAtFal: true },
  );
}

export class FalGateway {
  private readonly client: FalClient;
  private readonly viaProxy: boolean;
  /** The network as the client sees it: the guards, the sandbox rewrite and the proxy's credentials. */
  private readonly guarded: typeof fetch;
  private readonly proxyUrl: string | undefined;

  constructor(private readonly connection: FalConnection, options: GatewayOptions = {}) {
    this.viaProxy = Boolean(connection.proxyUrl);
    const proxy = connection.proxyUrl ? proxyCredentials(connection.proxyUrl) : undefined;
    this.proxyUrl = proxy?.url;
    const network = options.fetch ?? (connection.sandboxUrl ? sandboxFetch(connection.sandboxUrl) : fetch);
    this.guarded = guardedFetch(network, { deadlines: options.deadlines, proxy: proxy && { origin: proxy.origin, headers: proxy.headers } });
    this.client = falLibrary().createFalClient({
      // A resolver (not a string) so the client never falls back to FAL_KEY on its own.
      credentials: () => connection.credentials,
      proxyUrl: proxy ? { url: proxy.url, when: 'always' } : undefined,
      fetch: this.guarded,
    });
  }

  private get route(): Route {
    return this.viaProxy ? 'proxy' : this.connection.sandboxUrl !== undefined ? 'sandbox' : 'fal';
  }

  get isSandbox(): boolean {
    return this.connection.sandboxUrl !== undefined;
  }

  /**
   * Sends the job to fal's queue and resolves with its request id. Once the request may have left, it is not
   * abandoned (fal may have queued, and will bill, the job): only its deadline ends it, never the user's cancel.
   */
  async submit(endpoint: string, input: Readonly<Record<string, unknown>>, options: { deadline?: number } = {}): Promise<string> {
    const remaining = options.deadline === undefined ? undefined : Math.max(0, options.deadline - Date.now());
    const abortSignal = remaining === undefined ? undefined : AbortSignal.timeout(remaining);
    try {
      const submitted = await this.client.queue.submit(endpoint, { input, abortSignal });
      return submitted.request_id;
    } catch (error) {
      throw this.toFailure(error);
    }
  }

  /** Submits a job and follows it to its result; cancelling stops following (a job fal received is cancelled there). */
  async generate(endpoint: string, input: Readonly<Record<string, unknown>>, options: FollowOptions = {}): Promise<FalJobResult> {
    const deadline = options.deadline ?? (options.timeoutMs !== undefined ? Date.now() + options.timeoutMs : undefined);
    const requestId = await this.submit(endpoint, input, { deadline });
    if (options.signal?.aborted) {
      void this.cancel(endpoint, requestId).catch(() => undefined);
      throw new FalFailure('cancelled', l10n.t('Cancelled.'), { requestId });
    }
    options.observer?.onSubmitted?.(requestId);
    options.observer?.onQueued?.(undefined);
    return this.follow(endpoint, requestId, { ...options, deadline });
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
    const deadline = options.deadline ?? (options.timeoutMs !== undefined ? Date.now() + options.timeoutMs : undefined);
    let timedOut = false;
    const timer = deadline !== undefined
      ? setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, Math.max(0, deadline - Date.now()))
      : undefined;
    try {
      // Raced against the abort: the fal client finishes a retry's wait (up to 16 s) before it looks at the signal.
      const completed = await this.call(() => raceAbort(this.waitForCompletion(endpoint, requestId, controller.signal, options.observer), controller.signal), controller.signal);
      const completedError = failureOfCompletedStatus(completed, requestId);
      if (completedError) {
        // Fetching the result of a failed run only costs the client's retries before the same answer.
        throw completedError;
      }
      const result = await this.call(() => raceAbort(this.client.queue.result(endpoint, { requestId, abortSignal: controller.signal }), controller.signal), controller.signal);
      const reading = readVideoOutput(result.data);
      if (!reading.ok) {
        throw noVideoFailure(requestId, reading.problem);
      }
      const inference = completed.metrics?.inference_time;
      return { requestId, output: reading.output, inferenceSeconds: typeof inference === 'number' ? inference : null, raw: result.data };
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
      if (isApiError(error) && error.status === 400) {
        return 'alreadyCompleted';
      }
      if (isApiError(error) && error.status === 404) {
        return 'unknownRequest';
      }
      throw this.toFailure(error);
    }
  }

  /**
   * fal's unit prices of these endpoints (its platform pricing API), with the same guards as every other call: the
   * `pricing` deadlines, no redirects, the proxy form when there is a proxy. Endpoints fal lists no price for are
   * absent from the answer. Fails with a FalFailure (401, 403, network, timeout, an answer that is not a price list).
   */
  async unitPrices(endpointIds: readonly string[], signal?: AbortSignal): Promise<UnitPrice[]> {
    const ids = [...new Set(endpointIds)].slice(0, MAX_PRICED_ENDPOINTS);
    if (ids.length === 0) {
      return [];
    }
    const target = pricingUrl(ids);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.connection.credentials) {
      headers.authorization = `Key ${this.connection.credentials}`;
    }
    if (this.proxyUrl) {
      headers['x-fal-target-url'] = target;
    }
    let status: number;
    let text: string;
    try {
      const response = await this.guarded(this.proxyUrl ?? target, { method: 'GET', headers, signal });
      status = response.status;
      text = await response.text();
    } catch (error) {
      throw signal?.aborted ? new FalFailure('cancelled', l10n.t('Cancelled.')) : this.toFailure(error);
    }
    let body: unknown = text;
    try {
      body = JSON.parse(text) as unknown;
    } catch {
      // Said as it came (an HTML error page, a cut answer).
    }
    if (status < 200 || status >= 300) {
      throw failureFromHttp(status, body, { viaProxy: this.viaProxy });
    }
    const prices = readPrices(body);
    if (!prices) {
      throw new FalFailure('unknown', l10n.t('fal\'s answer to the price query is not a price list.'), { status });
    }
    return prices;
  }

  /** Uploads a file to fal storage and returns the URL to use in a request. */
  async upload(file: Blob, signal?: AbortSignal): Promise<string> {
    return this.call(() => raceAbort(this.client.storage.upload(file), signal), signal);
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
      if (signal.aborted) {
        throw error;
      }
      // The event stream broke or was refused (a proxy without streaming, a dropped connection, a 429 or 404 for the
      // stream alone): poll instead. fal's job runs on whatever the stream said; the status has the last word.
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
        throw new FalFailure('cancelled', l10n.t('Cancelled.'));
      }
      throw this.toFailure(error);
    }
  }

  private toFailure(error: unknown): FalFailure {
    if (error instanceof FalFailure) {
      return error;
    }
    if (error instanceof SubmitOutcomeUnknownError) {
      return ambiguousSubmitFailure(error.reason, error.how);
    }
    if (error instanceof UnreadableAnswerError) {
      return unreadableAnswerFailure(error.message);
    }
    if (error instanceof SubmitRefusedError) {
      return failureFromHttp(error.status, error.body, { requestId: error.requestId, viaProxy: this.viaProxy });
    }
    if (error instanceof ExchangeTimeoutError) {
      return transportTimeoutFailure(error.message);
    }
    if (error instanceof UnexpectedRedirectError) {
      return new FalFailure('unknown', l10n.t('{0}. Check the animateDiff.proxyUrl setting and your network.', error.message));
    }
    if (isApiError(error)) {
      const code = networkErrorCode((error as { cause?: unknown }).cause);
      if (code !== undefined && error.body === undefined) {
        return networkFailure(code, this.route);
      }
      return failureFromHttp(error.status, error.body, { requestId: error.requestId || undefined, viaProxy: this.viaProxy });
    }
    const code = networkErrorCode(error);
    if (code !== undefined) {
      return networkFailure(code, this.route);
    }
    if (error instanceof Error && error.name === 'AbortError') {
      return new FalFailure('cancelled', l10n.t('Cancelled.'));
    }
    return new FalFailure('unknown', l10n.t('Unexpected problem talking to fal: {0}', error instanceof Error ? error.message : String(error)));
  }
}

/** Settles as `operation`, or rejects at once when `signal` aborts (the operation is left to its own deadline). */
function raceAbort<T>(operation: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) {
    return operation;
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError());
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    operation.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
