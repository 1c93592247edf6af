import { randomBytes } from 'node:crypto';
import { constants as fsConstants, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeWebReadableStream } from 'node:stream/web';
import { pipeToNewFile } from './streamToFile';

/**
 * Writing results next to a parameter file: a video streamed from fal's URL to disk and its result record.
 * Every file is written to a temp file beside the target and only then put in place, so a target is either
 * absent or complete. Unless the caller says `replace`, an existing target is never touched: putting the
 * file in place fails with {@link OutputExistsError} instead (hard link or exclusive copy, both atomic
 * against a file appearing in between). No vscode import: unit-tested on Node.
 */

export class OutputExistsError extends Error {
  constructor(readonly target: string) {
    super(`${path.basename(target)} already exists`);
    this.name = 'OutputExistsError';
  }
}

export type VideoSaveFailureKind = 'http' | 'empty' | 'truncated' | 'notVideo' | 'network' | 'aborted' | 'disk';

export class VideoSaveError extends Error {
  constructor(readonly kind: VideoSaveFailureKind, message: string) {
    super(message);
    this.name = 'VideoSaveError';
  }
}

export interface WriteOptions {
  /** Put the file in place even if the target exists (the user chose "Replace"). Default false. */
  replace?: boolean;
  signal?: AbortSignal;
  /** Checks what arrived (its size) before it is put in place; a throw leaves the target as it was. */
  accept?: (bytes: number) => void;
}

export interface DownloadOptions extends WriteOptions {
  /** Defaults to the global fetch. */
  fetchImpl?: typeof fetch;
}

export interface SavedVideo {
  bytes: number;
  contentType: string;
}

function errorCode(error: unknown): string | undefined {
  const code = error instanceof Error ? (error as NodeJS.ErrnoException).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

function tempFileFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}-${randomBytes(5).toString('hex')}.partial`);
}

/** The host and path of a URL, never its query (which may carry a token). */
function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.host}${parsed.pathname}`;
  } catch {
    return 'the video URL';
  }
}

async function flushToDisk(file: string): Promise<void> {
  const handle = await fsp.open(file, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Moves a finished temp file to `target`; without `replace` an existing target wins and the temp file is dropped. */
async function commit(temp: string, target: string, replace: boolean): Promise<void> {
  if (replace) {
    await fsp.rename(temp, target);
    return;
  }
  try {
    try {
      await fsp.link(temp, target);
    } catch (error) {
      if (errorCode(error) === 'EEXIST') {
        throw new OutputExistsError(target);
      }
      // File systems without hard links (FAT, some network shares): an exclusive copy is just as safe.
      try {
        await fsp.copyFile(temp, target, fsConstants.COPYFILE_EXCL);
      } catch (copyError) {
        throw errorCode(copyError) === 'EEXIST' ? new OutputExistsError(target) : copyError;
      }
    }
  } finally {
    await fsp.rm(temp, { force: true });
  }
}

/**
 * Writes a stream to `target` through a temp file, with backpressure (the stream is read only as fast as
 * the disk takes it, never held whole in memory). Returns the number of bytes written.
 */
export async function writeStreamToFile(source: Readable, target: string, options: WriteOptions = {}): Promise<number> {
  const temp = tempFileFor(target);
  try {
    const bytes = await pipeToNewFile(source, temp, { signal: options.signal });
    options.accept?.(bytes);
    await flushToDisk(temp);
    await commit(temp, target, options.replace ?? false);
    return bytes;
  } catch (error) {
    await fsp.rm(temp, { force: true });
    throw error;
  }
}

/** Writes text (a result record) to `target` the same way: complete or absent, never over an existing file unless `replace`. */
export async function writeTextFile(target: string, text: string, options: WriteOptions = {}): Promise<void> {
  await writeStreamToFile(Readable.from([Buffer.from(text, 'utf8')]), target, options);
}

/** Content types that are certainly an error page, not a video. */
function isClearlyNotVideo(contentType: string): boolean {
  return /^(text\/|application\/(json|problem\+json|xml))/i.test(contentType);
}

/**
 * Streams the video at `url` into `target` (see {@link writeStreamToFile}). Fails with a
 * {@link VideoSaveError} that says what went wrong, or {@link OutputExistsError}; nothing is left behind.
 */
export async function downloadVideoToFile(url: string, target: string, options: DownloadOptions = {}): Promise<SavedVideo> {
  const where = describeUrl(url);
  let response: Response;
  try {
    response = await (options.fetchImpl ?? fetch)(url, { signal: options.signal });
  } catch (error) {
    if (options.signal?.aborted) {
      throw new VideoSaveError('aborted', 'The download was cancelled.');
    }
    throw new VideoSaveError('network', `Could not download the video from ${where}: ${error instanceof Error ? error.message : String(error)}.`);
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    throw new VideoSaveError('http', `Downloading the video from ${where} failed with HTTP ${response.status}. fal's result links expire after a while.`);
  }
  const contentType = response.headers.get('content-type')?.split(';')[0].trim() || 'video/mp4';
  if (isClearlyNotVideo(contentType)) {
    await response.body?.cancel().catch(() => undefined);
    throw new VideoSaveError('notVideo', `${where} answered with ${contentType}, not a video.`);
  }
  if (!response.body) {
    throw new VideoSaveError('empty', `${where} sent no video data.`);
  }
  const declared = Number(response.headers.get('content-length') ?? NaN);
  // Checked before the file is put in place, so a broken download never replaces a good video.
  const accept = (bytes: number) => {
    if (bytes === 0 || (Number.isFinite(declared) && bytes < declared)) {
      throw new VideoSaveError(bytes === 0 ? 'empty' : 'truncated', bytes === 0
        ? `${where} sent an empty file.`
        : `The download from ${where} stopped after ${bytes} of ${declared} bytes.`);
    }
  };
  let bytes: number;
  try {
    bytes = await writeStreamToFile(Readable.fromWeb(response.body as NodeWebReadableStream<Uint8Array>), target, { ...options, accept });
  } catch (error) {
    if (error instanceof OutputExistsError || error instanceof VideoSaveError) {
      throw error;
    }
    if (options.signal?.aborted) {
      throw new VideoSaveError('aborted', 'The download was cancelled.');
    }
    const code = errorCode(error);
    if (code && /^(ENOSPC|EACCES|EPERM|EROFS|ENOENT|ENOTDIR|EISDIR|EDQUOT)$/.test(code)) {
      throw new VideoSaveError('disk', `Could not write ${path.basename(target)} (${code}).`);
    }
    throw new VideoSaveError('network', `The download from ${where} broke off: ${error instanceof Error ? error.message : String(error)}.`);
  }
  return { bytes, contentType };
}

export interface OutputPair {
  /** Absolute paths. */
  video: string;
  record: string;
}

/** `fox-7.mp4` / `fox-7.result.json`, or with `copy` 2, 3, …: `fox-7-2.mp4` / `fox-7-2.result.json`. */
export function outputPairIn(folder: string, names: { video: string; record: string }, copy = 1): OutputPair {
  const suffix = copy > 1 ? `-${copy}` : '';
  return {
    video: path.join(folder, names.video.replace(/\.mp4$/, `${suffix}.mp4`)),
    record: path.join(folder, names.record.replace(/\.result\.json$/, `${suffix}.result.json`)),
  };
}

export async function pathExists(file: string): Promise<boolean> {
  try {
    await fsp.lstat(file);
    return true;
  } catch (error) {
    if (errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR') {
      return false;
    }
    throw error;
  }
}

/**
 * The first pair of names (`fox-7`, `fox-7-2`, …) of which neither file exists nor is `reserved` (names
 * already promised to other jobs of the same batch, which this adds to).
 */
export async function freeOutputPair(folder: string, names: { video: string; record: string }, reserved: Set<string>): Promise<OutputPair> {
  for (let copy = 1; ; copy++) {
    const pair = outputPairIn(folder, names, copy);
    const taken = reserved.has(pair.video) || reserved.has(pair.record) || await pathExists(pair.video) || await pathExists(pair.record);
    if (!taken) {
      reserved.add(pair.video);
      reserved.add(pair.record);
      return pair;
    }
  }
}

/**
 * Where `file` really is once symbolic links are followed: the real path of its nearest existing ancestor
 * joined with the part that does not exist yet. Used to keep results and uploads inside the workspace.
 */
export async function realPathOf(file: string): Promise<string> {
  const missing: string[] = [];
  let current = path.resolve(file);
  for (;;) {
    try {
      return path.join(await fsp.realpath(current), ...missing.reverse());
    } catch (error) {
      const parent = path.dirname(current);
      if ((errorCode(error) !== 'ENOENT' && errorCode(error) !== 'ENOTDIR') || parent === current) {
        throw error;
      }
      missing.push(path.basename(current));
      current = parent;
    }
  }
}

/** Whether `file` is `folder` or inside it (both absolute, already resolved). */
export function isInsideFolder(file: string, folder: string): boolean {
  const relative = path.relative(folder, file);
  return relative === '' || (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}
