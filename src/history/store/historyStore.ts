import { randomBytes } from 'node:crypto';
import { closeSync, constants, openSync, readSync, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { removeStalePartials } from '../../files/atomicFile';
import { errorCode, fsyncDirectory, isProcessAlive, writeAll } from '../../files/durableFs';
import { downloadVideo, videoExtension, type DownloadOptions } from '../../files/videoDownload';
import { isInsideFolder } from '../../util/paths';
import { l10n } from '../../l10n/l10n';
import { HISTORY_INDEX_FILE_NAME, HISTORY_RUNNING_FOLDER_NAME } from '../ids';
import { appendLogLines, applyPatch, createEntry, deepFreeze, historyEntrySchema, INTERRUPTED_ERROR_KIND, isUnfinished, isUnfinishedStatus, MAX_LOG_LINES, type HistoryEntry, type HistoryEntryPatch, type NewHistoryEntry } from './entry';
import { removeDeadLockTemps, withFileLock } from './fileLock';
import { parseIndexText, recoveryMessage, type IndexRecovery, type ParsedIndex } from './legacyIndex';
import { planPrune, type PruneCandidate, type PruneLimits, type PruneResult } from './prunePlan';
import { delLine, headerLine, logsLine, putLine, putLineOfJson, readHeader, readRecord, summaryOf, type EntrySummary, type HistoryRecord } from './records';
import { readSummaries, summariesFileName, summariesGeneration, unpackLogLines, writeSummaries, type LogLines, type SummarisedSlot } from './summaries';

export const LOCK_FILE = 'history.lock';
export const VIDEOS_FOLDER = 'videos';
/** A local copy's poster frame (the History's thumbnail) is kept beside it: `videos/<id>.mp4.poster.png`. */
export const POSTER_SUFFIX = '.poster.png';
/** The first version's index: moved into the history file at the first start, then set aside. */
export const LEGACY_INDEX_FILE = HISTORY_INDEX_FILE_NAME;
/** Where records nothing could read are kept. */
export const CORRUPT_RECORDS_FILE = 'history.corrupt.jsonl';
/** Unreferenced files in the videos folder younger than this may be a download in progress in another window. */
const ORPHAN_MIN_AGE_MS = 60 * 60 * 1000;
/** The file is compacted when it holds this much more than its live records (and is bigger than COMPACT_MIN_BYTES). */
const COMPACT_RATIO = 2;
const COMPACT_MIN_BYTES = 1024 * 1024;
/** A deletion is remembered this long after compaction, so a writer that lost its lock cannot bring the entry back. */
const TOMBSTONE_KEEP_MS = 24 * 60 * 60 * 1000;
/** How often one write is tried again when other windows keep changing the file under it (their lock taken over). */
const MAX_WRITE_ATTEMPTS = 20;
/** How often a window marks the unfinished jobs it follows as still followed (`touchOwned`). */
export const OWNER_HEARTBEAT_MS = 60_000;

const HISTORY_FILE = /^history\.(\d+)\.jsonl$/;
/** A generation's file being written (by `createFile`): the generation and the writing process. */
const HISTORY_TEMP_FILE = /^history\.(\d+)\.jsonl\.tmp-(\d+)-/;
/** How long a write waits for another window's compaction to finish before it gives up (and is tried again later). */
const COMPACTION_WAIT_MS = 60_000;
const SUMMARIES_MIN_BYTES = 1024 * 1024;

export function historyFileName(generation: number): string {
  return `history.${generation}.jsonl`;
}

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
  /** How long a window may hold the lock before others take it over. */
  lockStaleMs?: number;
  /** Runs under the lock before each append: a seam for tests that make a writer slow (or kill it there). */
  whileLocked?: () => void | Promise<void>;
  /**
   * The summaries opening reads (summaries.ts) are written again once the history file has this many bytes more
   * than they cover, and at least as many as they take (so they never cost more than the history's own writes).
   */
  summariesMinBytes?: number;
}

export interface OpenedHistory {
  store: HistoryStore;
  /** Set when damaged records or a damaged first-version index were set aside: tell the user. */
  recovery: IndexRecovery | undefined;
}

export interface ClaimedJobs {
  /** Jobs fal accepted that no live window follows: now owned by this process, to be resumed by request id. */
  resumable: HistoryEntry[];
  /** Jobs whose window closed before fal accepted them: marked failed (nothing to resume). */
  interrupted: HistoryEntry[];
}

export interface SaveVideoOptions extends DownloadOptions {
  /** More changes made in the same write as the video, decided on the entry once the video is in place (undefined: none). */
  finish?: (entry: HistoryEntry) => HistoryEntryPatch | undefined;
  /** Told the entry once the video is in place and the store holds it, before that is written. */
  whenInPlace?: (entry: HistoryEntry) => void;
}

export interface WriteOptions {
  /** Whether the change must survive a power loss once the call resolves (default). A queue position need not. */
  durable?: boolean;
}

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * The entries a writer whose lock was taken had changed, with the revision its changes were based on: records of
 * theirs above that revision, which others wrote after the lock was taken, hold over its changes.
 */
type YieldTo = ReadonlyMap<string, { rev: number; changes: number }>;


/** The line after a cut-off write: the line before it was never confirmed (see `append`). */
const TORN_MARK = '{"torn":1}';

/** The complete lines of `file` after `offset` (none if it is gone). */
async function completeLinesAfter(file: string, offset: number): Promise<string[]> {
  let buffer: Buffer;
  try {
    buffer = await fsp.readFile(file);
  } catch {
    return [];
  }
  const end = buffer.lastIndexOf(10);
  if (end < offset) {
    return [];
  }
  return buffer.toString('utf8', offset, end).split('\n').filter((line) => line !== '' && line !== TORN_MARK && readRecord(line) !== undefined);
}

/** A history file that is not one of this version: damaged (set aside at open), or a later version's (left alone). */
export class UnreadableHistoryFileError extends Error {
  constructor(readonly file: string, readonly newer: boolean) {
    super(newer
      ? l10n.t('The AnimateDiff history in {0} was written by a newer version of the extension. Update the extension to use it.', path.dirname(file))
      : l10n.t('{0} is not an AnimateDiff history file.', file));
    this.name = 'UnreadableHistoryFileError';
  }
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

/** Whether the entry's owner process runs (this one, or another that is alive). */
function isFollowedByLiveProcess(entry: HistoryEntry): boolean {
  return entry.ownerPid !== undefined && (entry.ownerPid === process.pid || isProcessAlive(entry.ownerPid));
}

/** An entry deleted here (or found damaged), not yet written: its revision and local video, if it had one. */
interface PendingDeletion {
  rev: number;
  /** Removed once the deletion is on disk (or first, when the disk is full). */
  videoFile: string | undefined;
}

/** Changes made here and not yet written. */
interface PendingChanges {
  puts: Set<string>;
  deletes: Map<string, PendingDeletion>;
  logs: Map<string, { lines: string[]; reset: boolean }>;
}

/** One entry as the store holds it: its summary always, the entry itself once parsed (or changed here). */
interface Slot {
  /** `rev` is the latest revision on disk (0: never written). */
  summary: EntrySummary;
  entry: HistoryEntry | undefined;
  /** Its latest put record in the current file. */
  location: { offset: number; length: number } | undefined;
  /** Read through `logLinesOf`. */
  logs: LogLines;
  onDisk: boolean;
}

function logLinesOf(slot: Slot): string[] {
  if (!Array.isArray(slot.logs)) {
    slot.logs = unpackLogLines(slot.logs);
  }
  return slot.logs;
}

/**
 * The generation history over one folder: `history.<generation>.jsonl` (records.ts), `videos/` (local copies) and
 * `running/` (one empty file per unfinished job: what a window's start looks at to know whether to resume).
 *
 * Every change shows at once in memory and is appended in the background: writes are serialised, bursts coalesce,
 * and each mutating call resolves once its change is on disk (flushed unless it asked not to be). A change costs
 * one small append, whatever the size of the history; opening reads summaries and parses entries only when asked.
 * Several processes (VS Code windows) share the folder: appends take a lock file and first read what the others
 * appended. Revisions fence writers (records.ts), and an append is checked to have landed in the current file.
 *
 * One class on purpose, though long: the slots, the changes not yet written, the file as last read and the steps
 * that must run under the lock share invariants (nothing confirmed is lost, a claim is exclusive) that are only
 * checkable in one place. The file's format is in records.ts; the first version's index in legacyIndex.ts.
 */
export class HistoryStore {
  /** First seen first; newest first is computed from `createdAt`. */
  private readonly slots = new Map<string, Slot>();
  private readonly tombstones = new Map<string, { rev: number; deletedAt: number }>();
  private generation = 0;
  /** Bytes of the current file read and applied. */
  private readOffset = 0;
  /** Bytes of the current file's live records (its latest puts and logs): compaction keeps only these. */
  private liveBytes = 0;
  private readFd: number | undefined;
  /** The current file's first line. */
  private header = '';
  /** The bytes of the current file its summaries cover (0: none), and their size. */
  private summariesOffset = 0;
  private summariesBytes = 0;
  /**
   * Whether the slots are exactly what the file's records make them, read with nothing of this process's since.
   * Its own writes can differ in order from the file (log lines another window appended meanwhile come first there):
   * only an exact reading may be summarised.
   */
  private readExactly = false;
  private corruptLines: string[] = [];
  /** Cut-off writes of killed processes: kept aside with the damaged records, but no cause for alarm. */
  private tornLines: string[] = [];
  private sortedIds: readonly string[] | undefined;
  /** How many times each entry was changed here: a change made after a write was attempted is never yielded. */
  private readonly localChanges = new Map<string, number>();
  private damagedSinceReported = 0;

  private readonly pendingPuts = new Set<string>();
  private readonly pendingDeletes = new Map<string, PendingDeletion>();
  private readonly pendingLogs = new Map<string, { lines: string[]; reset: boolean }>();
  private durablePending = false;
  private readonly lockedSteps: Array<() => void> = [];
  private nextBatch: Deferred | undefined;
  private writeChain: Promise<void> = Promise.resolve();
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
   * Opens (creating if needed) the store in `folder`, moving a first-version index into it. Damaged records are set
   * aside (and reported in `recovery`); only file system failures (e.g. no permission) throw.
   */
  static async open(folder: string, options: HistoryStoreOptions = {}): Promise<OpenedHistory> {
    const absolute = path.resolve(folder);
    await fsp.mkdir(path.join(absolute, HISTORY_RUNNING_FOLDER_NAME), { recursive: true });
    const store = new HistoryStore(absolute, options);
    const recovery = await store.load();
    return { store, recovery };
  }

  /** The current history file (absolute). */
  get file(): string {
    return path.join(this.folder, historyFileName(this.generation));
  }

  private get lockFile(): string {
    return path.join(this.folder, LOCK_FILE);
  }

  // ---- queries ----

  get size(): number {
    return this.slots.size;
  }

  /** Every entry id, newest first (equal times: the later first seen first). */
  ids(): readonly string[] {
    if (!this.sortedIds) {
      const inOrder = [...this.slots.values()].reverse();
      this.sortedIds = Object.freeze(inOrder.sort((a, b) => b.summary.createdAt - a.summary.createdAt).map((slot) => slot.summary.id));
    }
    return this.sortedIds;
  }

  /** What the store knows of every entry without parsing it (status, local copy), newest first. */
  summaries(): EntrySummary[] {
    return this.ids().map((id) => (this.slots.get(id) as Slot).summary);
  }

  /** Every entry, newest first. Parses each one: for a filter over all of them, not for listing ids. */
  list(): readonly HistoryEntry[] {
    return this.ids().flatMap((id) => {
      const entry = this.get(id);
      return entry ? [entry] : [];
    });
  }

  get(id: string): HistoryEntry | undefined {
    const slot = this.slots.get(id);
    if (!slot) {
      return undefined;
    }
    slot.entry ??= this.parseSlot(slot);
    return slot.entry;
  }

  /** Every unfinished job (submitting, queued or running), newest first. */
  unfinishedEntries(): HistoryEntry[] {
    return this.entriesWhere((summary) => isUnfinishedStatus(summary.status));
  }

  /** Jobs fal may still be working on (submitting, queued or running) that have a fal request id. */
  unfinished(): HistoryEntry[] {
    return this.unfinishedEntries().filter((entry) => entry.requestId !== undefined);
  }

  /** Finished generations whose local copy could not be kept (it may still be downloaded). */
  missingCopies(): HistoryEntry[] {
    return this.entriesWhere((summary) => summary.missingCopy);
  }

  /** The absolute path of an entry's local video, if it has one. */
  videoPath(entry: HistoryEntry): string | undefined {
    return entry.video ? this.resolveInFolder(entry.video.file) : undefined;
  }

  /** Where an entry's poster frame goes (beside its local video); undefined without a local video. */
  posterPath(entry: HistoryEntry): string | undefined {
    const video = this.videoPath(entry);
    return video ? `${video}${POSTER_SUFFIX}` : undefined;
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
    if (this.slots.has(entry.id)) {
      throw new Error(`A history entry with id ${entry.id} already exists.`);
    }
    this.slots.set(entry.id, { summary: summaryOf(entry, 0), entry, location: undefined, logs: entry.logs ?? [], onDisk: false });
    this.sortedIds = undefined;
    this.pendingPuts.add(entry.id);
    if (entry.logs && entry.logs.length > 0) {
      this.pendingLogs.set(entry.id, { lines: [...entry.logs], reset: true });
    }
    this.changed({ kind: 'added', entry });
    await this.scheduleWrite(true);
    return entry;
  }

  /**
   * Changes an entry (fields set to `undefined` are removed); resolves with the entry as changed once written, or
   * `undefined` when there is no such entry (e.g. deleted while its job ran). Throws if the result is invalid.
   */
  async update(id: string, patch: HistoryEntryPatch, options: WriteOptions = {}): Promise<HistoryEntry | undefined> {
    const entry = this.updateInMemory(id, patch);
    if (!entry) {
      return undefined;
    }
    await this.scheduleWrite(options.durable ?? true);
    return entry;
  }

  /** Appends fal log lines to an entry, keeping the most recent ones. Not flushed to disk each time: lines are cheap to lose. */
  async appendLogs(id: string, lines: readonly string[]): Promise<HistoryEntry | undefined> {
    const slot = this.slots.get(id);
    const entry = this.get(id);
    if (!slot || !entry || lines.length === 0) {
      return entry;
    }
    const logs = appendLogLines(logLinesOf(slot), lines);
    // Not a change of the entry's own (its updatedAt, which other windows read as its owner's heartbeat, stays).
    const next = deepFreeze({ ...entry, logs });
    slot.entry = next;
    slot.logs = logs;
    const pending = this.pendingLogs.get(id) ?? { lines: [], reset: false };
    pending.lines = appendLogLines(pending.lines, lines);
    this.pendingLogs.set(id, pending);
    this.changed({ kind: 'updated', entry: next });
    await this.scheduleWrite(false);
    return next;
  }

  /** Deletes an entry and then its local video; false if there was no such entry. */
  async delete(id: string): Promise<boolean> {
    return (await this.deleteMany([id])) === 1;
  }

  /** Deletes every entry and their videos; resolves with how many there were. */
  async clear(): Promise<number> {
    return this.deleteMany([...this.slots.keys()]);
  }

  /** Resolves once every change made so far is on disk. */
  async flush(): Promise<void> {
    await (this.nextBatch?.promise ?? this.writeChain);
  }

  /**
   * Marks the unfinished jobs this process `follows` as still followed, so other windows see their owner is there
   * (they take over a job whose owner has not marked it for a while). Writes only when one has not been marked
   * for OWNER_HEARTBEAT_MS.
   */
  async touchOwned(follows: (id: string) => boolean): Promise<void> {
    const due = this.unfinishedEntries().filter((entry) => entry.ownerPid === process.pid && follows(entry.id)
      && this.now() - entry.updatedAt >= OWNER_HEARTBEAT_MS);
    if (due.length === 0) {
      return;
    }
    for (const entry of due) {
      this.updateInMemory(entry.id, { ownerPid: process.pid });
    }
    await this.scheduleWrite(false);
  }

  /** Reads what other windows appended since (reported as a `synced` change). */
  async refresh(): Promise<void> {
    await this.scheduleWrite(false);
  }

  /**
   * Takes over the unfinished jobs no live process follows (left by a reload or crash), atomically across
   * windows: each such job is claimed by exactly one process. Jobs fal had accepted come back as `resumable`;
   * those it never confirmed are marked failed and come back as `interrupted`.
   */
  async claimUnfinished(isAbandoned: (entry: HistoryEntry) => boolean = (entry) => !isFollowedByLiveProcess(entry), owner = process.pid): Promise<ClaimedJobs> {
    const claimed: ClaimedJobs = { resumable: [], interrupted: [] };
    this.lockedSteps.push(() => {
      for (const entry of this.unfinishedEntries()) {
        if (!isAbandoned(entry) || this.pendingPuts.has(entry.id)) {
          continue;
        }
        if (entry.requestId !== undefined) {
          claimed.resumable.push(this.updateInMemory(entry.id, { ownerPid: owner }, false) ?? entry);
        } else {
          claimed.interrupted.push(this.updateInMemory(entry.id, {
            status: 'failed',
            queuePosition: undefined,
            ownerPid: undefined,
            // Shown in the display language by its kind (history/view/format.ts errorText); the English is for older versions.
            error: { kind: INTERRUPTED_ERROR_KIND, message: 'VS Code closed or reloaded before fal accepted the job, so it never started.' },
          }, false) ?? entry);
        }
      }
    });
    await this.scheduleWrite(true);
    const ids = [...claimed.resumable, ...claimed.interrupted].map((entry) => entry.id);
    if (ids.length > 0) {
      this.changed({ kind: 'synced', ids });
    }
    return claimed;
  }

  /**
   * Streams the video to `videos/<id>.<ext>` and records it in the entry (with the URL it came from, and what
   * `options.finish` adds, in one write).
   */
  async saveVideo(id: string, url: string, options: SaveVideoOptions = {}): Promise<HistoryEntry | undefined> {
    if (!this.slots.has(id)) {
      return undefined;
    }
    const { finish, whenInPlace, ...download } = options;
    const file = `${VIDEOS_FOLDER}/${id}${videoExtension(undefined, url)}`;
    const absolute = this.resolveInFolder(file);
    // The store's own file: a copy downloaded again replaces the earlier one.
    const downloaded = await downloadVideo(url, absolute, { ...download, replace: true });
    const current = this.get(id);
    const previousFile = current?.video?.file;
    const more = current ? finish?.(current) : undefined;
    const updated = this.updateInMemory(id, { ...more, video: { file, ...downloaded }, videoPruned: undefined, remoteVideoUrl: url });
    const written = updated ? this.scheduleWrite(true) : undefined;
    if (updated) {
      whenInPlace?.(updated);
    }
    await written;
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
    let plan = planPrune(this.pruneCandidates(), limits, protect);
    if (plan.pruned.length === 0) {
      return plan;
    }
    // Planned again under the lock, on the history as it is on disk: windows pruning at once (a settings change
    // reaches them all) then delete only what is beyond the limits, not each its own share of it.
    this.lockedSteps.push(() => {
      plan = planPrune(this.pruneCandidates(), limits, protect);
      for (const video of plan.pruned) {
        this.updateInMemory(video.id, { video: undefined, videoPruned: true });
      }
    });
    await this.scheduleWrite(true);
    for (const video of plan.pruned) {
      await this.removeVideoFile(video.file);
    }
    return plan;
  }

  /** Stops reporting changes and closes the file. Writes already started still complete. */
  dispose(): void {
    this.changeListeners.clear();
    this.writeErrorListeners.clear();
    void this.writeChain.finally(() => this.closeReadFd());
  }

  // ---- in memory ----

  private entriesWhere(test: (summary: EntrySummary) => boolean): HistoryEntry[] {
    return this.ids().flatMap((id) => {
      const slot = this.slots.get(id);
      const entry = slot && test(slot.summary) ? this.get(id) : undefined;
      return entry ? [entry] : [];
    });
  }

  /** What pruning weighs: the entries with a local copy, from their summaries (nothing parsed). */
  private pruneCandidates(): PruneCandidate[] {
    return this.ids().map((id) => {
      const { summary } = this.slots.get(id) as Slot;
      return summary.videoFile
        ? { id, createdAt: summary.createdAt, video: { file: summary.videoFile, bytes: summary.videoBytes } }
        : { id, createdAt: summary.createdAt };
    });
  }

  private updateInMemory(id: string, patch: HistoryEntryPatch, announce = true): HistoryEntry | undefined {
    const slot = this.slots.get(id);
    const current = this.get(id);
    if (!slot || !current) {
      return undefined;
    }
    const entry = deepFreeze(applyPatch(current, patch, this.now()));
    this.localChanges.set(id, (this.localChanges.get(id) ?? 0) + 1);
    slot.entry = entry;
    slot.summary = summaryOf(entry, slot.summary.rev);
    this.sortedIds = undefined;
    if ('logs' in patch) {
      slot.logs = entry.logs ?? [];
      this.pendingLogs.set(id, { lines: [...slot.logs], reset: true });
    }
    this.pendingPuts.add(id);
    if (announce) {
      this.changed({ kind: 'updated', entry });
    }
    return entry;
  }

  private async deleteMany(ids: readonly string[]): Promise<number> {
    const removed: HistoryEntry[] = [];
    for (const id of ids) {
      const slot = this.slots.get(id);
      const entry = this.get(id);
      if (slot && entry) {
        this.slots.delete(id);
        this.pendingPuts.delete(id);
        this.pendingLogs.delete(id);
        this.localChanges.delete(id);
        if (slot.onDisk) {
          this.pendingDeletes.set(id, { rev: slot.summary.rev, videoFile: entry.video?.file });
        }
        removed.push(entry);
      }
    }
    if (removed.length === 0) {
      return 0;
    }
    this.sortedIds = undefined;
    this.changed({ kind: 'deleted', ids: removed.map((entry) => entry.id) });
    await this.scheduleWrite(true);
    // Only once the history no longer names them, so a crash leaves at worst an unreferenced file (swept later).
    for (const entry of removed) {
      if (entry.video) {
        await this.removeVideoFile(entry.video.file);
      }
    }
    return removed.length;
  }

  private parseSlot(slot: Slot): HistoryEntry | undefined {
    if (!slot.location) {
      return undefined;
    }
    const line = this.readLine(slot.location);
    const record = line === undefined ? undefined : readRecord(line);
    if (record?.kind === 'put' && record.summary.id !== slot.summary.id) {
      // Not this entry's record: the summaries were wrong (a bug, not damage). Left alone, and read in full next time.
      this.summariesOffset = 0;
      void fsp.rm(path.join(this.folder, summariesFileName(this.generation)), { force: true }).catch(() => undefined);
      return undefined;
    }
    let value: unknown;
    try {
      value = record?.kind === 'put' ? JSON.parse(record.entryJson) : undefined;
    } catch {
      value = undefined;
    }
    if (line === undefined) {
      return undefined; // Not readable just now (the file is being replaced): asked again later.
    }
    const logs = logLinesOf(slot);
    const parsed = value === undefined ? undefined : historyEntrySchema.safeParse({ ...(value as object), ...(logs.length > 0 ? { logs } : {}) });
    if (!parsed?.success) {
      this.setAsideDamaged(slot, line);
      return undefined;
    }
    return deepFreeze(parsed.data);
  }

  /**
   * An entry whose record is damaged (its summary was readable, the rest is not): it is left out, its record kept in
   * CORRUPT_RECORDS_FILE and deleted from the history, and the user told.
   */
  private setAsideDamaged(slot: Slot, line: string): void {
    const { id } = slot.summary;
    this.corruptLines.push(line);
    this.slots.delete(id);
    this.pendingPuts.delete(id);
    this.pendingLogs.delete(id);
    this.sortedIds = undefined;
    if (slot.onDisk) {
      this.pendingDeletes.set(id, { rev: slot.summary.rev, videoFile: undefined });
    }
    this.damagedSinceReported += 1;
    if (this.damagedSinceReported === 1) {
      // Not from inside `get`: its caller is in the middle of something.
      queueMicrotask(() => {
        const dropped = this.damagedSinceReported;
        this.damagedSinceReported = 0;
        this.changed({
          kind: 'recovered',
          recovery: {
            reason: 'invalidEntries',
            movedTo: path.join(this.folder, CORRUPT_RECORDS_FILE),
            message: dropped === 1
              ? l10n.t('1 damaged history entry was left out and set aside in {0}.', CORRUPT_RECORDS_FILE)
              : l10n.t('{0} damaged history entries were left out and set aside in {1}.', dropped, CORRUPT_RECORDS_FILE),
            keptEntries: this.slots.size,
            droppedEntries: dropped,
          },
        });
        this.scheduleWrite(true).catch(() => undefined);
      });
    }
  }

  private readLine(location: { offset: number; length: number }): string | undefined {
    try {
      this.readFd ??= openSync(this.file, 'r');
      const buffer = Buffer.alloc(location.length);
      const read = readSync(this.readFd, buffer, 0, location.length, location.offset);
      return buffer.toString('utf8', 0, read);
    } catch {
      return undefined;
    }
  }

  private closeReadFd(): void {
    if (this.readFd !== undefined) {
      try {
        closeSync(this.readFd);
      } catch {
        // Already closed.
      }
      this.readFd = undefined;
    }
  }

  private resolveInFolder(relative: string): string {
    const absolute = path.resolve(this.folder, ...relative.split('/'));
    if (!isInsideFolder(absolute, this.folder)) {
      throw new Error(l10n.t('The video path {0} is outside the history folder.', relative));
    }
    return absolute;
  }

  /** Removes a local video and its poster frame. */
  private async removeVideoFile(relative: string): Promise<void> {
    try {
      const absolute = this.resolveInFolder(relative);
      await fsp.rm(absolute, { force: true });
      await fsp.rm(`${absolute}${POSTER_SUFFIX}`, { force: true });
    } catch {
      // E.g. locked by a player on Windows. The history no longer names it, so a later start sweeps it away;
      // the other files are still removed and the caller's entries are already gone.
    }
  }

  /**
   * Whether this process's change of an entry yields to `theirs`, written by another window after this one's lock
   * was taken: when it is newer than what the change was based on, and nothing was changed here since.
   */
  private yieldsTo(yieldTo: YieldTo | undefined, theirs: EntrySummary): boolean {
    const base = yieldTo?.get(theirs.id);
    return base !== undefined && theirs.rev > base.rev && (this.localChanges.get(theirs.id) ?? 0) === base.changes;
  }

  private changed(change: HistoryChange): void {
    for (const listener of [...this.changeListeners]) {
      try {
        listener(change);
      } catch {
        // A listener's failure must not break the store or the other listeners.
      }
    }
  }

  // ---- writing ----

  /** Joins the next write; changes made before it starts are included in it. */
  private scheduleWrite(durable: boolean): Promise<void> {
    this.durablePending ||= durable;
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
        const durableNow = this.durablePending;
        this.durablePending = false;
        try {
          await this.sync(durableNow);
          batch.resolve();
        } catch (error) {
          this.durablePending ||= durableNow;
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

  /**
   * One write, under the lock: read what the others appended, run the locked steps, append this process's changes
   * (with revisions above what is on disk), and check the append landed in the current file — a window that
   * compacted meanwhile started a new one, into which the changes are appended again.
   */
  private async sync(durable: boolean): Promise<void> {
    let synced: Set<string> = new Set();
    await withFileLock(this.lockFile, async () => {
      let yieldTo: YieldTo | undefined;
      for (let attempt = 0; ; attempt++) {
        if (this.generation === 0 && this.pendingPuts.size > 0) {
          // The first file is created before the changes are taken to be written: creating it reads it afresh.
          await this.createFile(1, []);
        }
        synced = new Set([...synced, ...await this.catchUp(undefined, yieldTo)]);
        this.lockedSteps.splice(0).forEach((step) => step());
        const taken = this.takePending();
        const lines = this.linesOf(taken);
        if (lines.length === 0) {
          break;
        }
        let appended: { start: number; end: number } | 'replaced' | 'behind';
        const deletedVideos = [...taken.deletes.values()].flatMap((deletion) => (deletion.videoFile ? [deletion.videoFile] : []));
        try {
          await this.options.whileLocked?.();
          try {
            appended = await this.markAndAppend(taken.puts, lines, durable);
          } catch (error) {
            if (errorCode(error) !== 'ENOSPC' || deletedVideos.length === 0) {
              throw error;
            }
            // A full disk: the videos being deleted go first, to make room for saying so.
            for (const file of deletedVideos) {
              await this.removeVideoFile(file);
            }
            await this.markRunning(taken.puts);
            appended = await this.append(lines, durable);
          }
        } catch (error) {
          this.returnPending(taken);
          throw error;
        }
        let compacted: boolean;
        try {
          compacted = typeof appended === 'string' || await this.compactedMeanwhile();
        } catch (error) {
          this.returnPending(taken);
          throw error;
        }
        if (compacted || typeof appended === 'string') {
          // Another window took the lock from this one (held too long) and wrote, or compacted the file, meanwhile.
          // What it wrote about the same entries came after these changes were made: they yield to it. The rest
          // are written again, into the current file.
          yieldTo = new Map([...taken.puts].flatMap((id) => {
            const slot = this.slots.get(id);
            return slot ? [[id, { rev: slot.summary.rev, changes: this.localChanges.get(id) ?? 0 }] as const] : [];
          }));
          this.returnPending(taken);
          if (attempt >= MAX_WRITE_ATTEMPTS) {
            throw new Error(l10n.t('The history file kept being changed by other windows while this one wrote to it.'));
          }
          continue;
        }
        synced = new Set([...synced, ...await this.catchUp(appended)]);
        await this.unmarkFinished([...taken.puts, ...taken.deletes.keys()]);
        break;
      }
      await this.setAsideCorruptLines();
      synced = new Set([...synced, ...await this.compactIfDue()]);
      await this.writeSummariesIfDue().catch(() => undefined);
    }, { staleMs: this.options.lockStaleMs });
    if (synced.size > 0) {
      this.changed({ kind: 'synced', ids: [...synced] });
    }
  }

  /** The changes not yet written, taken out of the shared sets (changes made while they are written are kept apart). */
  private takePending(): PendingChanges {
    const taken: PendingChanges = { puts: new Set(this.pendingPuts), deletes: new Map(this.pendingDeletes), logs: new Map(this.pendingLogs) };
    this.pendingPuts.clear();
    this.pendingDeletes.clear();
    this.pendingLogs.clear();
    return taken;
  }

  /** Puts back changes that could not be written, under the ones made since (which are newer). */
  private returnPending(taken: PendingChanges): void {
    for (const id of taken.puts) {
      if (this.slots.has(id)) {
        this.pendingPuts.add(id);
      }
    }
    for (const [id, deletion] of taken.deletes) {
      if (!this.pendingDeletes.has(id)) {
        this.pendingDeletes.set(id, deletion);
      }
    }
    for (const [id, earlier] of taken.logs) {
      const later = this.pendingLogs.get(id);
      this.pendingLogs.set(id, later?.reset
        ? later
        : { lines: appendLogLines(earlier.lines, later?.lines ?? []), reset: earlier.reset });
    }
  }

  /** The records of `changes`, with revisions above what the file holds. */
  private linesOf(changes: PendingChanges): string[] {
    const lines: string[] = [];
    for (const [id, { rev }] of changes.deletes) {
      const known = Math.max(rev, this.tombstones.get(id)?.rev ?? 0);
      lines.push(delLine(id, known + 1, this.now()));
    }
    for (const id of changes.puts) {
      const slot = this.slots.get(id);
      const entry = slot && !this.tombstones.has(id) ? this.get(id) : undefined;
      if (slot && entry) {
        lines.push(putLine(entry, slot.summary.rev + 1));
      }
    }
    for (const [id, { lines: logLines, reset }] of changes.logs) {
      if (this.slots.has(id) && logLines.length > 0) {
        lines.push(logsLine(id, logLines, reset));
      }
    }
    return lines;
  }

  /**
   * Appends `lines` to the current file, flushing them when `durable`. Returns where the lines are, `behind` when
   * others appended since this process read the file (nothing written), or `replaced` when the file is gone.
   */
  private async append(lines: readonly string[], durable: boolean): Promise<{ start: number; end: number } | 'replaced' | 'behind'> {
    this.readExactly = false;
    let handle: fsp.FileHandle;
    try {
      // Never created here: a file that is gone was compacted into the next one (by a window that took the lock
      // from this one), and a file without its header would be no history file.
      handle = await fsp.open(this.file, constants.O_RDWR | constants.O_APPEND);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') {
        return 'replaced';
      }
      throw error;
    }
    try {
      const before = (await handle.stat()).size;
      // After a cut-off write (of a process killed mid-append, or a write that failed), the records start on a line
      // of their own, after a mark that tells readers the line before it was never confirmed to anyone. Nothing is
      // ever truncated: a window whose lock was taken may be writing at this very moment.
      let prefix = '';
      if (before > this.readOffset) {
        const after = Buffer.alloc(before - this.readOffset);
        await handle.read(after, 0, after.length, this.readOffset);
        if (after.includes(10)) {
          return 'behind'; // Whole records written since this process read the file: its lock was taken.
        }
        prefix = `\n${TORN_MARK}\n`;
      }
      const text = `${lines.join('\n')}\n`;
      await writeAll(handle, Buffer.from(prefix + text, 'utf8'));
      if (durable) {
        await handle.sync();
      }
      const end = (await handle.stat()).size;
      const written = Buffer.byteLength(prefix + text);
      // Where they landed is known when nothing else was appended meanwhile (only a window whose lock was taken
      // could); otherwise they are read back like anyone's.
      return end - before === written ? { start: end - Buffer.byteLength(text), end } : { start: end, end };
    } finally {
      await handle.close();
    }
  }

  /**
   * Marks the unfinished jobs among `puts` in `running/` and appends `lines`. A job fal may have (one with a request
   * id) is marked before its record is written, so that a window's start always finds it. A job's first write is
   * made before it is sent: until both are on disk nothing is sent, so both are written at once (a mark left without
   * its record is cleared at the next start).
   */
  private async markAndAppend(puts: ReadonlySet<string>, lines: readonly string[], durable: boolean): Promise<{ start: number; end: number } | 'replaced' | 'behind'> {
    const falMayHaveOne = [...puts].some((id) => {
      const entry = this.slots.get(id)?.entry;
      return entry === undefined || (isUnfinishedStatus(entry.status) && (entry.status !== 'submitting' || entry.requestId !== undefined));
    });
    if (falMayHaveOne) {
      await this.markRunning(puts);
      return this.append(lines, durable);
    }
    const [marked, appended] = await Promise.allSettled([this.markRunning(puts), this.append(lines, durable)]);
    if (marked.status === 'rejected') {
      throw marked.reason;
    }
    if (appended.status === 'rejected') {
      throw appended.reason;
    }
    return appended.value;
  }

  /** A durable mark for each unfinished job about to be written: the next window's start finds it. */
  private async markRunning(ids: Iterable<string>): Promise<void> {
    let created = false;
    for (const id of ids) {
      const summary = this.slots.get(id)?.summary;
      if (summary && isUnfinishedStatus(summary.status)) {
        const mark = path.join(this.folder, HISTORY_RUNNING_FOLDER_NAME, id);
        try {
          await fsp.writeFile(mark, '', { flag: 'wx' });
          created = true;
        } catch (error) {
          if (errorCode(error) !== 'EEXIST') {
            throw error;
          }
        }
      }
    }
    if (created) {
      await fsyncDirectory(path.join(this.folder, HISTORY_RUNNING_FOLDER_NAME));
    }
  }

  /** Removes the marks of jobs that are no longer unfinished (or gone). */
  private async unmarkFinished(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      const summary = this.slots.get(id)?.summary;
      if (!summary || !isUnfinishedStatus(summary.status)) {
        await fsp.rm(path.join(this.folder, HISTORY_RUNNING_FOLDER_NAME, id), { force: true }).catch(() => undefined);
      }
    }
  }

  // ---- reading ----

  /**
   * Reads and applies what was appended to the current file since it was last read (within `own`, the lines this
   * process just appended, applied without parsing them again), or the whole of a newer file another window
   * compacted into. Returns the ids whose entries others changed.
   */
  private async catchUp(own?: { start: number; end: number }, yieldTo?: YieldTo): Promise<Set<string>> {
    const newest = await this.newestGeneration();
    if (newest !== this.generation) {
      return this.reload(newest, yieldTo);
    }
    if (this.generation === 0) {
      return new Set();
    }
    let handle: fsp.FileHandle;
    try {
      handle = await fsp.open(this.file, 'r');
    } catch (error) {
      if (errorCode(error) === 'ENOENT') {
        return this.reload(await this.newestGeneration(), yieldTo);
      }
      throw error;
    }
    try {
      const { size } = await handle.stat();
      if (size <= this.readOffset) {
        return new Set();
      }
      const buffer = Buffer.alloc(size - this.readOffset);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, this.readOffset);
      return this.applyBuffer(buffer.subarray(0, bytesRead), this.readOffset, own, yieldTo);
    } finally {
      await handle.close();
    }
  }

  /** Applies the complete lines of `buffer` (read at `base`); the offset advances past the last complete line. */
  private applyBuffer(buffer: Buffer, base: number, own?: { start: number; end: number }, yieldTo?: YieldTo): Set<string> {
    const synced = new Set<string>();
    let start = 0;
    let previousUnreadable = false;
    for (;;) {
      const end = buffer.indexOf(10, start);
      if (end < 0) {
        break;
      }
      if (end > start) {
        const line = buffer.toString('utf8', start, end);
        const record = line === TORN_MARK ? undefined : readRecord(line);
        if (record) {
          const offset = base + start;
          this.apply(record, { offset, length: end - start }, own !== undefined && offset >= own.start && offset < own.end, synced, yieldTo);
          previousUnreadable = false;
        } else if (line === TORN_MARK) {
          if (previousUnreadable) {
            this.tornLines.push(this.corruptLines.pop() as string);
          }
          previousUnreadable = false;
        } else {
          this.corruptLines.push(line);
          previousUnreadable = true;
        }
      }
      start = end + 1;
    }
    this.readOffset = base + start;
    return synced;
  }

  /**
   * Applies one record: of two puts the higher revision holds, a del is final; this process's own records only
   * confirm what it holds.
   */
  private apply(record: HistoryRecord, location: { offset: number; length: number }, own: boolean, synced: Set<string>, yieldTo?: YieldTo): void {
    const slot = this.slots.get(record.kind === 'put' ? record.summary.id : record.id);
    switch (record.kind) {
      case 'put': {
        const { summary } = record;
        // A deletion is final, whatever revision a late writer gives the entry: ids are never reused.
        if (this.tombstones.has(summary.id)) {
          return;
        }
        if (slot && summary.rev <= slot.summary.rev) {
          return;
        }
        this.liveBytes += location.length - (slot?.location?.length ?? 0);
        if (!slot) {
          if (this.pendingDeletes.has(summary.id)) {
            return;
          }
          this.slots.set(summary.id, { summary, entry: undefined, location, logs: [], onDisk: true });
          this.sortedIds = undefined;
          if (!own) {
            synced.add(summary.id);
          }
          return;
        }
        slot.location = location;
        slot.onDisk = true;
        if (own || (this.pendingPuts.has(summary.id) && !this.yieldsTo(yieldTo, summary))) {
          // What this process holds is what it wrote, or what it is about to write over this.
          slot.summary = { ...slot.summary, rev: summary.rev };
          return;
        }
        this.pendingPuts.delete(summary.id);
        slot.summary = summary;
        slot.entry = undefined;
        this.sortedIds = undefined;
        synced.add(summary.id);
        return;
      }
      case 'del': {
        const known = this.tombstones.get(record.id);
        if (!known || known.rev < record.rev) {
          this.tombstones.set(record.id, { rev: record.rev, deletedAt: record.deletedAt });
        }
        if (slot && (slot.onDisk || !this.pendingPuts.has(record.id))) {
          // Deleted by another window: a late change here must not bring it back (nor one of the same revision).
          this.slots.delete(record.id);
          this.pendingPuts.delete(record.id);
          this.pendingLogs.delete(record.id);
          this.liveBytes -= slot.location?.length ?? 0;
          this.sortedIds = undefined;
          synced.add(record.id);
        }
        return;
      }
      case 'logs': {
        if (!slot || own) {
          return;
        }
        slot.logs = appendLogLines(record.reset ? [] : logLinesOf(slot), record.lines).slice(-MAX_LOG_LINES);
        this.liveBytes += location.length;
        if (slot.entry) {
          slot.entry = deepFreeze({ ...slot.entry, logs: slot.logs });
        }
        synced.add(record.id);
        return;
      }
    }
  }

  /** The highest generation of history file in the folder (0: none). */
  private async newestGeneration(): Promise<number> {
    let newest = 0;
    for (const name of await fsp.readdir(this.folder)) {
      const match = HISTORY_FILE.exec(name);
      if (match) {
        newest = Math.max(newest, Number(match[1]));
      }
    }
    return newest;
  }

  /**
   * Whether another window compacted the history into a newer file (once or more) since this one read it. A
   * compaction still under way (its file being written by a live process) is waited for: it may have taken its
   * snapshot before this window's append, and if it then finished without copying that append over (killed, say),
   * a change confirmed here would be lost — so the append counts only once no compaction is pending, and is written
   * again into the new file when one finished.
   */
  private async compactedMeanwhile(): Promise<boolean> {
    const deadline = Date.now() + COMPACTION_WAIT_MS;
    for (;;) {
      let pending = false;
      for (const name of await fsp.readdir(this.folder)) {
        const file = HISTORY_FILE.exec(name);
        if (file && Number(file[1]) > this.generation) {
          return true;
        }
        const temp = HISTORY_TEMP_FILE.exec(name);
        if (temp && Number(temp[1]) > this.generation && Number(temp[2]) !== process.pid && isProcessAlive(Number(temp[2]))) {
          pending = true;
        }
      }
      if (!pending) {
        return false;
      }
      if (Date.now() > deadline) {
        throw new Error(l10n.t('Another window has been compacting the history for over a minute; this change is written with the next one.'));
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /**
   * Reads the whole of generation `generation`'s file into fresh slots, keeping the changes this process has not
   * written yet on top. Returns the ids whose entries changed, unless told nobody asks (at start, all of them did).
   */
  private async reload(generation: number, yieldTo?: YieldTo, reportChanges = true): Promise<Set<string>> {
    const before = new Map([...this.slots].map(([id, slot]) => [id, slot.summary.rev]));
    const pending = new Map([...this.pendingPuts].flatMap((id) => {
      const slot = this.slots.get(id);
      return slot ? [[id, slot] as const] : [];
    }));
    this.closeReadFd();
    this.slots.clear();
    this.tombstones.clear();
    this.sortedIds = undefined;
    this.liveBytes = 0;
    this.generation = generation;
    this.readOffset = 0;
    this.summariesOffset = 0;
    this.summariesBytes = 0;
    this.readExactly = pending.size === 0;
    if (generation > 0 && !(await this.readWithSummaries(generation))) {
      const buffer = await fsp.readFile(this.file);
      const firstLineEnd = buffer.indexOf(10);
      this.header = firstLineEnd < 0 ? '' : buffer.toString('utf8', 0, firstLineEnd);
      const header = firstLineEnd < 0 ? undefined : readHeader(this.header);
      if (header !== generation) {
        throw new UnreadableHistoryFileError(this.file, header === 'newer');
      }
      this.applyBuffer(buffer.subarray(firstLineEnd + 1), firstLineEnd + 1);
    }
    for (const [id, slot] of pending) {
      const current = this.slots.get(id);
      if (current && this.yieldsTo(yieldTo, current.summary)) {
        this.pendingPuts.delete(id);
      } else if (current) {
        current.entry = slot.entry;
        current.summary = { ...(slot.entry ? summaryOf(slot.entry, current.summary.rev) : current.summary) };
      } else if (!slot.onDisk || !this.tombstones.has(id)) {
        this.slots.set(id, { ...slot, location: undefined, summary: { ...slot.summary, rev: this.tombstones.get(id)?.rev ?? 0 } });
      } else {
        this.pendingPuts.delete(id);
      }
    }
    const changed = new Set<string>();
    if (!reportChanges) {
      return changed;
    }
    for (const [id, slot] of this.slots) {
      if (before.get(id) !== slot.summary.rev) {
        changed.add(id);
      }
    }
    for (const id of before.keys()) {
      if (!this.slots.has(id)) {
        changed.add(id);
      }
    }
    return changed;
  }

  /**
   * Reads generation `generation` through its summaries and what was appended after them, into the cleared slots.
   * False, having changed nothing, when there are none or they do not match the file (then it is read whole).
   */
  private async readWithSummaries(generation: number): Promise<boolean> {
    const read = await readSummaries(this.folder, this.file, generation);
    if (!read) {
      return false;
    }
    const { summaries, appended, bytes } = read;
    for (const { summary, location, logs } of summaries.slots) {
      this.slots.set(summary.id, { summary, entry: undefined, location, logs, onDisk: true });
    }
    for (const { id, rev, deletedAt } of summaries.tombstones) {
      this.tombstones.set(id, { rev, deletedAt });
    }
    this.header = summaries.header;
    this.liveBytes = summaries.liveBytes;
    this.summariesOffset = summaries.offset;
    this.summariesBytes = bytes;
    this.applyBuffer(appended, summaries.offset);
    return true;
  }

  /**
   * Writes the summaries of the current file once it has grown well past what they cover: at the start, and after
   * a compaction. Only when what this process holds is exactly what the file says (`readExactly`, nothing pending,
   * nothing damaged); call under the lock.
   */
  private async writeSummariesIfDue(): Promise<void> {
    const due = Math.max(this.options.summariesMinBytes ?? SUMMARIES_MIN_BYTES, this.summariesBytes);
    const pending = this.pendingPuts.size + this.pendingDeletes.size + this.pendingLogs.size;
    if (!this.readExactly || this.generation === 0 || this.readOffset - this.summariesOffset < due || pending > 0 || this.corruptLines.length + this.tornLines.length > 0) {
      return;
    }
    const slots: SummarisedSlot[] = [];
    for (const slot of this.slots.values()) {
      if (!slot.onDisk || !slot.location) {
        return;
      }
      slots.push({ summary: slot.summary, location: slot.location, logs: slot.logs });
    }
    const offset = this.readOffset;
    const bytes = await writeSummaries(this.folder, this.file, {
      generation: this.generation,
      header: this.header,
      offset,
      liveBytes: this.liveBytes,
      slots,
      tombstones: [...this.tombstones].map(([id, { rev, deletedAt }]) => ({ id, rev, deletedAt })),
    });
    if (bytes !== undefined) {
      this.summariesBytes = bytes;
      this.summariesOffset = offset;
    }
  }

  /**
   * Creates generation `generation`'s file with `lines` after its header, complete and flushed before it appears
   * under its name (exclusively: of two windows compacting at once, one wins). False when another was first.
   */
  private async createFile(generation: number, content: readonly string[] | (() => Promise<readonly string[]>)): Promise<boolean> {
    const target = path.join(this.folder, historyFileName(generation));
    const temp = `${target}.tmp-${process.pid}-${randomBytes(5).toString('hex')}`;
    try {
      // The temp file exists before `content` is taken: writers that append from now on wait for it (compactedMeanwhile).
      const handle = await fsp.open(temp, 'wx');
      try {
        const lines = typeof content === 'function' ? await content() : content;
        await handle.writeFile(`${[headerLine(generation), ...lines].join('\n')}\n`, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      try {
        await fsp.link(temp, target);
      } catch (error) {
        if (errorCode(error) === 'EEXIST') {
          return false;
        }
        throw error;
      }
    } finally {
      await fsp.rm(temp, { force: true }).catch(() => undefined);
    }
    await fsyncDirectory(this.folder);
    await this.reload(generation);
    return true;
  }

  /** Writes the live records into the next generation's file once the current one is mostly dead records. */
  /** Returns the ids whose entries others changed, read while compacting. */
  private async compactIfDue(): Promise<Set<string>> {
    if (this.pendingPuts.size + this.pendingDeletes.size + this.pendingLogs.size > 0) {
      return new Set(); // Changes made during this write: compacted with a later one, so the logs are copied exactly.
    }
    const size = this.readOffset;
    if (size < COMPACT_MIN_BYTES || size < COMPACT_RATIO * this.liveBytes) {
      return new Set();
    }
    return this.compact();
  }

  /** Returns the ids whose entries others changed, read while compacting. */
  private async compact(): Promise<Set<string>> {
    const old = this.file;
    const oldSummaries = path.join(this.folder, summariesFileName(this.generation));
    let synced = new Set<string>();
    let copiedUpTo = 0;
    const created = await this.createFile(this.generation + 1, async () => {
      // Read after the new file was announced: what others appended before is copied from here, and whoever
      // appends later waits for this compaction and writes again into the new file (see compactedMeanwhile).
      synced = await this.catchUp();
      copiedUpTo = this.readOffset;
      await this.setAsideCorruptLines();
      return this.liveLines();
    });
    if (created) {
      // Writers of an older version of this extension do not wait for a compaction: what they appended to the
      // old file since it was read is copied over.
      const late = await completeLinesAfter(old, copiedUpTo);
      for (let attempt = 0; late.length > 0 && attempt < MAX_WRITE_ATTEMPTS; attempt++) {
        const appended = await this.append(late, true);
        synced = new Set([...synced, ...await this.catchUp()]);
        if (appended !== 'behind' && appended !== 'replaced' && !(await this.compactedMeanwhile())) {
          break;
        }
      }
      // Left behind if it cannot go now: only the newest file is read, and a later start removes the older ones.
      await fsp.rm(old, { force: true }).catch(() => undefined);
      await fsp.rm(oldSummaries, { force: true }).catch(() => undefined);
    }
    return synced;
  }

  /** The records on disk of every live entry, and the recent deletions: a new file's content. */
  private liveLines(): string[] {
    const lines: string[] = [];
    for (const slot of this.slots.values()) {
      // What is on disk, copied as it is (changes not written yet are written after, as usual).
      const line = slot.location ? this.readLine(slot.location) : undefined;
      const record = line === undefined ? undefined : readRecord(line);
      if (record?.kind !== 'put') {
        continue;
      }
      lines.push(putLineOfJson(record.summary, record.entryJson));
      const logLines = logLinesOf(slot);
      if (logLines.length > 0) {
        lines.push(logsLine(slot.summary.id, logLines, true));
      }
    }
    const cutoff = this.now() - TOMBSTONE_KEEP_MS;
    for (const [id, tombstone] of this.tombstones) {
      if (tombstone.deletedAt >= cutoff) {
        lines.push(delLine(id, tombstone.rev, tombstone.deletedAt));
      }
    }
    return lines;
  }


  private async setAsideCorruptLines(): Promise<void> {
    if (this.corruptLines.length === 0 && this.tornLines.length === 0) {
      return;
    }
    const lines = [...this.corruptLines.splice(0), ...this.tornLines.splice(0)];
    await fsp.appendFile(path.join(this.folder, CORRUPT_RECORDS_FILE), `${lines.join('\n')}\n`);
  }

  // ---- opening ----

  /**
   * First read: the history file, a first-version index moved into it, leftover temp files of killed processes
   * removed, old orphan videos swept, stale marks of unfinished jobs cleared.
   */
  private async load(): Promise<IndexRecovery | undefined> {
    let recovery: IndexRecovery | undefined;
    await withFileLock(this.lockFile, async () => {
      for (const name of await fsp.readdir(this.folder)) {
        const temp = HISTORY_TEMP_FILE.exec(name);
        if (temp && !isProcessAlive(Number(temp[2]))) {
          await fsp.rm(path.join(this.folder, name), { force: true });
        }
      }
      recovery = await this.loadNewestReadable();
      await this.removeOlderGenerations();
      recovery = await this.migrateLegacyIndex() ?? recovery;
      const dropped = this.corruptLines.length;
      if (dropped > 0 || this.tornLines.length > 0) {
        // Kept aside, and left out of the history from now on: the next file holds only what could be read.
        await this.setAsideCorruptLines();
        await this.compact();
      }
      if (dropped > 0) {
        recovery ??= {
          reason: 'invalidEntries',
          movedTo: path.join(this.folder, CORRUPT_RECORDS_FILE),
          message: dropped === 1
            ? l10n.t('1 damaged history record was left out and set aside in {0}; the other {1} entries are kept.', CORRUPT_RECORDS_FILE, this.slots.size)
            : l10n.t('{0} damaged history records were left out and set aside in {1}; the other {2} entries are kept.', dropped, CORRUPT_RECORDS_FILE, this.slots.size),
          keptEntries: this.slots.size,
          droppedEntries: dropped,
        };
      }
      await this.clearStaleMarks();
      // Read in full (no summaries yet, or many records after them): the next start reads only what comes after.
      await this.writeSummariesIfDue().catch(() => undefined);
    }, { staleMs: this.options.lockStaleMs });
    await this.sweepOrphanVideos().catch(() => undefined);
    await removeStalePartials(path.join(this.folder, VIDEOS_FOLDER));
    await removeStalePartials(this.folder);
    await removeDeadLockTemps(this.lockFile).catch(() => undefined);
    return recovery;
  }

  /** Names a file set aside: when, and a few random characters, so two set aside at once do not collide. */
  private asideStamp(): string {
    return `${new Date(this.now()).toISOString().replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}`;
  }

  /** Reads the newest history file; one that is damaged (no valid header) is set aside and the one before it read. */
  private async loadNewestReadable(): Promise<IndexRecovery | undefined> {
    let recovery: IndexRecovery | undefined;
    for (;;) {
      try {
        await this.reload(await this.newestGeneration(), undefined, false);
        return recovery && { ...recovery, keptEntries: this.slots.size };
      } catch (error) {
        if (!(error instanceof UnreadableHistoryFileError) || error.newer) {
          throw error;
        }
        const movedTo = `${error.file.replace(/\.jsonl$/, '')}.unreadable-${this.asideStamp()}.jsonl`;
        await fsp.rename(error.file, movedTo);
        this.generation = 0;
        recovery = {
          reason: 'unreadable',
          movedTo,
          message: l10n.t('The history file {0} could not be read; it was set aside as {1}.', path.basename(error.file), path.basename(movedTo)),
          keptEntries: 0,
          droppedEntries: 0,
        };
      }
    }
  }

  /**
   * Moves the first version's `index.json` into the history file (its intact entries: a damaged one is salvaged)
   * and sets it aside, so it is read only once. Call under the lock.
   */
  private async migrateLegacyIndex(): Promise<IndexRecovery | undefined> {
    const legacy = path.join(this.folder, LEGACY_INDEX_FILE);
    let text = '';
    let isFolder = false;
    try {
      text = await fsp.readFile(legacy, 'utf8');
    } catch (error) {
      if (errorCode(error) === 'ENOENT') {
        return undefined;
      }
      if (errorCode(error) !== 'EISDIR') {
        throw error;
      }
      isFolder = true;
    }
    const parsed: ParsedIndex = isFolder ? { entries: [], problem: { reason: 'foreign', shape: 'folder', dropped: 0 } } : parseIndexText(text);
    const already = this.slots.size;
    const fresh = [...parsed.entries].reverse().filter((entry) => !this.slots.has(entry.id) && !this.tombstones.has(entry.id));
    if (fresh.length > 0) {
      const lines = fresh.map((entry) => putLine(entry, 1));
      for (const entry of fresh) {
        if (entry.logs && entry.logs.length > 0) {
          lines.push(logsLine(entry.id, entry.logs, true));
        }
      }
      if (this.generation === 0) {
        await this.createFile(1, lines);
      } else {
        const appended = await this.append(lines, true);
        if (appended === 'replaced' || appended === 'behind') {
          throw new Error(l10n.t('Another window wrote to the history while the first-version index was moved into it.'));
        }
        await this.catchUp(appended);
      }
      for (const entry of fresh) {
        if (isUnfinished(entry)) {
          await fsp.writeFile(path.join(this.folder, HISTORY_RUNNING_FOLDER_NAME, entry.id), '', { flag: 'w' });
        }
      }
    }
    const movedTo = path.join(this.folder, parsed.problem ? `index.corrupt-${this.asideStamp()}.json` : 'index.v1.json');
    await fsp.rename(legacy, movedTo);
    await fsyncDirectory(this.folder);
    if (!parsed.problem) {
      return undefined;
    }
    return {
      reason: parsed.problem.reason,
      movedTo,
      message: recoveryMessage(parsed.problem, movedTo, parsed.entries.length, already),
      keptEntries: parsed.entries.length,
      droppedEntries: parsed.problem.dropped,
    };
  }

  /**
   * Files compacted into a newer one that could not be removed then (e.g. open in another window on Windows), and
   * summaries of any file but the current one.
   */
  private async removeOlderGenerations(): Promise<void> {
    for (const name of await fsp.readdir(this.folder)) {
      const match = HISTORY_FILE.exec(name);
      const summarised = summariesGeneration(name);
      if ((match && Number(match[1]) < this.generation) || (summarised !== undefined && summarised !== this.generation)) {
        await fsp.rm(path.join(this.folder, name), { force: true }).catch(() => undefined);
      }
    }
  }

  /** Marks of jobs that are not unfinished any more (their window was killed before clearing them). Under the lock. */
  private async clearStaleMarks(): Promise<void> {
    const folder = path.join(this.folder, HISTORY_RUNNING_FOLDER_NAME);
    for (const name of await fsp.readdir(folder)) {
      const summary = this.slots.get(name)?.summary;
      if (!summary || !isUnfinishedStatus(summary.status)) {
        await fsp.rm(path.join(folder, name), { force: true });
      }
    }
  }

  /** Removes old files in `videos/` no entry refers to (left by a crash between a deletion and a file removal). */
  private async sweepOrphanVideos(): Promise<void> {
    const folder = path.join(this.folder, VIDEOS_FOLDER);
    let names: string[];
    try {
      names = await fsp.readdir(folder);
    } catch {
      return;
    }
    const referenced = new Set<string>();
    for (const { summary } of this.slots.values()) {
      if (summary.videoFile) {
        const name = path.posix.basename(summary.videoFile);
        referenced.add(name).add(`${name}${POSTER_SUFFIX}`);
      }
    }
    const cutoff = this.now() - ORPHAN_MIN_AGE_MS;
    for (const name of names) {
      if (referenced.has(name) || name.startsWith('.')) {
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
