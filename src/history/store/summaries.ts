import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { partialFileFor } from '../../files/atomicFile';
import { renameReplacing } from '../../files/durableFs';
import type { HistoryStatus } from './entry';
import type { EntrySummary } from './records';

/*
 * What opening the history reads instead of the whole history file: `history-summaries.<generation>.json`, the
 * store's state as the file's records up to an offset make it (each entry's summary, where its latest put is and
 * its log lines; the deletions; the live bytes). Opening reads it, checks that the history file still starts with
 * the same header and has the same bytes just before that offset, then reads only what was appended after.
 *
 * It is a cache, never the only copy: the history file alone can always be read in full. So it is written without
 * fsync (replaced by rename), carries a checksum, and anything that does not match is ignored. Older versions of
 * the extension ignore it; one that compacts the history starts a new generation, which this file does not match.
 */

export const SUMMARIES_FORMAT = 'animatediff-history-summaries';
export const SUMMARIES_VERSION = 1;
/** How many bytes before the covered offset the summaries quote, to know the history file is the one they were made of. */
export const SUMMARIES_QUOTED_BYTES = 64;

const SUMMARIES_FILE = /^history-summaries\.(\d+)\.json$/;

export function summariesFileName(generation: number): string {
  return `history-summaries.${generation}.json`;
}

/** The generation a summaries file is of, or undefined for any other file. */
export function summariesGeneration(name: string): number | undefined {
  const match = SUMMARIES_FILE.exec(name);
  return match ? Number(match[1]) : undefined;
}

export interface SummarisedSlot {
  summary: EntrySummary;
  /** Its latest put record in the history file. */
  offset: number;
  length: number;
  logs: string[];
}

export interface HistorySummaries {
  generation: number;
  /** The history file's first line, as it was when these were made. */
  header: string;
  /** The bytes of the history file they cover (a line boundary). */
  offset: number;
  /** The last SUMMARIES_QUOTED_BYTES bytes before `offset` (base64). */
  before: string;
  liveBytes: number;
  slots: SummarisedSlot[];
  tombstones: Array<{ id: string; rev: number; deletedAt: number }>;
}

type SlotRow = [id: string, rev: number, createdAt: number, status: HistoryStatus, videoFile: string, videoBytes: number, missingCopy: 0 | 1, ownerPid: number, offset: number, length: number, logs: string[]];
type TombstoneRow = [id: string, rev: number, deletedAt: number];

interface SummariesJson {
  format: string;
  version: number;
  generation: number;
  header: string;
  offset: number;
  before: string;
  liveBytes: number;
  slots: SlotRow[];
  tombstones: TombstoneRow[];
}

const STATUSES: ReadonlySet<unknown> = new Set<HistoryStatus>(['submitting', 'queued', 'running', 'done', 'failed', 'cancelled']);

function checksum(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

/** The file's text: the checksum of the second line, then the summaries as one line of JSON (rows, not objects: it is read at every start). */
export function encodeSummaries(summaries: HistorySummaries): string {
  const json: SummariesJson = {
    format: SUMMARIES_FORMAT,
    version: SUMMARIES_VERSION,
    generation: summaries.generation,
    header: summaries.header,
    offset: summaries.offset,
    before: summaries.before,
    liveBytes: summaries.liveBytes,
    slots: summaries.slots.map(({ summary: s, offset, length, logs }) => [s.id, s.rev, s.createdAt, s.status, s.videoFile, s.videoBytes, s.missingCopy ? 1 : 0, s.ownerPid ?? 0, offset, length, logs]),
    tombstones: summaries.tombstones.map(({ id, rev, deletedAt }) => [id, rev, deletedAt]),
  };
  const body = JSON.stringify(json);
  return `${checksum(body)}\n${body}\n`;
}

function isNumber(value: unknown): value is number {
  return typeof value === 'number' && value >= 0;
}

function isLogs(value: unknown): value is string[] {
  if (!Array.isArray(value)) {
    return false;
  }
  for (const line of value) {
    if (typeof line !== 'string') {
      return false;
    }
  }
  return true;
}

function readSlot(row: unknown): SummarisedSlot | undefined {
  if (!Array.isArray(row) || row.length !== 11) {
    return undefined;
  }
  const [id, rev, createdAt, status, videoFile, videoBytes, missingCopy, ownerPid, offset, length, logs] = row as unknown[];
  if (typeof id !== 'string' || !isNumber(rev) || !isNumber(createdAt) || !STATUSES.has(status) || typeof videoFile !== 'string' || !isNumber(videoBytes)
    || (missingCopy !== 0 && missingCopy !== 1) || !isNumber(ownerPid) || !isNumber(offset) || !isNumber(length) || !isLogs(logs)) {
    return undefined;
  }
  return {
    summary: { id, rev, createdAt, status: status as HistoryStatus, videoFile, videoBytes, missingCopy: missingCopy === 1, ownerPid: ownerPid || undefined },
    offset,
    length,
    logs,
  };
}

/** The summaries in `text` if it is an intact summaries file of `generation`; undefined for anything else. */
export function decodeSummaries(text: string, generation: number): HistorySummaries | undefined {
  const firstLineEnd = text.indexOf('\n');
  const body = text.slice(firstLineEnd + 1, text.endsWith('\n') ? -1 : undefined);
  if (firstLineEnd < 0 || text.slice(0, firstLineEnd) !== checksum(body)) {
    return undefined;
  }
  let json: Partial<SummariesJson>;
  try {
    json = JSON.parse(body) as Partial<SummariesJson>;
  } catch {
    return undefined;
  }
  if (json.format !== SUMMARIES_FORMAT || json.version !== SUMMARIES_VERSION || json.generation !== generation || typeof json.header !== 'string'
    || !isNumber(json.offset) || typeof json.before !== 'string' || !isNumber(json.liveBytes) || !Array.isArray(json.slots) || !Array.isArray(json.tombstones)) {
    return undefined;
  }
  const slots: SummarisedSlot[] = [];
  for (const row of json.slots) {
    const slot = readSlot(row);
    if (!slot) {
      return undefined;
    }
    slots.push(slot);
  }
  const tombstones: HistorySummaries['tombstones'] = [];
  for (const row of json.tombstones as unknown[]) {
    if (!Array.isArray(row) || row.length !== 3 || typeof row[0] !== 'string' || !isNumber(row[1]) || !isNumber(row[2])) {
      return undefined;
    }
    tombstones.push({ id: row[0], rev: row[1], deletedAt: row[2] });
  }
  return { generation, header: json.header, offset: json.offset, before: json.before, liveBytes: json.liveBytes, slots, tombstones };
}

/** `length` bytes of the file at `position`, or throws when it has fewer. */
async function readAt(handle: fsp.FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let read = 0;
  while (read < length) {
    const { bytesRead } = await handle.read(buffer, read, length - read, position + read);
    if (bytesRead === 0) {
      throw new Error('The history file is shorter than expected.');
    }
    read += bytesRead;
  }
  return buffer;
}

/**
 * The summaries in `folder` of the history file `file` (generation `generation`), if they match it, with what was
 * appended to the file after them and their own size in bytes. Undefined when there are none, they do not match,
 * or anything cannot be read: then the file is read whole.
 */
export async function readSummaries(folder: string, file: string, generation: number): Promise<{ summaries: HistorySummaries; appended: Buffer; bytes: number } | undefined> {
  let text: string;
  try {
    text = await fsp.readFile(path.join(folder, summariesFileName(generation)), 'utf8');
  } catch {
    return undefined;
  }
  const summaries = decodeSummaries(text, generation);
  if (!summaries) {
    return undefined;
  }
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const { size } = await handle.stat();
    const headerBytes = Buffer.byteLength(summaries.header) + 1;
    const quoted = Buffer.from(summaries.before, 'base64');
    if (size < summaries.offset || summaries.offset < headerBytes || quoted.length > summaries.offset) {
      return undefined;
    }
    const head = await readAt(handle, 0, headerBytes);
    const before = await readAt(handle, summaries.offset - quoted.length, quoted.length);
    if (head.toString('utf8') !== `${summaries.header}\n` || !before.equals(quoted)) {
      return undefined;
    }
    const appended = await readAt(handle, summaries.offset, size - summaries.offset);
    return { summaries, appended, bytes: Buffer.byteLength(text) };
  } catch {
    return undefined;
  } finally {
    await handle.close();
  }
}

/**
 * Writes the summaries of the history file `file` into `folder`, quoting the bytes before their offset; returns
 * their size in bytes. A partial file like any other (one a killed process left is removed at the next start), and
 * not flushed: a cache.
 */
export async function writeSummaries(folder: string, file: string, summaries: Omit<HistorySummaries, 'before'>): Promise<number> {
  const handle = await fsp.open(file, 'r');
  let before: Buffer;
  try {
    const quoted = Math.min(SUMMARIES_QUOTED_BYTES, summaries.offset);
    before = await readAt(handle, summaries.offset - quoted, quoted);
  } finally {
    await handle.close();
  }
  const text = encodeSummaries({ ...summaries, before: before.toString('base64') });
  const target = path.join(folder, summariesFileName(summaries.generation));
  const partial = partialFileFor(target);
  try {
    await fsp.writeFile(partial, text, { flag: 'wx' });
    await renameReplacing(partial, target);
  } finally {
    await fsp.rm(partial, { force: true }).catch(() => undefined);
  }
  return Buffer.byteLength(text);
}
