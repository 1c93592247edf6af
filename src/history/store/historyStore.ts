import { constants as fsConstants, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { appendLogLines, applyPatch, createEntry, isUnfinished, type HistoryEntry, type HistoryEntryPatch, type NewHistoryEntry } from './entry';
import { HISTORY_INDEX_FILE_NAME } from '../ids';
import { errorCode, fsyncDirectory, writeFileAtomic } from '../../files/durableFs';
import { isInsideFolder } from '../../util/paths';
import { isProcessAlive, removeDeadLockTemps, withFileLock } from './fileLock';
import {
  deepFreeze,
  fileStamp,
  mapFromNewestFirst,
  newestFirst,
  parseIndexText,
  recoveryMessage,
  serializeEntry,
  serializeIndex,
  type IndexRecovery,
  type IndexRecoveryReason,
  type ParsedIndex,
} from './indexFile';
import { planPrune, type PruneLimits, type PruneResult } from './prunePlan';
import { downloadVideo, videoExtension, type DownloadOptions } from '../../files/videoDownload';

export const INDEX_FILE = HISTORY_INDEX_FILE_NAME;
export const LOCK_FILE = 'index.lock';
export const VIDEOS_FOLDER = 'videos';
const TEMP_INDEX_PREFIX = `${INDEX_FILE}.tmp-`;
/** Unreferenced files in the videos folder younger than this may be a download in progress in another window. */
const ORPHAN_MIN_AGE_MS = 60 * 60 * 1000;

export type HistoryChange =
  | { kind: 'added'; entry: HistoryEntry }
  | { kind: 'updated'; entry: HistoryEntry }
  | { kind: 'deleted'; ids: string[] }
  /** Entries another window added, changed or deleted, or that a claim took over: re-read them with `get`. */
  | { kind: 'synced'; ids: string[] }
  | { kind: 'recovered'; recovery: IndexRecovery };

export interface Subscription {
  dispose(): void;
}

export interface HistoryStoreOptions {
  now?: () => number;
  /**
   * Runs after a new index is complete in its temp file and before it replaces the index. A seam for crash
   * tests (a process killed exactly between write and rename); not for production use.
   */
  beforeCommit?: (tempFile: string) => void | Promise<void>;
}

export interface OpenedHistory {
  store: HistoryStore;
  /** Set when the index file was corrupt or foreign and was set aside: tell the user. */
  recovery: IndexRecovery | undefined;
}

export interface ClaimedJobs {
  /** Jobs fal accepted that no live window follows: now owned by this process, to be resumed by request id. */
  resumable: HistoryEntry[];
  /** Jobs whose window closed before fal accepted them: marked failed (nothing to resume). */
  interrupted: HistoryEntry[];
}

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** How often a window marks the unfinished jobs it follows as still followed (`touchOwned`). */
export const OWNER_HEARTBEAT_MS = 60_000;

/** Whether the entry's owner process runs (this one, or another that is alive). */
function isFollowedByLiveProcess(entry: HistoryEntry): boolean {
  return entry.ownerPid !== undefined && (entry.ownerPid === process.pid || isProcessAlive(entry.ownerPid));
}

/**
 * The generation history over one folder: `index.json` (every entry, newest first) and `videos/` (local copies).
 *
 * Every change shows at once in memory and is written in the background: writes are serialised and bursts
 * coalesce into one write; each mutating call resolves once its change is durable on disk. A write replaces the
 * whole index atomically (temp file, fsync, rename, fsync folder), so a crash at any instant leaves the previous
 * or the new index, never a mix. Several processes (VS Code windows) may share the folder: writes take a lock
 * file and merge with what the others wrote.
 *
 * One class on purpose, though long: the entries in memory, the changes not yet written, the index as last read
 * and the steps that must run under the lock share invariants (nothing confirmed is lost, a claim is exclusive)
 * that are only checkable in one place. Reading and writing the index file's text is in indexFile.ts.
 */
export class HistoryStore {
  /** Insertion order: oldest first. Entries are frozen; a change replaces the object. */
  private readonly entries = new Map<string, HistoryEntry>();
  /** What the index file held when this process last read or wrote it. */
  private diskEntries = new Map<string, HistoryEntry>();
  private diskStamp: string | undefined;
  private readonly pendingUpserts = new Set<string>();
  private readonly pendingDeletes = new Set<string>();
  private readonly lockedSteps: Array<(base: Map<string, HistoryEntry>) => boolean> = [];
  private nextBatch: Deferred | undefined;
  private writeChain: Promise<void> = Promise.resolve();
  private sorted: readonly HistoryEntry[] | undefined;
  private readonly changeListeners = new Set<(change: HistoryChange) => void>();
  private readonly writeErrorListeners = new Set<(error: unknown) => void>();
  private readonly now: () => number;

  private constructor(
    /** The store folder (absolute). */
    readonly folder: string,
    private readonly options: HistoryStoreOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Opens (creating if needed) the store in `folder`. A corrupt or foreign index is set aside as
   * `index.corrupt-<time>.json` and reported in `recovery`; only file system failures (e.g. no permission) throw.
   */
  static async open(folder: string, options: HistoryStoreOptions = {}): Promise<OpenedHistory> {
    const absolute = path.resolve(folder);
    await fsp.mkdir(absolute, { recursive: true });
    const store = new HistoryStore(absolute, options);
    const recovery = await store.load();
    return { store, recovery };
  }

  get indexFile(): string {
    return path.join(this.folder, INDEX_FILE);
  }

  private get lockFile(): string {
    return path.join(this.folder, LOCK_FILE);
  }

  // ---- queries ----

  /** Every entry, newest first. */
  list(): readonly HistoryEntry[] {
    this.sorted ??= Object.freeze(newestFirst(this.entries));
    return this.sorted;
  }

  get(id: string): HistoryEntry | undefined {
    return this.entries.get(id);
  }

  /** Jobs fal may still be working on (submitting, queued or running) that have a fal request id. */
  unfinished(): HistoryEntry[] {
    return this.list().filter((entry) => isUnfinished(entry) && entry.requestId !== undefined);
  }

  /** The absolute path of an entry's local video, if it has one. */
  videoPath(entry: HistoryEntry): string | undefined {
    return entry.video ? this.resolveInFolder(entry.video.file) : undefined;
  }

  // ---- changes ----

  onDidChange(listener: (change: HistoryChange) => void): Subscription {
    this.changeListeners.add(listener);
    return { dispose: () => this.changeListeners.delete(listener) };
  }

  /** A background write failed (its callers' promises reject too); the change stays pending and is retried with the next one. */
  onDidFailToWrite(listener: (error: unknown) => void): Subscription {
    this.writeErrorListeners.add(listener);
    return { dispose: () => this.writeErrorListeners.delete(listener) };
  }

  /** Adds an entry (by default owned by this process); resolves with it once it is durable. */
  async add(init: NewHistoryEntry): Promise<HistoryEntry> {
    const entry = deepFreeze(createEntry({ ...init, ownerPid: init.ownerPid ?? process.pid }, this.now()));
    if (this.entries.has(entry.id)) {
      throw new Error(`A history entry with id ${entry.id} already exists.`);
    }
    this.entries.set(entry.id, entry);
    this.pendingDeletes.delete(entry.id);
    this.pendingUpserts.add(entry.id);
    this.changed({ kind: 'added', entry });
    await this.scheduleWrite();
    return entry;
  }

  /**
   * Changes an entry (fields set to `undefined` are removed); resolves with the entry as changed once durable,
   * or `undefined` when there is no such entry (e.g. deleted while its job ran). Throws if the result is invalid.
   */
  async update(id: string, patch: HistoryEntryPatch): Promise<HistoryEntry | undefined> {
    const entry = this.updateInMemory(id, patch);
    if (!entry) {
      return undefined;
    }
    await this.scheduleWrite();
    return entry;
  }

  /** Appends fal log lines to an entry, keeping the most recent ones. */
  async appendLogs(id: string, lines: readonly string[]): Promise<HistoryEntry | undefined> {
    const entry = this.entries.get(id);
    return entry && lines.length > 0 ? this.update(id, { logs: appendLogLines(entry.logs, lines) }) : entry;
  }

  /** Deletes an entry and then its local video; false if there was no such entry. */
  async delete(id: string): Promise<boolean> {
    return (await this.deleteMany([id])) === 1;
  }

  /** Deletes every entry and their videos; resolves with how many there were. */
  async clear(): Promise<number> {
    return this.deleteMany([...this.entries.keys()]);
  }

  /** Resolves once every change made so far is durable. */
  async flush(): Promise<void> {
    await (this.nextBatch?.promise ?? this.writeChain);
  }

  /**
   * Marks the unfinished jobs this process `follows` as still followed, so other windows see their owner is there
   * (they take over a job whose owner has not marked it for a while). Writes only when one has not been marked
   * for OWNER_HEARTBEAT_MS.
   */
  async touchOwned(follows: (id: string) => boolean): Promise<void> {
    const due = this.list().filter((entry) => isUnfinished(entry) && entry.ownerPid === process.pid && follows(entry.id)
      && this.now() - entry.updatedAt >= OWNER_HEARTBEAT_MS);
    if (due.length === 0) {
      return;
    }
    for (const entry of due) {
      this.updateInMemory(entry.id, { ownerPid: process.pid });
    }
    await this.scheduleWrite();
  }

  /** Re-reads the index to pick up other windows' changes (reported as a `synced` change). */
  async refresh(): Promise<void> {
    await this.scheduleWrite();
  }

  /**
   * Takes over the unfinished jobs no live process follows (left by a reload or crash), atomically across
   * windows: each such job is claimed by exactly one process. Jobs fal had accepted come back as `resumable`;
   * those it never confirmed are marked failed and come back as `interrupted`.
   */
  async claimUnfinished(isAbandoned: (entry: HistoryEntry) => boolean = (entry) => !isFollowedByLiveProcess(entry), owner = process.pid): Promise<ClaimedJobs> {
    const claimed: ClaimedJobs = { resumable: [], interrupted: [] };
    this.lockedSteps.push((base) => {
      for (const entry of base.values()) {
        if (!isUnfinished(entry) || !isAbandoned(entry) || this.pendingUpserts.has(entry.id)) {
          continue;
        }
        if (entry.requestId !== undefined) {
          const next = deepFreeze(applyPatch(entry, { ownerPid: owner }, this.now()));
          base.set(entry.id, next);
          claimed.resumable.push(next);
        } else {
          const next = deepFreeze(applyPatch(entry, {
            status: 'failed',
            queuePosition: undefined,
            ownerPid: undefined,
            error: { kind: 'interrupted', message: 'VS Code closed or reloaded before fal accepted the job, so it never started.' },
          }, this.now()));
          base.set(entry.id, next);
          claimed.interrupted.push(next);
        }
      }
      return claimed.resumable.length + claimed.interrupted.length > 0;
    });
    await this.scheduleWrite();
    return claimed;
  }

  /** Streams the video to `videos/<id>.<ext>` and records it in the entry (with the URL it came from). */
  async saveVideo(id: string, url: string, options: DownloadOptions = {}): Promise<HistoryEntry | undefined> {
    const entry = this.entries.get(id);
    if (!entry) {
      return undefined;
    }
    const file = `${VIDEOS_FOLDER}/${id}${videoExtension(undefined, url)}`;
    const absolute = this.resolveInFolder(file);
    // The store's own file: a copy downloaded again replaces the earlier one.
    const downloaded = await downloadVideo(url, absolute, { ...options, replace: true });
    const previousFile = this.entries.get(id)?.video?.file;
    const updated = await this.update(id, { video: { file, ...downloaded }, videoPruned: undefined, remoteVideoUrl: url });
    if (!updated) {
      await fsp.rm(absolute, { force: true });
    } else if (previousFile && previousFile !== file) {
      await this.removeVideoFile(previousFile);
    }
    return updated;
  }

  /**
   * Deletes the oldest local videos beyond the limits; their entries stay, marked `videoPruned`.
   * Videos of `protect`ed entries are never deleted.
   */
  async prune(limits: PruneLimits, options: { protect?: Iterable<string> } = {}): Promise<PruneResult> {
    const protect = new Set(options.protect ?? []);
    let plan = planPrune(this.list(), limits, protect);
    if (plan.pruned.length === 0) {
      return plan;
    }
    // Planned again under the lock, on the index as it is on disk: windows pruning at once (a settings change
    // reaches them all) then delete only what is beyond the limits, not each its own share of it.
    this.lockedSteps.push((base) => {
      plan = planPrune(newestFirst(base), limits, protect);
      for (const video of plan.pruned) {
        const entry = base.get(video.id);
        if (entry) {
          base.set(video.id, deepFreeze(applyPatch(entry, { video: undefined, videoPruned: true }, this.now())));
        }
      }
      return plan.pruned.length > 0;
    });
    await this.scheduleWrite();
    // A change made in this process during that write still names the video in memory; it is about to go.
    let named = false;
    for (const video of plan.pruned) {
      if (this.entries.get(video.id)?.video?.file === video.file) {
        this.updateInMemory(video.id, { video: undefined, videoPruned: true });
        named = true;
      }
    }
    if (named) {
      await this.scheduleWrite();
    }
    for (const video of plan.pruned) {
      await this.removeVideoFile(video.file);
    }
    return plan;
  }

  /** Stops reporting changes. Writes already started still complete. */
  dispose(): void {
    this.changeListeners.clear();
    this.writeErrorListeners.clear();
  }

  // ---- internals ----

  private updateInMemory(id: string, patch: HistoryEntryPatch): HistoryEntry | undefined {
    const current = this.entries.get(id);
    if (!current) {
      return undefined;
    }
    const entry = deepFreeze(applyPatch(current, patch, this.now()));
    this.entries.set(id, entry);
    this.pendingUpserts.add(id);
    this.changed({ kind: 'updated', entry });
    return entry;
  }

  private async deleteMany(ids: readonly string[]): Promise<number> {
    const removed: HistoryEntry[] = [];
    for (const id of ids) {
      const entry = this.entries.get(id);
      if (entry) {
        this.entries.delete(id);
        this.pendingUpserts.delete(id);
        this.pendingDeletes.add(id);
        removed.push(entry);
      }
    }
    if (removed.length === 0) {
      return 0;
    }
    this.changed({ kind: 'deleted', ids: removed.map((entry) => entry.id) });
    await this.scheduleWrite();
    // Only once the index no longer names them, so a crash leaves at worst an unreferenced file (swept later).
    for (const entry of removed) {
      if (entry.video) {
        await this.removeVideoFile(entry.video.file);
      }
    }
    return removed.length;
  }

  private resolveInFolder(relative: string): string {
    const absolute = path.resolve(this.folder, ...relative.split('/'));
    if (!isInsideFolder(absolute, this.folder)) {
      throw new Error(`The video path ${relative} is outside the history folder.`);
    }
    return absolute;
  }

  private async removeVideoFile(relative: string): Promise<void> {
    try {
      await fsp.rm(this.resolveInFolder(relative), { force: true });
    } catch {
      // E.g. locked by a player on Windows. The index no longer names it, so a later start sweeps it away;
      // the other files are still removed and the caller's entries are already gone.
    }
  }

  private changed(change: HistoryChange): void {
    this.sorted = undefined;
    for (const listener of [...this.changeListeners]) {
      try {
        listener(change);
      } catch {
        // A listener's failure must not break the store or the other listeners.
      }
    }
  }

  /** Joins the next write; changes made before it starts are included in it. */
  private scheduleWrite(): Promise<void> {
    if (this.nextBatch) {
      return this.nextBatch.promise;
    }
    const batch = deferred();
    this.nextBatch = batch;
    this.writeChain = this.writeChain
      // Let the current burst of synchronous changes land in this batch.
      .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
      .then(async () => {
        this.nextBatch = undefined;
        try {
          await this.sync();
          batch.resolve();
        } catch (error) {
          batch.reject(error);
          for (const listener of [...this.writeErrorListeners]) {
            try {
              listener(error);
            } catch {
              // As for change listeners.
            }
          }
        }
      });
    return batch.promise;
  }

  /** One write: under the lock, merge this process's pending changes into the index as it is on disk now. */
  private async sync(): Promise<void> {
    const upserts = [...this.pendingUpserts];
    const deletes = [...this.pendingDeletes];
    const steps = this.lockedSteps.splice(0);
    this.pendingUpserts.clear();
    this.pendingDeletes.clear();
    let recovery: IndexRecovery | undefined;
    try {
      await withFileLock(this.lockFile, async () => {
        const base = await this.readForMerge();
        recovery = base.recovery;
        for (const id of deletes) {
          if (!this.entries.has(id)) {
            base.entries.delete(id);
          }
        }
        for (const id of upserts) {
          const entry = this.entries.get(id);
          // On disk when we last looked and gone now: another window deleted it. A late update must not bring it back.
          const deletedElsewhere = this.diskEntries.has(id) && !base.entries.has(id);
          if (entry && !deletedElsewhere) {
            base.entries.set(id, entry);
          }
        }
        let mustWrite = base.mustWrite || upserts.length > 0 || deletes.length > 0;
        for (const step of steps) {
          mustWrite = step(base.entries) || mustWrite;
        }
        if (mustWrite) {
          await writeFileAtomic(this.indexFile, serializeIndex(newestFirst(base.entries)), { beforeCommit: this.options.beforeCommit });
          this.diskStamp = await fileStamp(this.indexFile);
        } else {
          this.diskStamp = base.stamp;
        }
        this.diskEntries = base.entries;
      });
    } catch (error) {
      // Still to be written: the next write retries them. Locked steps (claims) are not retried: their callers see the error.
      for (const id of upserts) {
        this.pendingUpserts.add(id);
      }
      for (const id of deletes) {
        this.pendingDeletes.add(id);
      }
      throw error;
    }
    if (recovery) {
      this.changed({ kind: 'recovered', recovery });
    }
    this.adoptDiskState();
  }

  /** The index as it is on disk (call under the lock), or what this process last knew if it vanished or broke. */
  private async readForMerge(): Promise<{ entries: Map<string, HistoryEntry>; stamp: string | undefined; mustWrite: boolean; recovery?: IndexRecovery }> {
    const stamp = await fileStamp(this.indexFile);
    if (stamp === this.diskStamp) {
      return { entries: new Map(this.diskEntries), stamp, mustWrite: false };
    }
    if (stamp === undefined) {
      // Deleted behind our back: write back what we knew rather than lose it.
      return { entries: new Map(this.diskEntries), stamp, mustWrite: this.diskEntries.size > 0 };
    }
    const parsed = await this.readIndex();
    if (!parsed.problem) {
      return { entries: mapFromNewestFirst(parsed.entries), stamp, mustWrite: false };
    }
    const keep = parsed.problem.reason === 'invalidEntries' ? mapFromNewestFirst(parsed.entries) : new Map(this.diskEntries);
    const movedTo = await this.setAside(parsed.problem.reason);
    const recovery: IndexRecovery = {
      reason: parsed.problem.reason,
      movedTo,
      message: recoveryMessage(parsed.problem, movedTo, keep.size, true),
      keptEntries: keep.size,
      droppedEntries: parsed.problem.dropped,
    };
    return { entries: keep, stamp, mustWrite: true, recovery };
  }

  /** Makes memory match the index just read or written, except for changes made since that write began. */
  private adoptDiskState(): void {
    const changedIds: string[] = [];
    for (const [id, onDisk] of this.diskEntries) {
      if (this.pendingUpserts.has(id) || this.pendingDeletes.has(id)) {
        continue;
      }
      const inMemory = this.entries.get(id);
      if (inMemory !== onDisk && (!inMemory || serializeEntry(inMemory) !== serializeEntry(onDisk))) {
        this.entries.set(id, onDisk);
        changedIds.push(id);
      }
    }
    for (const id of [...this.entries.keys()]) {
      if (!this.diskEntries.has(id) && !this.pendingUpserts.has(id)) {
        this.entries.delete(id);
        changedIds.push(id);
      }
    }
    if (changedIds.length > 0) {
      this.changed({ kind: 'synced', ids: changedIds });
    }
  }

  private async readIndex(): Promise<ParsedIndex> {
    try {
      return parseIndexText(await fsp.readFile(this.indexFile, 'utf8'));
    } catch (error) {
      if (errorCode(error) === 'EISDIR') {
        return { entries: [], problem: { reason: 'foreign', detail: 'it is a folder', dropped: 0 } };
      }
      throw error;
    }
  }

  /** Moves the index aside (copies it, when its valid entries stay) under a name no other file has. */
  private async setAside(reason: IndexRecoveryReason): Promise<string> {
    const time = new Date(this.now()).toISOString().replace(/[:.]/g, '-');
    for (let attempt = 0; ; attempt++) {
      const target = path.join(this.folder, `index.corrupt-${time}${attempt === 0 ? '' : `-${attempt}`}.json`);
      if (await fileStamp(target) !== undefined) {
        continue;
      }
      if (reason === 'invalidEntries') {
        await fsp.copyFile(this.indexFile, target, fsConstants.COPYFILE_EXCL);
      } else {
        // Under the lock, and a name just checked to be free: rename will not replace anything.
        await fsp.rename(this.indexFile, target);
      }
      await fsyncDirectory(this.folder);
      return target;
    }
  }

  /** First read: the index (repaired under the lock if needed), leftover temp files removed, old orphan videos swept. */
  private async load(): Promise<IndexRecovery | undefined> {
    const leftovers = (await fsp.readdir(this.folder)).filter((name) => name.startsWith(TEMP_INDEX_PREFIX));
    let stamp = await fileStamp(this.indexFile);
    let parsed: ParsedIndex = stamp === undefined ? { entries: [] } : await this.readIndex();
    let recovery: IndexRecovery | undefined;
    if (parsed.problem || leftovers.length > 0) {
      await withFileLock(this.lockFile, async () => {
        // A temp index exists only while its writer holds the lock: one seen now was left by a killed process.
        for (const name of (await fsp.readdir(this.folder)).filter((n) => n.startsWith(TEMP_INDEX_PREFIX))) {
          await fsp.rm(path.join(this.folder, name), { force: true });
        }
        stamp = await fileStamp(this.indexFile);
        parsed = stamp === undefined ? { entries: [] } : await this.readIndex();
        if (!parsed.problem) {
          return;
        }
        const movedTo = await this.setAside(parsed.problem.reason);
        recovery = {
          reason: parsed.problem.reason,
          movedTo,
          message: recoveryMessage(parsed.problem, movedTo, parsed.entries.length, false),
          keptEntries: parsed.entries.length,
          droppedEntries: parsed.problem.dropped,
        };
        if (parsed.problem.reason === 'invalidEntries') {
          await writeFileAtomic(this.indexFile, serializeIndex(parsed.entries));
        }
        stamp = await fileStamp(this.indexFile);
      });
    }
    for (const [id, entry] of mapFromNewestFirst(parsed.entries)) {
      this.entries.set(id, entry);
    }
    this.diskEntries = new Map(this.entries);
    this.diskStamp = stamp;
    await this.sweepOrphanVideos().catch(() => undefined);
    await removeDeadLockTemps(this.lockFile).catch(() => undefined);
    return recovery;
  }

  /** Removes old files in `videos/` no entry refers to (left by a crash between an index write and a file removal). */
  private async sweepOrphanVideos(): Promise<void> {
    const folder = path.join(this.folder, VIDEOS_FOLDER);
    let names: string[];
    try {
      names = await fsp.readdir(folder);
    } catch {
      return;
    }
    const referenced = new Set([...this.entries.values()].flatMap((entry) => (entry.video ? [path.posix.basename(entry.video.file)] : [])));
    const cutoff = this.now() - ORPHAN_MIN_AGE_MS;
    for (const name of names) {
      if (referenced.has(name)) {
        continue;
      }
      const file = path.join(folder, name);
      const stat = await fsp.stat(file).catch(() => undefined);
      if (stat?.isFile() && stat.mtimeMs < cutoff) {
        await fsp.rm(file, { force: true }).catch(() => undefined);
      }
    }
  }
}
