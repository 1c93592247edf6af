import type { JobStore } from '../../../../src/history/jobs/jobStore';
import { appendLogLines, applyPatch, createEntry, isUnfinished, type HistoryEntry, type HistoryEntryPatch, type NewHistoryEntry } from '../../../../src/history/store/entry';
import type { ClaimedJobs, HistoryChange, SaveVideoOptions } from '../../../../src/history/store/historyStore';
import { hasMissingCopy } from '../../../../src/history/store/records';
import { Listeners } from '../../../../src/util/listeners';

/**
 * The history as the journal and resume see it, in memory: one instance shared by several simulated windows plays
 * the index every window shares. Claims are atomic (nothing awaits inside one), as they are under the real lock.
 */
export class MemoryJobStore implements JobStore {
  private readonly entries = new Map<string, HistoryEntry>();
  private readonly changes = new Listeners<HistoryChange>();
  readonly onDidChange = this.changes.event;
  /** What `saveVideo` does with a URL: resolves with the bytes kept, or throws why not. */
  download: (url: string) => Promise<number> = async () => 1234;
  readonly downloads: string[] = [];
  now = 1_000_000;

  get(id: string): HistoryEntry | undefined {
    return this.entries.get(id);
  }

  list(): readonly HistoryEntry[] {
    return [...this.entries.values()].reverse().sort((a, b) => b.createdAt - a.createdAt);
  }

  unfinishedEntries(): HistoryEntry[] {
    return this.list().filter(isUnfinished);
  }

  missingCopies(): HistoryEntry[] {
    return this.list().filter(hasMissingCopy);
  }

  async add(init: NewHistoryEntry): Promise<HistoryEntry> {
    const entry = createEntry(init, this.now);
    this.entries.set(entry.id, entry);
    this.changes.fire({ kind: 'added', entry });
    return entry;
  }

  async update(id: string, patch: HistoryEntryPatch): Promise<HistoryEntry | undefined> {
    const current = this.entries.get(id);
    if (!current) {
      return undefined;
    }
    const entry = applyPatch(current, patch, ++this.now);
    this.entries.set(id, entry);
    this.changes.fire({ kind: 'updated', entry });
    return entry;
  }

  async appendLogs(id: string, lines: readonly string[]): Promise<HistoryEntry | undefined> {
    const entry = this.entries.get(id);
    return entry && lines.length > 0 ? this.update(id, { logs: appendLogLines(entry.logs, lines) }) : entry;
  }

  async saveVideo(id: string, url: string, options: SaveVideoOptions = {}): Promise<HistoryEntry | undefined> {
    this.downloads.push(url);
    const bytes = await this.download(url);
    const current = this.entries.get(id);
    const more = current ? options.finish?.(current) : undefined;
    const written = this.update(id, { ...more, video: { file: `videos/${id}.mp4`, bytes, contentType: 'video/mp4' }, remoteVideoUrl: url });
    const inPlace = this.entries.get(id);
    if (current && inPlace) {
      options.whenInPlace?.(inPlace);
    }
    return written;
  }

  async claimUnfinished(isAbandoned: (entry: HistoryEntry) => boolean, owner: number): Promise<ClaimedJobs> {
    const claimed: ClaimedJobs = { resumable: [], interrupted: [] };
    for (const entry of [...this.entries.values()]) {
      if (!isUnfinished(entry) || !isAbandoned(entry)) {
        continue;
      }
      if (entry.requestId !== undefined) {
        claimed.resumable.push(this.set(applyPatch(entry, { ownerPid: owner }, ++this.now)));
      } else {
        claimed.interrupted.push(this.set(applyPatch(entry, {
          status: 'failed',
          ownerPid: undefined,
          error: { kind: 'interrupted', message: 'VS Code closed or reloaded before fal accepted the job, so it never started.' },
        }, ++this.now)));
      }
    }
    if (claimed.resumable.length + claimed.interrupted.length > 0) {
      this.changes.fire({ kind: 'synced', ids: [...claimed.resumable, ...claimed.interrupted].map((entry) => entry.id) });
    }
    return claimed;
  }

  async refresh(): Promise<void> {
    // One store for every window: there is nothing to re-read.
  }

  /** What another window (or the user) does: not part of what the journal and resume use. */
  async delete(id: string): Promise<void> {
    this.entries.delete(id);
    this.changes.fire({ kind: 'deleted', ids: [id] });
  }

  /** Puts an entry as another window left it. */
  seed(init: NewHistoryEntry): HistoryEntry {
    return this.set(createEntry(init, this.now));
  }

  private set(entry: HistoryEntry): HistoryEntry {
    this.entries.set(entry.id, entry);
    return entry;
  }
}

export const quietLog = { info: (): void => undefined, warn: (): void => undefined };
