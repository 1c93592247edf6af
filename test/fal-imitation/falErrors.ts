// The bodies fal answers with, per fal-protocol.md and fal's published error references.
// Where fal's exact wording is not published the text here says so in the README.

import { STATUS_CODES } from 'node:http';

export interface ErrorAnswer {
  status: number;
  body: unknown;
  /** Defaults to application/json. A string body with another type is sent as is. */
  contentType?: string;
  headers?: Record<string, string>;
}

export const INVALID_KEY_FORMAT_DETAIL = "Invalid Key Authorization header format. Expected '<key_id>:<key_secret>'.";
export const NO_USER_DETAIL = 'No user found for Key ID and Secret';
export const EXHAUSTED_BALANCE_DETAIL =
  'User is locked. Reason: Exhausted balance. Top up your balance at fal.ai/dashboard/billing.';
export const CONTENT_POLICY_MSG =
  'The content could not be processed because it contained material flagged by a content checker.';

const ERROR_DOCS = 'https://docs.fal.ai/errors/#';

/** One entry of a model error `detail` array (pydantic shape plus fal's `url`). */
export interface ModelErrorItem {
  loc: (string | number)[];
  msg: string;
  type: string;
  url?: string;
  ctx?: Record<string, unknown>;
  input?: unknown;
}

export function modelError(type: string, loc: (string | number)[], msg: string, input: unknown): ModelErrorItem {
  return { loc, msg, type, url: `${ERROR_DOCS}${type}`, input };
}

/** An infrastructure error: flat `detail` string plus `error_type`, mirrored in X-Fal-Error-Type. */
export function requestError(status: number, detail: string, errorType: string): ErrorAnswer {
  return { status, body: { detail, error_type: errorType }, headers: { 'x-fal-error-type': errorType } };
}

/**
 * fal's usual answer for a status, used when a fault names only the status. `input` is the job's
 * input where one is known (model errors echo it).
 */
export function defaultErrorAnswer(status: number, input: unknown): ErrorAnswer {
  const prompt = isRecord(input) && typeof input.prompt === 'string' ? input.prompt : undefined;
  switch (status) {
    case 401:
      return { status, body: { detail: NO_USER_DETAIL } };
    case 403:
      return { status, body: { detail: EXHAUSTED_BALANCE_DETAIL } };
    case 404:
      return { status, body: { detail: 'Not Found' } };
    case 422:
      return {
        status,
        body: { detail: [modelError('content_policy_violation', ['body', 'prompt'], CONTENT_POLICY_MSG, prompt ?? '')] },
        headers: { 'x-fal-retryable': 'false' },
      };
    case 429:
      return {
        status,
        body: { detail: 'Too many concurrent requests: wait for running requests to finish, then try again.' },
      };
    case 500:
      return {
        status,
        body: { detail: [modelError('internal_server_error', ['body'], 'Internal server error', input ?? {})] },
      };
    case 502:
      // Gateways answer 502 with an HTML page, not JSON: clients must cope with a body they cannot parse.
      return {
        status,
        body: '<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>',
        contentType: 'text/html; charset=utf-8',
      };
    case 503:
      return requestError(503, 'No runner could be allocated to handle the request', 'runner_scheduling_failure');
    case 504:
      return {
        status,
        body: { detail: [modelError('generation_timeout', ['body'], 'Generation timeout', input ?? {})] },
      };
    default:
      return { status, body: { detail: STATUS_CODES[status] ?? `HTTP ${status}` } };
  }
}

export function runnerDisconnectedAnswer(status = 503): ErrorAnswer {
  return requestError(status, 'Runner disconnected', 'runner_disconnected');
}

export function cancelledResultAnswer(): ErrorAnswer {
  return requestError(400, 'Request was cancelled', 'request_cancelled');
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
