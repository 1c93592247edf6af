import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { pipeToNewFile } from './streamToFile';
import { errorCode, fsyncDirectory, fsyncFile, renameReplacing, tempFileFor } from './durableFs';

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

/**
 * Streams the video at `url` to `destFile`: the body goes to a temp file beside it (with backpressure, never
 * held whole in memory), is flushed to disk and then renamed into place, so `destFile` is either absent or complete.
 * On any failure the temp file is removed and a {@link VideoDownloadError} says what went wrong.
 */
export async function downloadVideo(url: string, destFile: string, options: DownloadOptions = {}): Promise<DownloadedVideo> {
  const { signal } = options;
  const fetchImpl = options.fetchImpl ?? fetch;
  const where = describeUrl(url);
  if (signal?.aborted) {
    throw new VideoDownloadError('aborted', 'The video download was cancelled.');
  }

  let response: Response;
  try {
    response = await fetchImpl(url, { signal, redirect: 'follow' });
  } catch (error) {
    if (isAbort(error, signal)) {
      throw new VideoDownloadError('aborted', 'The video download was cancelled.');
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

  await fsp.mkdir(path.dirname(destFile), { recursive: true });
  const temp = tempFileFor(destFile, 'part');
  let bytes = 0;
  try {
    try {
      const body = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
      // Counted as it arrives, so a broken download can say how far it got.
      await pipeToNewFile(body, temp, { signal, onBytes: (count) => { bytes += count; } });
    } catch (error) {
      if (isAbort(error, signal)) {
        throw new VideoDownloadError('aborted', 'The video download was cancelled.');
      }
      const code = errorCode(error);
      if (code && /^E(NOSPC|ACCES|PERM|ROFS|DQUOT|IO|EXIST|NOENT|ISDIR|NOTDIR)$/.test(code)) {
        throw new VideoDownloadError('disk', `Could not save the video to ${destFile}: ${error instanceof Error ? error.message : code}`);
      }
      throw new VideoDownloadError('network', `The video download from ${where} broke off after ${bytes} bytes: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (bytes === 0) {
      throw new VideoDownloadError('empty', `The video from ${where} was empty.`);
    }
    if (Number.isFinite(declaredLength) && declaredLength !== bytes) {
      throw new VideoDownloadError('truncated', `The video from ${where} was cut short: ${bytes} of ${declaredLength} bytes arrived.`);
    }
    try {
      await fsyncFile(temp);
      await renameReplacing(temp, destFile);
    } catch (error) {
      throw new VideoDownloadError('disk', `Could not save the video to ${destFile}: ${error instanceof Error ? error.message : String(error)}`);
    }
  } catch (error) {
    await fsp.rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
  await fsyncDirectory(path.dirname(destFile));
  return { bytes, contentType };
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
