/**
 * Turns what went wrong talking to fal into one message that says what happened and what to do.
 * Pure: no fal client and no vscode import, so every case is unit-tested on Node.
 */

import { FalFailure, type FalFieldError } from '../model/failure';
import { l10n } from '../l10n/l10n';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Longest text of fal's quoted in a message; a longer answer is cut (the log keeps the rest of the story). */
const MAX_QUOTED_LENGTH = 300;

/**
 * A plain-text answer as it can be quoted: not a web page (a gateway's or proxy's error page says no more than its
 * status, and its markup is unreadable in a notification), at most {@link MAX_QUOTED_LENGTH} characters.
 */
function quotableText(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed === '' || /<(!doctype|html|head|body|title|h\d|p|div|center|pre)\b[^>]*>/i.test(trimmed)) {
    return undefined;
  }
  return trimmed.length > MAX_QUOTED_LENGTH ? `${trimmed.slice(0, MAX_QUOTED_LENGTH - 1)}…` : trimmed;
}

/** fal's `detail` as plain text (string detail, or the messages of a detail list). */
export function detailText(body: unknown): string | undefined {
  if (typeof body === 'string') {
    return quotableText(body);
  }
  if (!isRecord(body)) {
    return undefined;
  }
  const detail = body.detail;
  if (typeof detail === 'string') {
    return detail;
  }
  if (Array.isArray(detail)) {
    const messages = parseFieldErrors(detail).map((e) => (e.field ? `${e.field}: ${e.message}` : e.message));
    return messages.length > 0 ? messages.join('; ') : undefined;
  }
  if (typeof body.error === 'string') {
    return body.error;
  }
  if (typeof body.message === 'string') {
    return body.message;
  }
  return undefined;
}

export function parseFieldErrors(detail: unknown): FalFieldError[] {
  if (!Array.isArray(detail)) {
    return [];
  }
  const errors: FalFieldError[] = [];
  for (const item of detail) {
    if (!isRecord(item)) {
      continue;
    }
    const loc = Array.isArray(item.loc) ? item.loc.filter((p): p is string | number => typeof p === 'string' || typeof p === 'number') : [];
    const path = loc[0] === 'body' ? loc.slice(1) : loc;
    errors.push({
      field: path.length > 0 ? path.join('.') : undefined,
      loc,
      message: typeof item.msg === 'string' ? item.msg : l10n.t('Invalid value'),
      type: typeof item.type === 'string' ? item.type : undefined,
      ...(isRecord(item.ctx) ? { ctx: item.ctx } : {}),
    });
  }
  return errors;
}

const STATUS_TEXT: Record<number, string> = {
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** Classifies an HTTP error answer from fal (or from the team proxy in front of it). */
export function failureFromHttp(status: number, body: unknown, context: { requestId?: string; viaProxy?: boolean } = {}): FalFailure {
  const falDetail = detailText(body);
  const base = { status, requestId: context.requestId, falDetail };
  const said = falDetail ? ` ${l10n.t('fal said: “{0}”', falDetail)}` : '';
  if (status === 401) {
    return new FalFailure(
      'auth',
      context.viaProxy
        ? l10n.t('The team proxy\'s fal key was rejected (401).{0} Ask whoever runs the proxy to check its FAL_KEY.', said)
        : l10n.t('fal rejected the API key (401).{0} Set a valid key (key_id:key_secret from fal.ai/dashboard/keys).', said),
      base,
    );
  }
  if (status === 403) {
    if (falDetail && /balance|billing|top up/i.test(falDetail)) {
      return new FalFailure('balance', l10n.t('Your fal balance is exhausted, so fal refused the job (403). Top up at fal.ai/dashboard/billing, then retry.'), base);
    }
    return new FalFailure('forbidden', l10n.t('fal refused the request (403).{0} Check that the key is allowed to use this endpoint.', said), base);
  }
  if (status === 404) {
    return new FalFailure('notFound', l10n.t('fal does not know this endpoint or request (404).{0} Check the endpoint id in the animateDiff.endpoint setting or the parameter file.', said), base);
  }
  if (status === 422) {
    const fieldErrors = isRecord(body) ? parseFieldErrors(body.detail) : [];
    if (fieldErrors.some((e) => e.type === 'content_policy_violation')) {
      return new FalFailure('contentPolicy', l10n.t('fal\'s content policy blocked this prompt. Rephrase the prompt and try again.'), { ...base, fieldErrors });
    }
    const listed = fieldErrors.length > 0
      ? fieldErrors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join('; ')
      : falDetail ?? l10n.t('no details given');
    return new FalFailure('validation', l10n.t('fal rejected the parameters (422) — {0}. Fix them and generate again.', listed), { ...base, fieldErrors });
  }
  if (status === 429) {
    return new FalFailure('rateLimit', l10n.t('fal is rate-limiting your requests (429). Wait a moment, then retry.'), base);
  }
  if (status === 504 || (falDetail !== undefined && /timeout/i.test(falDetail) && status >= 500)) {
    return new FalFailure('generationTimeout', l10n.t('fal timed out while generating the video ({0}). Retry, or ask for fewer frames or steps.', status), base);
  }
  if (status >= 500) {
    const text = STATUS_TEXT[status] ?? 'Server Error';
    return new FalFailure('server', l10n.t('fal had a server problem ({0} {1}). This is usually temporary: retry in a minute.{2}', status, text, said), base);
  }
  if (context.viaProxy && status >= 400) {
    return new FalFailure('proxy', l10n.t('The team proxy refused the request ({0}).{1} Check the animateDiff.proxyUrl setting.', status, said), base);
  }
  return new FalFailure('unknown', l10n.t('fal answered {0}.{1}', status, said), base);
}

/** Node's fetch wraps socket errors as `TypeError('fetch failed', { cause })`; finds the system code. */
export function networkErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const { code, cause } = current as { code?: unknown; cause?: unknown };
    if (typeof code === 'string' && /^(E[A-Z]+|UND_ERR_[A-Z_]+)$/.test(code)) {
      return code;
    }
    current = cause;
  }
  if (error instanceof TypeError && /fetch failed|network|socket|terminated/i.test(error.message)) {
    return l10n.t('network error');
  }
  return undefined;
}

/** Where requests went when they could not get through: fal, the team proxy, or the local fal imitation (sandbox). */
export type Route = 'fal' | 'proxy' | 'sandbox';

export function networkFailure(code: string, route: Route): FalFailure {
  switch (route) {
    case 'proxy':
      return new FalFailure('network', l10n.t('Could not reach the team proxy ({0}). Check the animateDiff.proxyUrl setting and your connection, then retry.', code));
    case 'sandbox':
      return new FalFailure('network', l10n.t('Could not reach the local fal imitation ({0}): this window runs in the sandbox, and the imitation has stopped. Restart it (npm start), then retry.', code));
    case 'fal':
      return new FalFailure('network', l10n.t('Could not reach fal ({0}). Check your internet connection, then retry.', code));
  }
}

export function timeoutFailure(seconds: number): FalFailure {
  return new FalFailure(
    'timeout',
    l10n.t('No result from fal after {0} s, so the job was cancelled. Retry, or raise the animateDiff.requestTimeoutSeconds setting.', seconds),
  );
}

/** A result that cannot be shown: what came back is said, and the request id kept (fal has billed it). */
export function noVideoFailure(requestId: string | undefined, problem = 'it returned no video'): FalFailure {
  const said = problem === 'it returned no video' ? l10n.t('fal finished the job but returned no video') : l10n.t('fal finished the job, but {0}', problem);
  return new FalFailure('noVideo', requestId
    ? l10n.t('{0} (request {1}). Retry; if it keeps happening, check the log.', said, requestId)
    : l10n.t('{0}. Retry; if it keeps happening, check the log.', said), { requestId });
}

/**
 * The connection broke after the request left, or fal's answer to it could not be read (`unreadable`): fal may have
 * queued (and will bill) the job. It is not sent again.
 */
export function ambiguousSubmitFailure(reason: string, how: 'broken' | 'unreadable' = 'broken'): FalFailure {
  const what = how === 'broken'
    ? l10n.t('The connection broke after the request was sent ({0})', reason)
    : l10n.t('fal\'s answer to the request could not be read ({0})', reason);
  return new FalFailure(
    'ambiguous',
    l10n.t('fal may have started this job — see its dashboard (fal.ai/dashboard/requests). {0}, so it was not sent again: retrying may charge twice.', what),
  );
}

/** fal's answer to a call other than the submit could not be read (see transport.ts). */
export function unreadableAnswerFailure(what: string): FalFailure {
  return new FalFailure('unknown', l10n.t('{0}. Retry in a minute; if it keeps happening, check the animateDiff.proxyUrl setting and your network.', what));
}

/** An exchange with fal took too long (no answer, a silence, or past its deadline). */
export function transportTimeoutFailure(what: string): FalFailure {
  return new FalFailure('network', l10n.t('Could not reach fal in time: {0}. Check your connection, then retry.', what));
}
