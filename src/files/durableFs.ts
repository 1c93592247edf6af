import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';

/** Node's error code, if the value is a Node system error. */
export function errorCode(error: unknown): string | undefined {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string'
    ? (error as NodeJS.ErrnoException).code
    : undefined;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A temp file name next to `file`, unique to this process and call. */
export function tempFileFor(file: string, infix = 'tmp'): string {
  return `${file}.${infix}-${process.pid}-${randomBytes(6).toString('hex')}`;
}

/** Flushes a directory entry (a rename or create) to disk where the platform allows opening directories. */
export async function fsyncDirectory(directory: string): Promise<void> {
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(directory, 'r');
    await handle.sync();
  } catch {
    // Windows cannot open or fsync a directory; NTFS journals the rename itself.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/** Writes all of `bytes` at the handle's position (a write may take only part of them), or throws. */
export async function writeAll(handle: fsp.FileHandle, bytes: Uint8Array): Promise<void> {
  for (let written = 0; written < bytes.length;) {
    const { bytesWritten } = await handle.write(bytes, written, bytes.length - written);
    written += bytesWritten;
  }
}

/** Flushes a file's contents to disk. */
export async function fsyncFile(file: string): Promise<void> {
  const handle = await fsp.open(file, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Renames, retrying briefly where Windows refuses to replace a file another process has open
 * (virus scanners, a second window reading the index).
 */
export async function renameReplacing(from: string, to: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await fsp.rename(from, to);
      return;
    } catch (error) {
      const code = errorCode(error);
      if (process.platform !== 'win32' || attempt >= 20 || (code !== 'EPERM' && code !== 'EACCES' && code !== 'EBUSY')) {
        throw error;
      }
      await delay(Math.min(10 * (attempt + 1), 100));
    }
  }
}

export interface AtomicWriteHooks {
  /** Runs after the temp file is complete and flushed, before it replaces the target. */
  beforeCommit?: (tempFile: string) => void | Promise<void>;
}

/**
 * Replaces `file` with `contents` so that, whenever the process dies, the file holds either the old or the new
 * contents in full: write a temp file in the same folder, fsync it, rename it over the target, fsync the folder.
 */
export async function writeFileAtomic(file: string, contents: string, hooks: AtomicWriteHooks = {}): Promise<void> {
  const temp = tempFileFor(file);
  try {
    const handle = await fsp.open(temp, 'wx');
    try {
      await handle.writeFile(contents, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await hooks.beforeCommit?.(temp);
    await renameReplacing(temp, file);
  } catch (error) {
    await fsp.rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
  await fsyncDirectory(path.dirname(file));
}

/** Whether a process runs (one of another user counts as running). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === 'EPERM';
  }
}
