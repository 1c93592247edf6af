import * as path from 'node:path';
import * as z from 'zod/mini';
import { deepFreeze, historyEntrySchema, type HistoryEntry } from './entry';

/*
 * The first version's history index (`index.json`): one file holding every entry, rewritten whole on each change.
 * The store reads it once, to move its entries into the history file (records.ts), and sets it aside. Intact entries
 * of a damaged index (cut off, a stray byte-order mark) are salvaged; what cannot be read is left out, never guessed.
 */

/** The first version's format; an index with any other version is moved aside rather than misread. */
export const HISTORY_INDEX_VERSION = 1;

const historyIndexSchema = z.object({
  version: z.literal(HISTORY_INDEX_VERSION),
  entries: z.array(z.unknown()),
});

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

/** Reads an index file's text; never throws. */
export function parseIndexText(raw: string): ParsedIndex {
  // A byte-order mark (an editor's) is not JSON, but the rest may well be.
  const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return salvage(text, error instanceof Error ? error.message : String(error));
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

/**
 * The intact entries of an index that is not JSON as a whole (cut off by a crash or a full disk, damaged): it was
 * written one entry per line, so each line is read on its own. An index with no entry line is not salvaged.
 */
function salvage(text: string, detail: string): ParsedIndex {
  if (!/^\s*\{"version":1,"entries":\[/.test(text)) {
    return { entries: [], problem: { reason: 'unreadable', detail, dropped: 0 } };
  }
  const entries: HistoryEntry[] = [];
  const seen = new Set<string>();
  let dropped = 0;
  for (const line of text.split('\n').slice(1)) {
    const candidate = line.trim().replace(/,$/, '');
    if (!candidate.startsWith('{')) {
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(candidate);
    } catch {
      dropped += 1;
      continue;
    }
    const entry = historyEntrySchema.safeParse(value);
    if (entry.success && !seen.has(entry.data.id)) {
      seen.add(entry.data.id);
      entries.push(deepFreeze(entry.data));
    } else {
      dropped += 1;
    }
  }
  return entries.length > 0
    ? { entries, problem: { reason: 'invalidEntries', detail: `it was cut off or damaged (${detail})`, dropped: Math.max(dropped, 1) } }
    : { entries: [], problem: { reason: 'unreadable', detail, dropped } };
}

/** `kept`: the index's entries moved into the history; `already`: the entries the history had before. */
export function recoveryMessage(problem: IndexProblem, movedTo: string, kept: number, already = 0): string {
  const name = path.basename(movedTo);
  switch (problem.reason) {
    case 'invalidEntries':
      return `${problem.dropped} history ${problem.dropped === 1 ? 'entry was' : 'entries were'} unreadable and left out; `
        + `the other ${kept} are kept. The original index was copied to ${name}.`;
    case 'unsupportedVersion':
    case 'unreadable':
    case 'foreign': {
      const why = problem.reason === 'unreadable' ? `it was not valid JSON (${problem.detail})` : problem.detail;
      const after = already === 0 ? 'The history starts empty.' : `The ${already} ${already === 1 ? 'entry' : 'entries'} already in the history are kept.`;
      return `The generation history index could not be read: ${why}. It was moved to ${name}. ${after}`;
    }
  }
}

