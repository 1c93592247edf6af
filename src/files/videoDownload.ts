import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { OutputExistsError, writeStreamToFile } from './atomicFile';
import { errorCode } from './durableFs';
import { l10n } from '../l10n/l10n';

/**
 * The one video download: fal's result URL streamed to a file (see {@link writeStreamToFile}: atomic, never held
 * whole in memory), within deadlines, and checked — its size and its first bytes — before it is put in place, with
 * one error type that says what went wrong. No vscode import: unit-tested on Node.
 */

export type VideoDownloadFailureKind = 'http' | 'aborted' | 'empty' | 'truncated' | 'notVideo' | 'tooLarge' | 'timeout' | 'network' | 'disk';

export class VideoDownloadError extends Error {
  constructor(
    readonly kind: VideoDownloadFailureKind,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'VideoDownloadError';
  }
}

export interface DownloadLimits {
  /** Longest wait for the answer's headers. */
  answerMs: number;
  /** Longest silence while the body arrives. */
  idleMs: number;
  /** Longest download. */
  totalMs: number;
  /** Largest video accepted. */
  maxBytes: number;
}

export const DEFAULT_DOWNLOAD_LIMITS: DownloadLimits = { answerMs: 30_000, idleMs: 30_000, totalMs: 10 * 60_000, maxBytes: 500 * 1024 * 1024 };

export interface DownloadOptions {
  /** Put the file in place even if the target exists (the user chose "Replace", or it is the history's own copy). */
  replace?: boolean;
  /** Cancel: stops the download at once. */
  signal?: AbortSignal;
  /** Defaults to the global `fetch`. */
  fetchImpl?: typeof fetch;
  limits?: Partial<DownloadLimits>;
}

export interface DownloadedVideo {
  bytes: number;
  /** From the response; `video/mp4` when the server did not say. */
  contentType: string;
}

/** Where a URL's host is safe to show (never its query string, which may hold a token). */
function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.host}${parsed.pathname}`;
  } catch {
    return l10n.t('the video URL');
  }
}

/** Content types that are certainly an error page, not a video. */
function isClearlyNotVideo(contentType: string): boolean {
  return /^(text\/|application\/(json|problem\+json|xml))/i.test(contentType);
}

/** Whether a file's first bytes are a video container the panel can play: ISO BMFF (MP4, MOV), Matroska/WebM, or GIF. */
export function looksLikeVideo(head: Buffer): boolean {
  const box = head.subarray(4, 8).toString('latin1');
  if (head.length >= 8 && ['ftyp', 'moov', 'mdat', 'free', 'wide', 'skip', 'pnot'].includes(box)) {
    return true;
  }
  if (head.length >= 4 && head.readUInt32BE(0) === 0x1a45dfa3) {
    return true;
  }
  return head.subarray(0, 6).toString('latin1') === 'GIF87a' || head.subarray(0, 6).toString('latin1') === 'GIF89a';
}

function megabytes(bytes: number): string {
  return l10n.t('{0} MB', Math.round(bytes / (1024 * 1024)));
}

const DISK_ERRORS = /^E(NOSPC|ACCES|PERM|ROFS|DQUOT|IO|EXIST|NOENT|ISDIR|NOTDIR)$/;
const MAX_REDIRECTS = 5;

/**
 * Streams the video at `url` to `target`; the target's folder is created if needed. Redirects are followed to web
 * addresses only. Fails with a {@link VideoDownloadError}, or {@link OutputExistsError} when the target exists and
 * `replace` is not set; nothing is left behind and an existing target is never replaced by a broken download.
 */
export async function downloadVideo(url: string, target: string, options: DownloadOptions = {}): Promise<DownloadedVideo> {
  const limits = { ...DEFAULT_DOWNLOAD_LIMITS, ...options.limits };
  const where = describeUrl(url);
  const controller = new AbortController();
  const onCancel = () => controller.abort(new VideoDownloadError('aborted', l10n.t('The video download was cancelled.')));
  if (options.signal?.aborted) {
    throw new VideoDownloadError('aborted', l10n.t('The video download was cancelled.'));
  }
  options.signal?.addEventListener('abort', onCancel, { once: true });
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const limit = (ms: number, error: () => VideoDownloadError): (() => void) => {
    const timer = setTimeout(() => controller.abort(error()), ms);
    timers.add(timer);
    return () => {
      clearTimeout(timer);
      timers.delete(timer);
    };
  };
  limit(limits.totalMs, () => new VideoDownloadError('timeout', l10n.t('The video download from {0} took longer than {1} s.', where, Math.round(limits.totalMs / 1000))));
  const failureOf = (error: unknown): unknown => (controller.signal.aborted ? controller.signal.reason : error);
  try {
    const response = await fetchFollowing(url, where, options.fetchImpl ?? fetch, controller.signal, limits, limit, failureOf);
    return await save(response, target, where, limits, controller, limit, failureOf, options.replace ?? false);
  } finally {
    timers.forEach(clearTimeout);
    options.signal?.removeEventListener('abort', onCancel);
  }
}

type Limit = (ms: number, error: () => VideoDownloadError) => () => void;

/** The answer for `url`, following redirects to web addresses only. */
async function fetchFollowing(
  url: string,
  where: string,
  fetchImpl: typeof fetch,
  signal: AbortSignal,
  limits: DownloadLimits,
  limit: Limit,
  failureOf: (error: unknown) => unknown,
): Promise<Response> {
  let current = url;
  for (let redirects = 0; ; redirects++) {
    const answered = limit(limits.answerMs, () => new VideoDownloadError('timeout', l10n.t('{0} did not answer within {1} s.', where, Math.round(limits.answerMs / 1000))));
    let response: Response;
    try {
      response = await fetchImpl(current, { signal, redirect: 'manual' });
    } catch (error) {
      const reason = failureOf(error);
      if (reason instanceof VideoDownloadError) {
        throw reason;
      }
      const detail = reason instanceof Error ? (reason.cause instanceof Error ? reason.cause.message : reason.message) : String(reason);
      throw new VideoDownloadError('network', l10n.t('Could not download the video from {0}: {1}', where, detail));
    } finally {
      answered();
    }
    if (response.status < 300 || response.status >= 400) {
      return response;
    }
    await response.body?.cancel().catch(() => undefined);
    const location = response.headers.get('location');
    const next = location ? safeUrl(location, current) : undefined;
    if (!next || (next.protocol !== 'https:' && next.protocol !== 'http:')) {
      throw new VideoDownloadError('http', next?.protocol === 'file:'
        ? l10n.t('{0} redirected to a local file; it was not followed.', where)
        : l10n.t('{0} redirected to something that is not a web address; it was not followed.', where), response.status);
    }
    if (redirects >= MAX_REDIRECTS) {
      throw new VideoDownloadError('http', l10n.t('{0} redirected more than {1} times.', where, MAX_REDIRECTS), response.status);
    }
    current = next.href;
  }
}

function safeUrl(location: string, base: string): URL | undefined {
  try {
    return new URL(location, base);
  } catch {
    return undefined;
  }
}

async function save(
  response: Response,
  target: string,
  where: string,
  limits: DownloadLimits,
  controller: AbortController,
  limit: Limit,
  failureOf: (error: unknown) => unknown,
  replace: boolean,
): Promise<DownloadedVideo> {
  const contentType = response.headers.get('content-type')?.split(';')[0].trim() || 'video/mp4';
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    const expired = response.status === 403 || response.status === 404 || response.status === 410;
    throw new VideoDownloadError(
      'http',
      expired
        ? l10n.t('Could not download the video from {0}: HTTP {1} (the result URL may have expired).', where, `${response.status}${response.statusText ? ` ${response.statusText}` : ''}`)
        : l10n.t('Could not download the video from {0}: HTTP {1}.', where, `${response.status}${response.statusText ? ` ${response.statusText}` : ''}`),
      response.status,
    );
  }
  if (isClearlyNotVideo(contentType)) {
    await response.body?.cancel().catch(() => undefined);
    throw new VideoDownloadError('notVideo', l10n.t('The video URL {0} answered with {1}, not a video.', where, contentType));
  }
  if (!response.body) {
    throw new VideoDownloadError('empty', l10n.t('The video from {0} was empty.', where));
  }
  // fetch decodes compressed bodies, so Content-Length only counts the bytes we get when nothing was encoded.
  const encoding = response.headers.get('content-encoding')?.trim().toLowerCase();
  const declaredLength = !encoding || encoding === 'identity' ? Number(response.headers.get('content-length') ?? NaN) : NaN;
  const tooLarge = () => new VideoDownloadError('tooLarge', l10n.t('The video from {0} is larger than {1} (animateDiff.download.maxMegabytes); it was not saved.', where, megabytes(limits.maxBytes)));
  if (Number.isFinite(declaredLength) && declaredLength > limits.maxBytes) {
    await response.body.cancel().catch(() => undefined);
    throw tooLarge();
  }
  // Checked before the file is put in place, so a broken download never replaces a good video.
  const accept = (bytes: number, head: Buffer) => {
    if (bytes === 0) {
      throw new VideoDownloadError('empty', l10n.t('The video from {0} was empty.', where));
    }
    if (Number.isFinite(declaredLength) && declaredLength !== bytes) {
      throw new VideoDownloadError('truncated', l10n.t('The video from {0} was cut short: {1} of {2} bytes arrived.', where, bytes, declaredLength));
    }
    if (!looksLikeVideo(head)) {
      throw new VideoDownloadError('notVideo', l10n.t('What {0} sent is not a video (it is labelled {1}); it was not saved.', where, contentType));
    }
  };

  let arrived = 0;
  let silence = limit(limits.idleMs, () => new VideoDownloadError('timeout', l10n.t('The video download from {0} stopped: no data for {1} s.', where, Math.round(limits.idleMs / 1000))));
  try {
    await fsp.mkdir(path.dirname(target), { recursive: true });
    const bytes = await writeStreamToFile(response.body as WebReadableStream<Uint8Array>, target, {
      replace,
      signal: controller.signal,
      accept,
      onBytes: (count) => {
        arrived += count;
        silence();
        if (arrived > limits.maxBytes) {
          controller.abort(tooLarge());
          return;
        }
        silence = limit(limits.idleMs, () => new VideoDownloadError('timeout', l10n.t('The video download from {0} stopped: no data for {1} s.', where, Math.round(limits.idleMs / 1000))));
      },
    });
    return { bytes, contentType };
  } catch (error) {
    const reason = failureOf(error);
    if (reason instanceof VideoDownloadError || reason instanceof OutputExistsError) {
      throw reason;
    }
    const code = errorCode(reason);
    if (code && DISK_ERRORS.test(code)) {
      throw new VideoDownloadError('disk', l10n.t('Could not save the video to {0}: {1}', target, reason instanceof Error ? reason.message : code));
    }
    throw new VideoDownloadError('network', l10n.t('The video download from {0} broke off after {1} bytes: {2}', where, arrived, reason instanceof Error ? reason.message : String(reason)));
  } finally {
    silence();
  }
}

const EXTENSION_BY_CONTENT_TYPE: Record<string, string> = {
  'video/mp4': '.mp4',
  'video/webm': '.webm',
  'video/quicktime': '.mov',
  'image/gif': '.gif',
  'video/x-matroska': '.mkv',
};

/** A file extension for a downloaded video: from its content type, else the URL's, else `.mp4`. */
export function videoExtension(contentType: string | undefined, url: string): string {
  const known = contentType ? EXTENSION_BY_CONTENT_TYPE[contentType.split(';')[0].trim().toLowerCase()] : undefined;
  if (known) {
    return known;
  }
  try {
    const fromUrl = path.posix.extname(new URL(url).pathname).toLowerCase();
    if (/^\.[a-z0-9]{2,5}$/.test(fromUrl)) {
      return fromUrl;
    }
  } catch {
    // Not a URL: fall through.
  }
  return '.mp4';
}
