import type { HistoryEntry, HistoryEntryPatch, NewHistoryEntry } from '../store/entry';
import type { ClaimedJobs, HistoryChange, SaveVideoOptions } from '../store/historyStore';

/**
 * What the journal and resume need of the history store. HistoryStore is the real one (on disk, shared by every
 * window); the unit tests use one in memory, shared by simulated windows.
 */
export interface JobStore {
  get(id: string): HistoryEntry | undefined;
  /** Every unfinished job (submitting, queued or running), newest first. */
  unfinishedEntries(): HistoryEntry[];
  /** Finished generations whose local copy could not be kept. */
  missingCopies(): HistoryEntry[];
  add(init: NewHistoryEntry): Promise<HistoryEntry>;
  /** `durable: false`: the change may be lost to a power cut (e.g. a queue position). */
  update(id: string, patch: HistoryEntryPatch, options?: { durable?: boolean }): Promise<HistoryEntry | undefined>;
  appendLogs(id: string, lines: readonly string[]): Promise<HistoryEntry | undefined>;
  /**
   * Keeps a local copy of the entry's video, downloaded from `url`. `finish`, given the entry once the video is in
   * place, returns more changes to make in the same write (e.g. the job is done), or undefined for none.
   */
  saveVideo(id: string, url: string, options?: SaveVideoOptions): Promise<HistoryEntry | undefined>;
  /** Takes over, for process `owner`, the unfinished jobs `isAbandoned` says no one follows: atomically across windows. */
  claimUnfinished(isAbandoned: (entry: HistoryEntry) => boolean, owner: number): Promise<ClaimedJobs>;
  /** Picks up what other windows changed. */
  refresh(): Promise<void>;
  onDidChange(listener: (change: HistoryChange) => void): { dispose(): void };
}

/** Who this window is among the windows sharing the history: its extension host's process, and how it tells others are gone. */
export interface WindowIdentity {
  readonly pid: number;
  isProcessAlive(pid: number): boolean;
}
