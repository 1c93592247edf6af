import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { errorCode, isProcessAlive } from '../../files/durableFs';

/*
 * The lock every VS Code window takes before writing the shared history: a file created exclusively, holding its
 * holder's pid, taken over when that process is gone or has held it too long.
 */

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

interface LockHolder {
  pid: number;
  token: string;
  acquiredAt: number;
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null) {
      const { pid, token, acquiredAt } = value as Record<string, unknown>;
      if (typeof pid === 'number' && typeof token === 'string' && typeof acquiredAt === 'number') {
        return { pid, token, acquiredAt };
      }
    }
  } catch {
    // Empty or half-written: judged by the file's age below.
  }
  return undefined;
}

export interface FileLockOptions {
  /** A lock held longer than this is taken over (its holder is hung or paused in a debugger). Default 10 s. */
  staleMs?: number;
}

/** How long a lock file without readable contents may exist before it counts as left by a killed process. */
const UNREADABLE_LOCK_STALE_MS = 2000;
/** Breaking a stale lock takes a few file operations; a breaker older than this was killed while at it. */
const BREAKER_STALE_MS = 2000;

/** Prefix of the private files a lock's contents are prepared in (followed by `<pid>-<random>`). */
export function lockTempPrefix(lockFile: string): string {
  return `${path.basename(lockFile)}.tmp-`;
}

/**
 * Creates `lockFile` holding our pid and token if it does not exist; false if it does. The contents are written
 * to a private file first and hard-linked into place, so a lock file never exists without its holder's pid: a
 * process killed at any moment leaves a lock that is recognisably stale. Where hard links are not supported the
 * file is created exclusively and then written.
 */
async function tryCreateLock(lockFile: string, token: string): Promise<LockHandle | undefined> {
  const contents = JSON.stringify({ pid: process.pid, token, acquiredAt: Date.now() });
  const prepared = path.join(path.dirname(lockFile), `${lockTempPrefix(lockFile)}${process.pid}-${randomBytes(6).toString('hex')}`);
  try {
    await fsp.writeFile(prepared, contents, { flag: 'wx' });
  } catch (error) {
    await fsp.rm(prepared, { force: true });
    if (errorCode(error) !== 'ENOSPC') {
      throw error;
    }
    return tryCreateEmptyLock(lockFile);
  }
  try {
    await fsp.link(prepared, lockFile);
    return { token };
  } catch (error) {
    const code = errorCode(error);
    if (code === 'EEXIST') {
      return undefined;
    }
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS' && code !== 'EXDEV') {
      throw error;
    }
  } finally {
    await fsp.rm(prepared, { force: true });
  }
  const handle = await openNewLockFile(lockFile);
  if (!handle) {
    return undefined;
  }
  try {
    await handle.writeFile(contents, 'utf8');
  } finally {
    await handle.close();
  }
  return { token };
}

/** Creates the lock file, failing if it exists: undefined when another holder has it. */
async function openNewLockFile(lockFile: string): Promise<fsp.FileHandle | undefined> {
  try {
    return await fsp.open(lockFile, 'wx');
  } catch (error) {
    if (errorCode(error) === 'EEXIST') {
      return undefined;
    }
    throw error;
  }
}

/**
 * On a full disk the lock's contents cannot be written, but an empty file can still be made: the lock is then an
 * empty file (which others count as stale after UNREADABLE_LOCK_STALE_MS), known to its holder by its inode.
 * Without it, nothing could be deleted to make room.
 */
async function tryCreateEmptyLock(lockFile: string): Promise<LockHandle | undefined> {
  const handle = await openNewLockFile(lockFile);
  if (!handle) {
    return undefined;
  }
  try {
    return { inode: (await handle.stat()).ino };
  } finally {
    await handle.close();
  }
}

/** How a holder knows its lock file: by the token in it, or (an empty lock, on a full disk) by its inode. */
type LockHandle = { token: string } | { inode: number };

/** Removes the private files of lock attempts (of the lock and its breaker) whose process was killed mid-attempt. */
export async function removeDeadLockTemps(lockFile: string): Promise<void> {
  const folder = path.dirname(lockFile);
  const base = path.basename(lockFile);
  for (const name of await fsp.readdir(folder)) {
    const match = name.startsWith(base) ? /\.tmp-(\d+)-[0-9a-f]{12}$/.exec(name) : null;
    const pid = match ? Number(match[1]) : NaN;
    if (pid > 0 && !isProcessAlive(pid)) {
      await fsp.rm(path.join(folder, name), { force: true });
    }
  }
}

/**
 * Runs `action` while holding an exclusive lock file shared by every process on this machine (VS Code windows
 * each have their own extension host, all using the same global storage). A lock left by a killed process is
 * taken over as soon as its process is gone.
 */
export async function withFileLock<T>(lockFile: string, action: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const staleMs = options.staleMs ?? 10_000;
  const token = randomBytes(12).toString('hex');
  let held: LockHandle | undefined;
  for (let attempt = 0; !(held = await tryCreateLock(lockFile, token)); attempt++) {
    if (!(await breakIfStale(lockFile, staleMs))) {
      await delay(Math.min(2 ** Math.min(attempt, 6), 50));
    }
  }
  try {
    return await action();
  } finally {
    await releaseLock(lockFile, held);
  }
}

/**
 * Removes the lock if its holder is gone. Breakers take turns through a second lock file: two processes that
 * both found the same stale lock must not both remove "it", the second removing the lock the first just took.
 */
async function breakIfStale(lockFile: string, staleMs: number): Promise<boolean> {
  const breaker = `${lockFile}.break`;
  const breakerToken = randomBytes(12).toString('hex');
  const breakerHeld = await tryCreateLock(breaker, breakerToken);
  if (!breakerHeld) {
    if (await staleHolder(breaker, BREAKER_STALE_MS)) {
      await fsp.rm(breaker, { force: true });
    }
    return false;
  }
  try {
    const stale = await staleHolder(lockFile, staleMs);
    if (stale) {
      await fsp.rm(lockFile, { force: true });
      return true;
    }
    return false;
  } finally {
    await releaseLock(breaker, breakerHeld);
  }
}

/** Whether the lock file's holder is gone (or has held it for longer than `staleMs`). */
async function staleHolder(lockFile: string, staleMs: number): Promise<boolean> {
  let text: string;
  let modifiedAt: number;
  try {
    [text, modifiedAt] = await Promise.all([fsp.readFile(lockFile, 'utf8'), fsp.stat(lockFile).then((s) => s.mtimeMs)]);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') {
      return false; // Released meanwhile: just try again.
    }
    throw error;
  }
  const holder = parseHolder(text);
  if (!holder) {
    return Date.now() - modifiedAt > UNREADABLE_LOCK_STALE_MS;
  }
  return !isProcessAlive(holder.pid) || Date.now() - holder.acquiredAt > staleMs;
}

async function releaseLock(lockFile: string, held: LockHandle): Promise<void> {
  try {
    // Only remove our own lock: if ours was taken over as stale, the file is now someone else's.
    const ours = 'token' in held
      ? parseHolder(await fsp.readFile(lockFile, 'utf8'))?.token === held.token
      : (await fsp.stat(lockFile)).ino === held.inode;
    if (ours) {
      await fsp.rm(lockFile, { force: true });
    }
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') {
      throw error;
    }
  }
}
