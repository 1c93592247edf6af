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
/** 2: columns instead of rows, log lines after the JSON (version 1's files are ignored, then replaced). */
export const SUMMARIES_VERSION = 2;
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

/** An entry's log lines as a summaries file holds them: `text.slice(start, end)` is their JSON, parsed on first use. */
export interface PackedLogLines {
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

/** Log lines, or where they are in the summaries read at start (most entries' lines are never looked at). */
export type LogLines = string[] | PackedLogLines;

/** The lines themselves; none when packed lines do not parse as lines (the checksum makes that a damaged disk). */
export function unpackLogLines(logs: LogLines): string[] {
  if (Array.isArray(logs)) {
    return logs;
  }
  let value: unknown;
  try {
    value = JSON.parse(logs.text.slice(logs.start, logs.end));
  } catch {
    return [];
  }
  return Array.isArray(value) && value.every((line) => typeof line === 'string') ? value as string[] : [];
}

function logLinesJson(logs: LogLines): string {
  if (Array.isArray(logs)) {
    return logs.length > 0 ? JSON.stringify(logs) : '';
  }
  return logs.text.slice(logs.start, logs.end);
}

export interface SummarisedSlot {
  summary: EntrySummary;
  /** Its latest put record in the history file. */
  location: { offset: number; length: number };
  logs: LogLines;
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

/** Per slot, in `numbers`: */
const REV = 0, CREATED_AT = 1, VIDEO_BYTES = 2, MISSING_COPY = 3, OWNER_PID = 4, OFFSET = 5, LENGTH = 6, LOGS_START = 7, LOGS_END = 8;
const NUMBERS_PER_SLOT = 9;
/** Ids are UUIDs; summaries are not written for a history with an id that has this. */
const ID_SEPARATOR = ' ';
/** Per slot, one character of `statuses`. */
const STATUS_CODES: readonly HistoryStatus[] = ['submitting', 'queued', 'running', 'done', 'failed', 'cancelled'];
const STATUS_LETTERS = 'sqrdfc';

/**
 * The second line of the file. Columns, not an object per entry: it is parsed at every start, and one array of
 * 90,000 numbers parses several times faster than 10,000 small arrays.
 */
interface SummariesJson {
  format: string;
  version: number;
  generation: number;
  header: string;
  offset: number;
  before: string;
  liveBytes: number;
  /** Joined by ID_SEPARATOR: one string splits faster than an array of them parses. */
  ids: string;
  statuses: string;
  videoFiles: string[];
  /** NUMBERS_PER_SLOT per slot; the logs' positions are in the text after the second line. */
  numbers: number[];
  /** id, rev, deletedAt of each. */
  tombstones: Array<[string, number, number]>;
}

function checksum(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

/**
 * The file's text: the checksum of what follows the first line; the summaries as one line of JSON; then every
 * entry's log lines as JSON, one after the other, which the start does not parse. Undefined when an id has the
 * separator (ids are UUIDs).
 */
export function encodeSummaries(summaries: HistorySummaries): string | undefined {
  if (summaries.slots.some((slot) => slot.summary.id.includes(ID_SEPARATOR) || slot.summary.id === '')) {
    return undefined;
  }
  const logs: string[] = [];
  let logsLength = 0;
  const numbers: number[] = [];
  let statuses = '';
  for (const { summary: s, location, logs: lines } of summaries.slots) {
    const json = logLinesJson(lines);
    logs.push(json);
    numbers.push(s.rev, s.createdAt, s.videoBytes, s.missingCopy ? 1 : 0, s.ownerPid ?? 0, location.offset, location.length, logsLength, logsLength + json.length);
    logsLength += json.length;
    statuses += STATUS_LETTERS[STATUS_CODES.indexOf(s.status)];
  }
  const json: SummariesJson = {
    format: SUMMARIES_FORMAT,
    version: SUMMARIES_VERSION,
    generation: summaries.generation,
    header: summaries.header,
    offset: summaries.offset,
    before: summaries.before,
    liveBytes: summaries.liveBytes,
    ids: summaries.slots.map((slot) => slot.summary.id).join(ID_SEPARATOR),
    statuses,
    videoFiles: summaries.slots.map((slot) => slot.summary.videoFile),
    numbers,
    tombstones: summaries.tombstones.map(({ id, rev, deletedAt }) => [id, rev, deletedAt]),
  };
  const body = `${JSON.stringify(json)}\n${logs.join('')}`;
  return `${checksum(body)}\n${body}\n`;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && value >= 0;
}

function isString(value: unknown): value is string {
  return typeof value === 'string';
}

/** Whether `value` is an array of `length` items that each pass `isItem` (a loop: the summaries have 90,000 numbers). */
function isArrayOf<T>(value: unknown, length: number, isItem: (item: unknown) => item is T): value is T[] {
  if (!Array.isArray(value) || value.length !== length) {
    return false;
  }
  for (const item of value) {
    if (!isItem(item)) {
      return false;
    }
  }
  return true;
}

/** The summaries in `text` if it is an intact summaries file of `generation`; undefined for anything else. */
export function decodeSummaries(text: string, generation: number): HistorySummaries | undefined {
  const firstLineEnd = text.indexOf('\n');
  const secondLineEnd = text.indexOf('\n', firstLineEnd + 1);
  if (firstLineEnd < 0 || secondLineEnd < 0 || !text.endsWith('\n') || text.slice(0, firstLineEnd) !== checksum(text.slice(firstLineEnd + 1, -1))) {
    return undefined;
  }
  let json: Partial<SummariesJson>;
  try {
    json = JSON.parse(text.slice(firstLineEnd + 1, secondLineEnd)) as Partial<SummariesJson>;
  } catch {
    return undefined;
  }
  if (json.format !== SUMMARIES_FORMAT || json.version !== SUMMARIES_VERSION || json.generation !== generation || typeof json.header !== 'string'
    || !isCount(json.offset) || typeof json.before !== 'string' || !isCount(json.liveBytes) || typeof json.ids !== 'string' || !Array.isArray(json.tombstones)) {
    return undefined;
  }
  const { statuses, videoFiles, numbers } = json;
  const ids = json.ids === '' ? [] : json.ids.split(ID_SEPARATOR);
  const count = ids.length;
  if (typeof statuses !== 'string' || statuses.length !== count || !isArrayOf(videoFiles, count, isString) || !isArrayOf(numbers, count * NUMBERS_PER_SLOT, isCount)) {
    return undefined;
  }
  const logsStart = secondLineEnd + 1;
  const logsLength = text.length - 1 - logsStart;
  const slots: SummarisedSlot[] = new Array<SummarisedSlot>(count);
  for (let i = 0; i < count; i++) {
    const n = i * NUMBERS_PER_SLOT;
    const status = STATUS_CODES[STATUS_LETTERS.indexOf(statuses[i])];
    const missingCopy = numbers[n + MISSING_COPY];
    const start = numbers[n + LOGS_START];
    const end = numbers[n + LOGS_END];
    if (status === undefined || missingCopy > 1 || start > end || end > logsLength) {
      return undefined;
    }
    slots[i] = {
      summary: {
        id: ids[i],
        rev: numbers[n + REV],
        createdAt: numbers[n + CREATED_AT],
        status,
        videoFile: videoFiles[i],
        videoBytes: numbers[n + VIDEO_BYTES],
        missingCopy: missingCopy === 1,
        ownerPid: numbers[n + OWNER_PID] || undefined,
      },
      location: { offset: numbers[n + OFFSET], length: numbers[n + LENGTH] },
      logs: start === end ? [] : { text, start: logsStart + start, end: logsStart + end },
    };
  }
  const tombstones: HistorySummaries['tombstones'] = [];
  for (const row of json.tombstones as unknown[]) {
    if (!Array.isArray(row) || row.length !== 3 || typeof row[0] !== 'string' || !isCount(row[1]) || !isCount(row[2])) {
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
 * their size in bytes, or undefined when they cannot be written (an id that is not a UUID). A partial file like any other (one a killed process left is removed at the next start), and
 * not flushed: a cache.
 */
export async function writeSummaries(folder: string, file: string, summaries: Omit<HistorySummaries, 'before'>): Promise<number | undefined> {
  const handle = await fsp.open(file, 'r');
  let before: Buffer;
  try {
    const quoted = Math.min(SUMMARIES_QUOTED_BYTES, summaries.offset);
    before = await readAt(handle, summaries.offset - quoted, quoted);
  } finally {
    await handle.close();
  }
  const text = encodeSummaries({ ...summaries, before: before.toString('base64') });
  if (text === undefined) {
    return undefined;
  }
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
