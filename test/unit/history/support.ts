import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { historyEntrySchema, MAX_LOG_LINES, type HistoryEntry, type NewHistoryEntry } from '../../../src/history/store/entry';
import { readHeader, readRecord } from '../../../src/history/store/records';

/** A fresh temp folder per test, removed afterwards. */
export function useTempFolder(): { readonly path: string } {
  const holder = { path: '' };
  beforeEach(() => {
    holder.path = mkdtempSync(path.join(tmpdir(), 'animatediff-history-'));
  });
  afterEach(() => {
    rmSync(holder.path, { recursive: true, force: true });
  });
  return holder;
}

export function newEntry(prompt: string, extra: Partial<NewHistoryEntry> = {}): NewHistoryEntry {
  return {
    endpoint: 'fal-ai/fast-animatediff/turbo/text-to-video',
    input: { prompt, num_frames: 16, video_size: 'square' },
    source: { kind: 'prompt' },
    ...extra,
  };
}

/** The pid of a process that has exited (for entries left by a window that is gone). */
export function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', ''], { stdio: 'ignore' });
  if (child.pid === undefined) {
    throw new Error('could not start a child process');
  }
  return child.pid;
}

export function filesIn(folder: string): string[] {
  try {
    return readdirSync(folder).sort();
  } catch {
    return [];
  }
}

/** The first version's index file, as it wrote one (one entry per line), newest first. */
export function legacyIndexText(newestFirst: readonly HistoryEntry[]): string {
  if (newestFirst.length === 0) {
    return '{"version":1,"entries":[]}\n';
  }
  return `{"version":1,"entries":[\n${newestFirst.map((entry) => JSON.stringify(entry)).join(',\n')}\n]}\n`;
}

export interface HistoryOnDisk {
  generation: number;
  /** The live entries (with their logs), by id. */
  entries: Map<string, HistoryEntry>;
  /** Lines that are not records (other than cut-off writes marked as such), and whether the file ends in one. */
  unreadableLines: string[];
  /** Cut-off writes of killed processes, each followed by the mark a later writer leaves. */
  markedCutOffs: string[];
  tornTail: boolean;
}

/**
 * Reads the newest history file as the format says, without the store: the higher revision of an entry holds, a
 * deletion of a revision at least as high removes it. What killed processes left is checked with this.
 */
export function historyOnDisk(folder: string): HistoryOnDisk {
  const generations = filesIn(folder).flatMap((name) => {
    const match = /^history\.(\d+)\.jsonl$/.exec(name);
    return match ? [Number(match[1])] : [];
  });
  const generation = Math.max(0, ...generations);
  const result: HistoryOnDisk = { generation, entries: new Map(), unreadableLines: [], markedCutOffs: [], tornTail: false };
  if (generation === 0) {
    return result;
  }
  const text = readFileSync(path.join(folder, `history.${generation}.jsonl`), 'utf8');
  const lines = text.split('\n');
  result.tornTail = lines.at(-1) !== '';
  if (readHeader(lines[0]) !== generation) {
    throw new Error(`history.${generation}.jsonl has no valid header: ${lines[0]}`);
  }
  const revs = new Map<string, number>();
  const deleted = new Map<string, number>();
  const logs = new Map<string, string[]>();
  const puts = new Map<string, HistoryEntry>();
  let previousUnreadable = false;
  for (const line of lines.slice(1, result.tornTail ? -1 : undefined)) {
    if (line === '') {
      continue;
    }
    if (line === '{"torn":1}') {
      const previous = result.unreadableLines.at(-1);
      if (previous !== undefined && previousUnreadable) {
        result.markedCutOffs.push(result.unreadableLines.pop() as string);
      }
      previousUnreadable = false;
      continue;
    }
    const record = readRecord(line);
    previousUnreadable = !record;
    if (!record) {
      result.unreadableLines.push(line);
      continue;
    }
    if (record.kind === 'put') {
      const { id, rev } = record.summary;
      if (rev > (revs.get(id) ?? 0) && rev > (deleted.get(id) ?? 0)) {
        revs.set(id, rev);
        puts.set(id, historyEntrySchema.parse(JSON.parse(record.entryJson)));
      }
    } else if (record.kind === 'del') {
      deleted.set(record.id, Math.max(record.rev, deleted.get(record.id) ?? 0));
      if ((revs.get(record.id) ?? 0) <= record.rev) {
        puts.delete(record.id);
        revs.delete(record.id);
      }
    } else {
      logs.set(record.id, [...(record.reset ? [] : logs.get(record.id) ?? []), ...record.lines].slice(-MAX_LOG_LINES));
    }
  }
  for (const [id, entry] of puts) {
    const entryLogs = logs.get(id);
    result.entries.set(id, entryLogs && entryLogs.length > 0 ? { ...entry, logs: entryLogs } : entry);
  }
  return result;
}
