/**
 * Every HTTP exchange with fal goes through {@link guardedFetch}, which the fal client is given as its `fetch`:
 * each exchange has deadlines (an answer in time, no long silence in its body, an end), a submit is never sent
 * twice when fal may have received it, and redirects are not followed. No vscode import: unit-tested on Node.
 */
import { formatNumber, l10n } from '../l10n/l10n';

/** What an exchange with fal is for, read off its method and URL (the proxy's target URL when there is one). */
export type FalOperation = 'submit' | 'status' | 'stream' | 'result' | 'cancel' | 'upload' | 'uploadPut' | 'pricing' | 'other';

export interface Deadlines {
  /** Longest wait for an answer's headers. */
  answerMs: number;
  /** Longest silence within an answer's body (the event stream's pings count). */
  idleMs: number;
  /** Longest exchange, per operation; `default` for the others. The event stream is bounded by the job's own timeout. */
  totalMs: Partial<Record<FalOperation, number>> & { default: number };
}

export const DEFAULT_DEADLINES: Deadlines = {
  answerMs: 30_000,
  idleMs: 60_000,
  totalMs: { default: 60_000, status: 30_000, cancel: 10_000, pricing: 10_000, stream: Number.POSITIVE_INFINITY, uploadPut: 30 * 60_000 },
};

/**
 * fal may have received a submit whose answer was lost: it is not sent again, the user is told. The failure it
 * stands for is kept in `failure`, not `cause`: the fal client retries any error with a network error in its
 * cause chain, and this one must never be retried.
 */
export class SubmitOutcomeUnknownError extends Error {
  /** `unreadable`: fal answered, but its answer is not one (no request id can be read from it). */
  constructor(readonly reason: string, readonly failure?: unknown, readonly how: 'broken' | 'unreadable' = 'broken') {
    super(how === 'broken'
      ? `The connection to fal broke after the request was sent (${reason}).`
      : `fal's answer to the request could not be read (${reason}).`);
    this.name = 'SubmitOutcomeUnknownError';
  }
}

/** fal answered a submit with a server error: not sent again automatically (fal may have queued it). */
export class SubmitRefusedError extends Error {
  constructor(readonly status: number, readonly body: unknown, readonly requestId: string | undefined) {
    super(`fal answered the submit with HTTP ${status}.`);
    this.name = 'SubmitRefusedError';
  }
}

/**
 * fal's answer (a success) is not what the exchange is for: not JSON where fal answers JSON. The fal client would
 * pass the text on as if it were the answer, or fail with the JSON parser's words.
 */
export class UnreadableAnswerError extends Error {
  constructor(readonly operation: FalOperation, readonly contentType: string | null) {
    super(contentType
      ? l10n.t('fal\'s answer to {0} could not be read: it is not JSON (labelled {1})', describe(operation), contentType.split(';')[0].trim())
      : l10n.t('fal\'s answer to {0} could not be read: it is not JSON', describe(operation)));
    this.name = 'UnreadableAnswerError';
  }
}

/** An exchange took too long; named like the platform's so the fal client never retries it. */
export class ExchangeTimeoutError extends Error {
  constructor(readonly operation: FalOperation, readonly limit: 'answer' | 'idle' | 'total', readonly ms: number) {
    super(limit === 'answer'
      ? l10n.t('fal did not answer {0} within {1}', describe(operation), seconds(ms))
      : limit === 'idle'
        ? l10n.t('fal\'s answer to {0} stopped for {1}', describe(operation), seconds(ms))
        : l10n.t('{0} took longer than {1}', describe(operation), seconds(ms)));
    this.name = 'TimeoutError';
  }
}

/** fal (or something pretending to be fal) answered with a redirect, which is not followed. */
export class UnexpectedRedirectError extends Error {
  constructor(readonly operation: FalOperation, readonly location: string | null) {
    super(l10n.t('fal\'s answer to {0} redirected to {1}, which is not followed', describe(operation), safeLocation(location)));
    this.name = 'UnexpectedRedirectError';
  }
}

/** The exchange, named with its article, as it stands in the messages above. */
function describe(operation: FalOperation): string {
  switch (operation) {
    case 'submit':
      return l10n.t('the request');
    case 'status':
      return l10n.t('the status check');
    case 'stream':
      return l10n.t('the status stream');
    case 'result':
      return l10n.t('the result');
    case 'cancel':
      return l10n.t('the cancel');
    case 'upload':
      return l10n.t('the upload');
    case 'uploadPut':
      return l10n.t('the file upload');
    case 'pricing':
      return l10n.t('the price query');
    case 'other':
      return l10n.t('the call');
  }
}

function seconds(ms: number): string {
  return l10n.t('{0} s', formatNumber(Math.round(ms / 100) / 10));
}

/** The scheme and host of a redirect target (never its path or query, which may carry tokens). */
function safeLocation(location: string | null): string {
  if (!location) {
    return l10n.t('nowhere');
  }
  try {
    const url = new URL(location);
    return url.protocol === 'file:' ? l10n.t('a local file') : `${url.protocol}//${url.host}`;
  } catch {
    return l10n.t('an invalid address');
  }
}

const QUEUE_HOST = /^queue\.fal\.run$/;

/** What an exchange is for. `url` is where it goes; behind a proxy the real target is in `x-fal-target-url`. */
export function operationOf(method: string, url: string, headers: Headers): FalOperation {
  let target: URL;
  try {
    target = new URL(headers.get('x-fal-target-url') ?? url);
  } catch {
    return 'other';
  }
  const verb = method.toUpperCase();
  if (QUEUE_HOST.test(target.hostname)) {
    const path = target.pathname;
    if (!path.includes('/requests/')) {
      return verb === 'POST' ? 'submit' : 'other';
    }
    if (path.endsWith('/status/stream')) {
      return 'stream';
    }
    if (path.endsWith('/status')) {
      return 'status';
    }
    if (path.endsWith('/cancel')) {
      return 'cancel';
    }
    return 'result';
  }
  if (/\/storage\/upload\//.test(target.pathname)) {
    return 'upload';
  }
  if (target.pathname.startsWith('/v1/models/pricing')) {
    return 'pricing';
  }
  return verb === 'PUT' ? 'uploadPut' : 'other';
}

/** Errors where the request cannot have left this machine: connecting failed, before any byte of it was sent. */
const NOT_SENT_CODES = /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH|UND_ERR_CONNECT_TIMEOUT|ERR_TLS_.*|ERR_SSL_.*|CERT_.*|UNABLE_TO_.*|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|ERR_INVALID_URL)$/;

/** The system error code in an error's cause chain (Node's fetch wraps socket errors in `TypeError('fetch failed')`). */
export function systemErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && typeof current === 'object' && current !== null; depth++) {
    const { code, cause } = current as { code?: unknown; cause?: unknown };
    if (typeof code === 'string') {
      return code;
    }
    current = cause;
  }
  return undefined;
}

/** Whether a failed exchange provably never reached the server. */
export function neverSent(error: unknown): boolean {
  const code = systemErrorCode(error);
  return code !== undefined && NOT_SENT_CODES.test(code);
}

/** An AbortController that also aborts when `parent` does; `dispose` unhooks it. */
function childController(parent: AbortSignal | null | undefined): { controller: AbortController; dispose(): void } {
  const controller = new AbortController();
  if (!parent) {
    return { controller, dispose: () => undefined };
  }
  const onAbort = () => controller.abort(parent.reason);
  if (parent.aborted) {
    onAbort();
    return { controller, dispose: () => undefined };
  }
  parent.addEventListener('abort', onAbort, { once: true });
  return { controller, dispose: () => parent.removeEventListener('abort', onAbort) };
}

export interface GuardOptions {
  deadlines?: Deadlines;
  /** Extra headers for exchanges with the team proxy (its Basic credentials), never sent anywhere else. */
  proxy?: { origin: string; headers: Record<string, string> };
}

/**
 * Wraps `inner` (the platform's fetch, or the sandbox's) with the guards described at the top of this file.
 * The fal client retries what it considers transient; these guards decide what it gets to see:
 * - a submit that failed after it may have reached fal becomes {@link SubmitOutcomeUnknownError}, and a submit fal
 *   answered with a 5xx becomes {@link SubmitRefusedError} — neither of which the client retries. A submit that
 *   never left (connection refused, DNS, TLS) or that fal refused without queueing (429) may be retried;
 * - an exchange past its deadline fails with {@link ExchangeTimeoutError}, which the client does not retry either.
 */
export function guardedFetch(inner: typeof fetch, options: GuardOptions = {}): typeof fetch {
  const deadlines = options.deadlines ?? DEFAULT_DEADLINES;
  return async (input, init) => {
    const request = input instanceof Request ? input : undefined;
    const url = request ? request.url : input instanceof URL ? input.href : String(input);
    const method = init?.method ?? request?.method ?? 'GET';
    const headers = new Headers(init?.headers ?? request?.headers);
    const operation = operationOf(method, url, headers);
    if (options.proxy && new URL(url).origin === options.proxy.origin) {
      for (const [name, value] of Object.entries(options.proxy.headers)) {
        headers.set(name, value);
      }
    }
    const { controller, dispose } = childController(init?.signal ?? request?.signal);
    const timers = new Set<ReturnType<typeof setTimeout>>();
    const stop = () => {
      timers.forEach(clearTimeout);
      timers.clear();
      dispose();
    };
    /** Arms a limit; the returned function disarms it. */
    const limit = (kind: 'answer' | 'idle' | 'total', ms: number): (() => void) => {
      if (!Number.isFinite(ms)) {
        return () => undefined;
      }
      const timer = setTimeout(() => controller.abort(new ExchangeTimeoutError(operation, kind, ms)), ms);
      timers.add(timer);
      return () => {
        clearTimeout(timer);
        timers.delete(timer);
      };
    };
    limit('total', deadlines.totalMs[operation] ?? deadlines.totalMs.default);
    const answered = limit('answer', deadlines.answerMs);

    let response: Response;
    try {
      response = await inner(input instanceof Request ? input : url, { ...init, method, headers, signal: controller.signal, redirect: 'manual' });
    } catch (error) {
      stop();
      const reason = controller.signal.aborted ? controller.signal.reason : error;
      // A submit is never abandoned by the user's cancel (see FalGateway.submit): whatever ends it once it may
      // have left leaves its outcome unknown.
      if (operation === 'submit' && !neverSent(reason)) {
        throw new SubmitOutcomeUnknownError(reason instanceof ExchangeTimeoutError ? reason.message : describeError(reason), reason);
      }
      throw reason;
    }
    answered();

    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel().catch(() => undefined);
      stop();
      throw new UnexpectedRedirectError(operation, response.headers.get('location'));
    }
    const armIdle = () => limit('idle', deadlines.idleMs);
    if (operation === 'submit') {
      return settleSubmit(response, controller, stop, armIdle);
    }
    if (JSON_ANSWERS.has(operation)) {
      return settleJson(operation, response, controller, stop, armIdle);
    }
    return watchBody(response, controller, stop, armIdle);
  };
}

/**
 * Exchanges whose answer is one small JSON document: read whole here (within the deadlines), so that what the fal
 * client is handed is JSON labelled as JSON. fal's JSON under another label (a proxy's doing) is read as JSON; a
 * success that is not JSON is an {@link UnreadableAnswerError} rather than text passed on as the answer. Error answers
 * that are not JSON (a gateway's page) pass as they are: their status says what happened.
 */
const JSON_ANSWERS: ReadonlySet<FalOperation> = new Set<FalOperation>(['status', 'result', 'cancel', 'upload', 'pricing', 'uploadPut']);

/** A file upload's answer is not read by anyone: only one labelled JSON must be JSON. */
const LABEL_ONLY: ReadonlySet<FalOperation> = new Set<FalOperation>(['uploadPut']);

function isJsonLabel(contentType: string | null): boolean {
  return /^application\/([\w.+-]*\+)?json\b/i.test(contentType?.trim() ?? '');
}

function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** A copy of `response` with `text` as its body (and, if given, another content type). */
function withBody(response: Response, text: string, contentType?: string): Response {
  const headers = new Headers(response.headers);
  if (contentType) {
    headers.set('content-type', contentType);
  }
  // The body is decoded text now: the lengths and encodings of the wire no longer apply.
  headers.delete('content-length');
  headers.delete('content-encoding');
  return new Response(text, { status: response.status, statusText: response.statusText, headers });
}

async function settleJson(
  operation: FalOperation,
  response: Response,
  controller: AbortController,
  stop: () => void,
  armIdle: () => () => void,
): Promise<Response> {
  const text = await readBodyText(response, controller, stop, armIdle);
  const contentType = response.headers.get('content-type');
  if (text.trim() === '' || (LABEL_ONLY.has(operation) && !isJsonLabel(contentType))) {
    return withBody(response, text);
  }
  if (parsesAsJson(text)) {
    return withBody(response, text, 'application/json');
  }
  if (response.ok) {
    throw new UnreadableAnswerError(operation, contentType);
  }
  return withBody(response, text, isJsonLabel(contentType) ? 'text/plain; charset=utf-8' : undefined);
}

function describeError(error: unknown): string {
  const code = systemErrorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  return code && !message.includes(code) ? `${message}, ${code}` : message;
}

/**
 * A submit's answer is small: it is read whole here, so that a connection lost while reading it is known to be a
 * submit's (and not sent again), and a 5xx is reported without the client retrying it. A success must name the
 * request fal queued: one that cannot be read leaves its outcome unknown, as a lost one does (fal may bill the job).
 */
async function settleSubmit(response: Response, controller: AbortController, stop: () => void, armIdle: () => () => void): Promise<Response> {
  let text: string;
  try {
    text = await readBodyText(response, controller, stop, armIdle);
  } catch (error) {
    const reason = controller.signal.aborted ? controller.signal.reason : error;
    throw new SubmitOutcomeUnknownError(reason instanceof ExchangeTimeoutError ? reason.message : describeError(reason), reason);
  } finally {
    stop();
  }
  if (response.status >= 500) {
    throw new SubmitRefusedError(response.status, parseBody(text), response.headers.get('x-fal-request-id') ?? undefined);
  }
  if (!response.ok) {
    return withBody(response, text, parsesAsJson(text) ? 'application/json' : undefined);
  }
  const answer = parseBody(text);
  const requestId = typeof answer === 'object' && answer !== null ? (answer as { request_id?: unknown }).request_id : undefined;
  if (typeof requestId !== 'string' || requestId === '') {
    const what = typeof answer === 'string' ? l10n.t('it is not JSON') : l10n.t('it names no request id');
    throw new SubmitOutcomeUnknownError(what, undefined, 'unreadable');
  }
  return withBody(response, text, 'application/json');
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * A small answer's body as text, with the limits of {@link watchBody}: read here directly, not through another
 * stream and response (which cost more than reading an answer of a few hundred bytes).
 */
async function readBodyText(response: Response, controller: AbortController, stop: () => void, armIdle: () => () => void): Promise<string> {
  if (!response.body) {
    stop();
    return '';
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    for (;;) {
      const disarm = armIdle();
      let read: ReadableStreamReadResult<Uint8Array>;
      try {
        read = await reader.read();
      } finally {
        disarm();
      }
      if (read.done) {
        return text + decoder.decode();
      }
      text += decoder.decode(read.value, { stream: true });
    }
  } catch (error) {
    throw controller.signal.aborted ? controller.signal.reason : error;
  } finally {
    stop();
  }
}

/** The answer, with its body watched: a silence longer than the idle limit ends it, as does the total deadline. */
function watchBody(
  response: Response,
  controller: AbortController,
  stop: () => void,
  armIdle: () => () => void,
): Response {
  if (!response.body) {
    stop();
    return response;
  }
  const reader = response.body.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(stream) {
      const disarm = armIdle();
      try {
        const { done, value } = await reader.read();
        if (done) {
          stop();
          stream.close();
        } else {
          stream.enqueue(value);
        }
      } catch (error) {
        stop();
        stream.error(controller.signal.aborted ? controller.signal.reason : error);
      } finally {
        disarm();
      }
    },
    async cancel(reason) {
      stop();
      await reader.cancel(reason);
    },
  });
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}
