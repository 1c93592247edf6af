import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { errorCode } from '../../files/durableFs';
import { HISTORY_INDEX_VERSION, historyEntrySchema, historyIndexSchema, type HistoryEntry } from './entry';

/*
 * The history index file (`index.json`): its text read into entries (what cannot be read is set aside, never
 * guessed) and entries written back as text. Pure but for fileStamp: unit-tested on Node.
 */

export type IndexRecoveryReason = 'unreadable' | 'foreign' | 'unsupportedVersion' | 'invalidEntries';

/** What happened to an index file that could not be used as it was. */
export interface IndexRecovery {
  reason: IndexRecoveryReason;
  /** Where the original file now is: moved there, or for `invalidEntries` copied there (the valid entries stay). */
  movedTo: string;
  /** A sentence for the user. */
  message: string;
  keptEntries: number;
  droppedEntries: number;
}

export interface IndexProblem {
  reason: IndexRecoveryReason;
  detail: string;
  dropped: number;
}

export interface ParsedIndex {
  /** Newest first, as in the file. */
  entries: HistoryEntry[];
  problem?: IndexProblem;
}

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) {
      deepFreeze(child);
    }
  }
  return value;
}

/** Reads an index file's text; never throws. */
export function parseIndexText(text: string): ParsedIndex {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { entries: [], problem: { reason: 'unreadable', detail: error instanceof Error ? error.message : String(error), dropped: 0 } };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { entries: [], problem: { reason: 'foreign', detail: 'it is not a JSON object', dropped: 0 } };
  }
  const record = json as Record<string, unknown>;
  if (typeof record.version === 'number' && record.version !== HISTORY_INDEX_VERSION && Array.isArray(record.entries)) {
    return {
      entries: [],
      problem: { reason: 'unsupportedVersion', detail: `it has version ${record.version}; this extension reads version ${HISTORY_INDEX_VERSION}`, dropped: record.entries.length },
    };
  }
  const index = historyIndexSchema.safeParse(json);
  if (!index.success) {
    return { entries: [], problem: { reason: 'foreign', detail: 'it is not an AnimateDiff history index', dropped: 0 } };
  }
  const entries: HistoryEntry[] = [];
  const seen = new Set<string>();
  let dropped = 0;
  for (const candidate of index.data.entries) {
    const entry = historyEntrySchema.safeParse(candidate);
    if (entry.success && !seen.has(entry.data.id)) {
      seen.add(entry.data.id);
      entries.push(deepFreeze(entry.data));
    } else {
      dropped += 1;
    }
  }
  return dropped > 0
    ? { entries, problem: { reason: 'invalidEntries', detail: `${dropped} of its entries were unreadable`, dropped } }
    : { entries };
}

/** Entries are immutable, so each is turned into JSON once, not on every write of the index. */
const serializedEntries = new WeakMap<HistoryEntry, string>();

export function serializeEntry(entry: HistoryEntry): string {
  let json = serializedEntries.get(entry);
  if (json === undefined) {
    json = JSON.stringify(entry);
    if (Object.isFrozen(entry)) {
      serializedEntries.set(entry, json);
    }
  }
  return json;
}

/** The index file's text: small, versioned, one entry per line. */
export function serializeIndex(newestFirst: readonly HistoryEntry[]): string {
  if (newestFirst.length === 0) {
    return `{"version":${HISTORY_INDEX_VERSION},"entries":[]}\n`;
  }
  return `{"version":${HISTORY_INDEX_VERSION},"entries":[\n${newestFirst.map(serializeEntry).join(',\n')}\n]}\n`;
}

/** Entries kept oldest-inserted first (a Map's order), returned newest first; equal times keep insertion order. */
export function newestFirst(entries: Map<string, HistoryEntry>): HistoryEntry[] {
  return [...entries.values()].reverse().sort((a, b) => b.createdAt - a.createdAt);
}

export function mapFromNewestFirst(entries: readonly HistoryEntry[]): Map<string, HistoryEntry> {
  return new Map([...entries].reverse().map((entry) => [entry.id, entry]));
}

/** Identifies one version of a file: a rename always brings a new inode, and times are in nanoseconds. */
export async function fileStamp(file: string): Promise<string | undefined> {
  try {
    const stat = await fsp.stat(file, { bigint: true });
    return `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}`;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') {
      return undefined;
    }
    throw error;
  }
}

export function recoveryMessage(problem: IndexProblem, movedTo: string, kept: number, writtenBack: boolean): string {
  const name = path.basename(movedTo);
  switch (problem.reason) {
    case 'invalidEntries':
      return `${problem.dropped} history ${problem.dropped === 1 ? 'entry was' : 'entries were'} unreadable and left out; `
        + `the other ${kept} are kept. The original index was copied to ${name}.`;
    case 'unsupportedVersion':
    case 'unreadable':
    case 'foreign': {
      const why = problem.reason === 'unreadable' ? `it was not valid JSON (${problem.detail})` : problem.detail;
      const after = writtenBack
        ? `The ${kept} ${kept === 1 ? 'entry' : 'entries'} this window knew were written back.`
        : 'The history starts empty.';
      return `The generation history index could not be read: ${why}. It was moved to ${name}. ${after}`;
    }
  }
}

