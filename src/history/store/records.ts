import { randomBytes } from 'node:crypto';
import { isUnfinished, type HistoryEntry, type HistoryStatus } from './entry';

/*
 * The history's file, `history.<generation>.jsonl`: a header line, then one record per line, appended as the
 * history changes. A record is a whole entry (`put`, logs left out), a deletion (`del`), or log lines (`logs`).
 * Every put and del carries the entry's revision: of two puts for one entry the higher revision holds, so a
 * writer that lost its lock (it was too slow) can never replace what was written after it; a del is final (ids
 * are never reused). A put starts with a fixed prefix summarising the entry, so opening the history reads those
 * summaries and parses an entry only when it is asked for. Compaction writes the live records into the next generation's file.
 */

export const HISTORY_FILE_FORMAT = 'animatediff-history';
export const HISTORY_FILE_VERSION = 2;

/** What the store knows of an entry without parsing it. */
export interface EntrySummary {
  id: string;
  rev: number;
  createdAt: number;
  status: HistoryStatus;
  /** The local copy: its file (relative to the store) and size, or '' and 0. */
  videoFile: string;
  videoBytes: number;
  /** Done, but its local copy could not be kept (it is tried again). */
  missingCopy: boolean;
  ownerPid: number | undefined;
}

export type HistoryRecord =
  | { kind: 'put'; summary: EntrySummary; entryJson: string }
  | { kind: 'del'; id: string; rev: number; deletedAt: number }
  /** `reset`: the lines replace the entry's; otherwise they are added to them. */
  | { kind: 'logs'; id: string; lines: string[]; reset: boolean };

/** A new file's first line; `file` is random, so no two history files start alike (summaries.ts relies on it). */
export function headerLine(generation: number): string {
  return JSON.stringify({ format: HISTORY_FILE_FORMAT, version: HISTORY_FILE_VERSION, generation, file: randomBytes(8).toString('hex') });
}

/**
 * What a header line says: the generation of a history file of this version, `newer` for one a later version of
 * the extension wrote (not to be touched), or undefined when it is not a history file.
 */
export function readHeader(line: string): number | 'newer' | undefined {
  try {
    const header = JSON.parse(line) as { format?: unknown; version?: unknown; generation?: unknown };
    if (header.format !== HISTORY_FILE_FORMAT || typeof header.version !== 'number' || typeof header.generation !== 'number') {
      return undefined;
    }
    return header.version > HISTORY_FILE_VERSION ? 'newer' : header.version === HISTORY_FILE_VERSION ? header.generation : undefined;
  } catch {
    return undefined;
  }
}

export function summaryOf(entry: HistoryEntry, rev: number): EntrySummary {
  return {
    id: entry.id,
    rev,
    createdAt: entry.createdAt,
    status: entry.status,
    videoFile: entry.video?.file ?? '',
    videoBytes: entry.video?.bytes ?? 0,
    missingCopy: hasMissingCopy(entry),
    ownerPid: isUnfinished(entry) ? entry.ownerPid : undefined,
  };
}

/** Whether a finished video's local copy could not be kept and may still be downloaded. */
export function hasMissingCopy(entry: HistoryEntry): boolean {
  return entry.status === 'done' && entry.error?.kind === 'download' && entry.remoteVideoUrl !== undefined && !entry.video && !entry.videoPruned;
}

/** A put record's line; the entry's logs are kept apart, in `logs` records. */
export function putLine(entry: HistoryEntry, rev: number): string {
  const { logs: _logs, ...stored } = entry;
  return putLineOfJson(summaryOf(entry, rev), JSON.stringify(stored));
}

/** A put record's line for an entry already in its stored JSON form (compaction copies these as they are). */
export function putLineOfJson(summary: EntrySummary, entryJson: string): string {
  const s = summary;
  return `{"id":${JSON.stringify(s.id)},"rev":${s.rev},"at":${s.createdAt},"st":"${s.status}","vf":${JSON.stringify(s.videoFile)},`
    + `"vb":${s.videoBytes},"mc":${s.missingCopy ? 1 : 0},"own":${s.ownerPid ?? 0},"entry":${entryJson}}`;
}

export function delLine(id: string, rev: number, deletedAt: number): string {
  return JSON.stringify({ id, rev, del: deletedAt });
}

export function logsLine(id: string, lines: readonly string[], reset = false): string {
  return JSON.stringify({ id, logs: lines, ...(reset ? { reset: 1 } : {}) });
}

const PUT_PREFIX = /^\{"id":("(?:[^"\\]|\\.)*"),"rev":(\d+),"at":(\d+),"st":"(submitting|queued|running|done|failed|cancelled)","vf":("(?:[^"\\]|\\.)*"),"vb":(\d+),"mc":([01]),"own":(\d+),"entry":/;

/**
 * Reads one line. A put is read from its prefix alone (its entry stays text until asked for); the small records are
 * parsed whole. Undefined: not a record (a line cut off by a crash, or damaged).
 */
export function readRecord(line: string): HistoryRecord | undefined {
  const put = PUT_PREFIX.exec(line);
  if (put) {
    if (!line.endsWith('}}')) {
      return undefined;
    }
    try {
      return {
        kind: 'put',
        summary: {
          id: JSON.parse(put[1]) as string,
          rev: Number(put[2]),
          createdAt: Number(put[3]),
          status: put[4] as HistoryStatus,
          videoFile: JSON.parse(put[5]) as string,
          videoBytes: Number(put[6]),
          missingCopy: put[7] === '1',
          ownerPid: Number(put[8]) || undefined,
        },
        entryJson: line.slice(put[0].length, -1),
      };
    } catch {
      return undefined;
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) {
    return undefined;
  }
  const { id, rev, del, logs, reset } = value as { id?: unknown; rev?: unknown; del?: unknown; logs?: unknown; reset?: unknown };
  if (typeof id !== 'string') {
    return undefined;
  }
  if (typeof rev === 'number' && typeof del === 'number') {
    return { kind: 'del', id, rev, deletedAt: del };
  }
  if (Array.isArray(logs) && logs.every((item) => typeof item === 'string')) {
    return { kind: 'logs', id, lines: logs as string[], reset: reset === 1 };
  }
  return undefined;
}
