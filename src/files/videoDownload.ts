import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { OutputExistsError, writeStreamToFile } from './atomicFile';
import { errorCode } from './durableFs';

/**
 * The one video download: fal's result URL streamed to a file (see {@link writeStreamToFile}: atomic, never held
 * whole in memory), checked before it is put in place, with one error type that says what went wrong.
 * No vscode import: unit-tested on Node.
 */

export type VideoDownloadFailureKind = 'http' | 'aborted' | 'empty' | 'truncated' | 'notVideo' | 'network' | 'disk';

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

export interface DownloadOptions {
  /** Put the file in place even if the target exists (the user chose "Replace", or it is the history's own copy). */
  replace?: boolean;
  signal?: AbortSignal;
  /** Defaults to the global `fetch`. */
  fetchImpl?: typeof fetch;
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
    return 'the video URL';
  }
}

function isAbort(error: unknown, signal: AbortSignal | undefined): boolean {
  return Boolean(signal?.aborted) || (error instanceof Error && error.name === 'AbortError');
}

/** Content types that are certainly an error page, not a video. */
function isClearlyNotVideo(contentType: string): boolean {
  return /^(text\/|application\/(json|problem\+json|xml))/i.test(contentType);
}

const DISK_ERRORS = /^E(NOSPC|ACCES|PERM|ROFS|DQUOT|IO|EXIST|NOENT|ISDIR|NOTDIR)$/;

/**
 * Streams the video at `url` to `target`; the target's folder is created if needed. Fails with a
 * {@link VideoDownloadError}, or {@link OutputExistsError} when the target exists and `replace` is not set;
 * nothing is left behind and an existing target is never replaced by a broken download.
 */
export async function downloadVideo(url: string, target: string, options: DownloadOptions = {}): Promise<DownloadedVideo> {
  const { signal } = options;
  const where = describeUrl(url);
  const cancelled = () => new VideoDownloadError('aborted', 'The video download was cancelled.');
  if (signal?.aborted) {
    throw cancelled();
  }

  let response: Response;
  try {
    response = await (options.fetchImpl ?? fetch)(url, { signal, redirect: 'follow' });
  } catch (error) {
    if (isAbort(error, signal)) {
      throw cancelled();
    }
    const reason = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
    throw new VideoDownloadError('network', `Could not download the video from ${where}: ${reason}`);
  }

  const contentType = response.headers.get('content-type')?.split(';')[0].trim() || 'video/mp4';
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    const expired = response.status === 403 || response.status === 404 || response.status === 410;
    throw new VideoDownloadError(
      'http',
      `Could not download the video from ${where}: HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`
        + (expired ? ' (the result URL may have expired).' : '.'),
      response.status,
    );
  }
  if (isClearlyNotVideo(contentType)) {
    await response.body?.cancel().catch(() => undefined);
    throw new VideoDownloadError('notVideo', `The video URL ${where} answered with ${contentType}, not a video.`);
  }
  if (!response.body) {
    throw new VideoDownloadError('empty', `The video from ${where} was empty.`);
  }
  // fetch decodes compressed bodies, so Content-Length only counts the bytes we get when nothing was encoded.
  const encoding = response.headers.get('content-encoding')?.trim().toLowerCase();
  const declaredLength = !encoding || encoding === 'identity' ? Number(response.headers.get('content-length') ?? NaN) : NaN;
  // Checked before the file is put in place, so a broken download never replaces a good video.
  const accept = (bytes: number) => {
    if (bytes === 0) {
      throw new VideoDownloadError('empty', `The video from ${where} was empty.`);
    }
    if (Number.isFinite(declaredLength) && declaredLength !== bytes) {
      throw new VideoDownloadError('truncated', `The video from ${where} was cut short: ${bytes} of ${declaredLength} bytes arrived.`);
    }
  };

  let arrived = 0;
  try {
    await fsp.mkdir(path.dirname(target), { recursive: true });
    const body = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
    const bytes = await writeStreamToFile(body, target, {
      replace: options.replace,
      signal,
      accept,
      onBytes: (count) => {
        arrived += count;
      },
    });
    return { bytes, contentType };
  } catch (error) {
    if (error instanceof VideoDownloadError || error instanceof OutputExistsError) {
      throw error;
    }
    if (isAbort(error, signal)) {
      throw cancelled();
    }
    const code = errorCode(error);
    if (code && DISK_ERRORS.test(code)) {
      throw new VideoDownloadError('disk', `Could not save the video to ${target}: ${error instanceof Error ? error.message : code}`);
    }
    throw new VideoDownloadError('network', `The video download from ${where} broke off after ${arrived} bytes: ${error instanceof Error ? error.message : String(error)}`);
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
