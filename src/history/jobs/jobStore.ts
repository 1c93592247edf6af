import type { HistoryEntry, HistoryEntryPatch, NewHistoryEntry } from '../store/entry';
import type { ClaimedJobs, HistoryChange } from '../store/historyStore';

/**
 * What the journal and resume need of the history store. HistoryStore is the real one (on disk, shared by every
 * window); the unit tests use one in memory, shared by simulated windows.
 */
export interface JobStore {
  get(id: string): HistoryEntry | undefined;
  /** Every entry, newest first. */
  list(): readonly HistoryEntry[];
  add(init: NewHistoryEntry): Promise<HistoryEntry>;
  update(id: string, patch: HistoryEntryPatch): Promise<HistoryEntry | undefined>;
  appendLogs(id: string, lines: readonly string[]): Promise<HistoryEntry | undefined>;
  /** Keeps a local copy of the entry's video, downloaded from `url`. */
  saveVideo(id: string, url: string, options?: { signal?: AbortSignal }): Promise<HistoryEntry | undefined>;
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
