import * as path from 'node:path';
import * as z from 'zod/mini';
import { l10n } from '../../l10n/l10n';
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

/** Why an index could not be used as it was; put in words for the user by `recoveryMessage`. */
export type IndexProblem =
  | { reason: 'unreadable'; /** The JSON parser's own words. */ parseError: string; dropped: number }
  | { reason: 'foreign'; shape: 'notObject' | 'notIndex' | 'folder'; dropped: 0 }
  | { reason: 'unsupportedVersion'; version: number; dropped: number }
  | { reason: 'invalidEntries'; dropped: number };

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
    return { entries: [], problem: { reason: 'foreign', shape: 'notObject', dropped: 0 } };
  }
  const record = json as Record<string, unknown>;
  if (typeof record.version === 'number' && record.version !== HISTORY_INDEX_VERSION && Array.isArray(record.entries)) {
    return {
      entries: [],
      problem: { reason: 'unsupportedVersion', version: record.version, dropped: record.entries.length },
    };
  }
  const index = historyIndexSchema.safeParse(json);
  if (!index.success) {
    return { entries: [], problem: { reason: 'foreign', shape: 'notIndex', dropped: 0 } };
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
    ? { entries, problem: { reason: 'invalidEntries', dropped } }
    : { entries };
}

/**
 * The intact entries of an index that is not JSON as a whole (cut off by a crash or a full disk, damaged): it was
 * written one entry per line, so each line is read on its own. An index with no entry line is not salvaged.
 */
function salvage(text: string, parseError: string): ParsedIndex {
  if (!/^\s*\{"version":1,"entries":\[/.test(text)) {
    return { entries: [], problem: { reason: 'unreadable', parseError, dropped: 0 } };
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
    ? { entries, problem: { reason: 'invalidEntries', dropped: Math.max(dropped, 1) } }
    : { entries: [], problem: { reason: 'unreadable', parseError, dropped } };
}

/** `kept`: the index's entries moved into the history; `already`: the entries the history had before. */
export function recoveryMessage(problem: IndexProblem, movedTo: string, kept: number, already = 0): string {
  const name = path.basename(movedTo);
  if (problem.reason === 'invalidEntries') {
    return problem.dropped === 1
      ? l10n.t('1 history entry was unreadable and left out; the other {0} are kept. The original index was copied to {1}.', kept, name)
      : l10n.t('{0} history entries were unreadable and left out; the other {1} are kept. The original index was copied to {2}.', problem.dropped, kept, name);
  }
  const after = already === 0
    ? l10n.t('The history starts empty.')
    : already === 1
      ? l10n.t('The entry already in the history is kept.')
      : l10n.t('The {0} entries already in the history are kept.', already);
  return `${unreadableIndexMessage(problem, name)} ${after}`;
}

function unreadableIndexMessage(problem: Exclude<IndexProblem, { reason: 'invalidEntries' }>, name: string): string {
  switch (problem.reason) {
    case 'unreadable':
      return l10n.t('The generation history index could not be read: it was not valid JSON ({0}). It was moved to {1}.', problem.parseError, name);
    case 'unsupportedVersion':
      return l10n.t('The generation history index could not be read: it has version {0}; this extension reads version {1}. It was moved to {2}.', problem.version, HISTORY_INDEX_VERSION, name);
    case 'foreign':
      switch (problem.shape) {
        case 'notObject':
          return l10n.t('The generation history index could not be read: it is not a JSON object. It was moved to {0}.', name);
        case 'notIndex':
          return l10n.t('The generation history index could not be read: it is not an AnimateDiff history index. It was moved to {0}.', name);
        case 'folder':
          return l10n.t('The generation history index could not be read: it is a folder. It was moved to {0}.', name);
      }
  }
}
