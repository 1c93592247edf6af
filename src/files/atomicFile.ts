import { randomBytes } from 'node:crypto';
import { constants as fsConstants, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { errorCode, fsyncDirectory, fsyncFile, isProcessAlive, renameReplacing } from './durableFs';
import { pipeToNewFile, type ByteSource } from './streamToFile';

/**
 * Writing a file so that it is either absent or complete: the content goes to a hidden partial file beside the
 * target, is flushed to disk and only then put in place. Unless the caller says `replace`, an existing target is
 * never touched: putting the file in place fails with {@link OutputExistsError} instead (hard link or exclusive
 * copy, both atomic against a file appearing in between). No vscode import: unit-tested on Node.
 */

export class OutputExistsError extends Error {
  constructor(readonly target: string) {
    super(`${path.basename(target)} already exists`);
    this.name = 'OutputExistsError';
  }
}

export interface WriteOptions {
  /** Put the file in place even if the target exists (the user chose "Replace", or it is our own copy). Default false. */
  replace?: boolean;
  signal?: AbortSignal;
  /** Checks what arrived (its size and first bytes) before it is put in place; a throw leaves the target as it was. */
  accept?: (bytes: number, head: Buffer) => void | Promise<void>;
  /** Told of every chunk as it is written. */
  onBytes?: (count: number) => void;
}

/** The hidden partial file a write of `target` goes through: `.<name>.part-<pid>-<random>`. */
export function partialFileFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.part-${process.pid}-${randomBytes(5).toString('hex')}`);
}

const PARTIAL_NAME = /^\..+\.part-(\d+)-[0-9a-f]{10}$/;

/**
 * Removes the partial files in `folder` that a process left when it was killed mid-write (its id is in the name):
 * a crash never leaves them behind for good. Those of running processes are writes in progress, and stay.
 */
export async function removeStalePartials(folder: string, isAlive: (pid: number) => boolean = isProcessAlive): Promise<number> {
  let names: string[];
  try {
    names = await fsp.readdir(folder);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const pid = Number(PARTIAL_NAME.exec(name)?.[1] ?? NaN);
    if (pid > 0 && pid !== process.pid && !isAlive(pid)) {
      await fsp.rm(path.join(folder, name), { force: true }).catch(() => undefined);
      removed += 1;
    }
  }
  return removed;
}

/** Moves a finished partial file to `target`; without `replace` an existing target wins and the partial is dropped. */
async function commit(partial: string, target: string, replace: boolean): Promise<void> {
  if (replace) {
    await renameReplacing(partial, target);
    return;
  }
  try {
    try {
      await fsp.link(partial, target);
    } catch (error) {
      if (errorCode(error) === 'EEXIST') {
        throw new OutputExistsError(target);
      }
      // File systems without hard links (FAT, some network shares): an exclusive copy is just as safe.
      try {
        await fsp.copyFile(partial, target, fsConstants.COPYFILE_EXCL);
      } catch (copyError) {
        throw errorCode(copyError) === 'EEXIST' ? new OutputExistsError(target) : copyError;
      }
    }
  } finally {
    await fsp.rm(partial, { force: true });
  }
}

/**
 * Writes a stream to `target` through a partial file, with backpressure (the stream is read only as fast as
 * the disk takes it, never held whole in memory). Returns the number of bytes written.
 */
export async function writeStreamToFile(source: ByteSource, target: string, options: WriteOptions = {}): Promise<number> {
  const partial = partialFileFor(target);
  try {
    const { bytes, head } = await pipeToNewFile(source, partial, { signal: options.signal, onBytes: options.onBytes });
    await options.accept?.(bytes, head);
    await fsyncFile(partial);
    await commit(partial, target, options.replace ?? false);
    await fsyncDirectory(path.dirname(target));
    return bytes;
  } catch (error) {
    await fsp.rm(partial, { force: true }).catch(() => undefined);
    throw error;
  }
}

/** Writes text (a result record) to `target` the same way: complete or absent, never over an existing file unless `replace`. */
export async function writeTextFile(target: string, text: string, options: WriteOptions = {}): Promise<void> {
  await writeStreamToFile(Readable.from([Buffer.from(text, 'utf8')]), target, options);
}

/** Writes bytes (an exported GIF, a poster frame) to `target` the same way. */
export async function writeBytesFile(target: string, bytes: Uint8Array, options: WriteOptions = {}): Promise<void> {
  await writeStreamToFile(Readable.from([Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)]), target, options);
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
