// Small HTTP helpers for the imitation: JSON answers, bounded body reading, files with Range.

import { createReadStream } from 'node:fs';
import { IncomingMessage, ServerResponse } from 'node:http';
import { finished, pipeline } from 'node:stream/promises';
import { ErrorAnswer } from './falErrors';

/** Every answer may be read by a webview or a browser page. */
export const CORS_HEADERS: Readonly<Record<string, string>> = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers': 'x-fal-request-id, x-fal-error-type, content-range, accept-ranges, content-length',
};

/** An answer as it goes on the wire: what a delivery fault cuts, slows down, relabels or mis-measures. */
export interface WireAnswer {
  status: number;
  /** Includes the Content-Length of the whole body (of the file, for a HEAD whose body is not sent). */
  headers: Record<string, string | number>;
  body: Buffer;
}

export function jsonWire(status: number, body: unknown, headers: Record<string, string> = {}): WireAnswer {
  const bytes = Buffer.from(JSON.stringify(body));
  return {
    status,
    headers: { ...CORS_HEADERS, ...headers, 'content-type': 'application/json', 'content-length': bytes.length },
    body: bytes,
  };
}

export function answerWire(answer: ErrorAnswer, extraHeaders: Record<string, string> = {}): WireAnswer {
  const headers = { ...extraHeaders, ...(answer.headers ?? {}) };
  if (answer.contentType && !answer.contentType.includes('json') && typeof answer.body === 'string') {
    const bytes = Buffer.from(answer.body);
    return {
      status: answer.status,
      headers: { ...CORS_HEADERS, ...headers, 'content-type': answer.contentType, 'content-length': bytes.length },
      body: bytes,
    };
  }
  return jsonWire(answer.status, answer.body ?? null, headers);
}

export function sendWire(res: ServerResponse, wire: WireAnswer): void {
  res.writeHead(wire.status, wire.headers);
  res.end(wire.body);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendWire(res, jsonWire(status, body, headers));
}

export class BodyTooLargeError extends Error {}

/** Reads a request body into memory, refusing more than `limit` bytes. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > limit) {
      throw new BodyTooLargeError(`Request body exceeds ${limit} bytes`);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** Reads and drops what is left of a request body, so an early answer does not race an upload still being sent. */
export async function discardBody(req: IncomingMessage): Promise<void> {
  if (req.readableEnded) {
    return;
  }
  req.resume();
  await finished(req).catch(() => undefined);
}

export type ParsedJson = { kind: 'none' } | { kind: 'json'; value: unknown } | { kind: 'invalid'; error: string };

export function parseJson(buffer: Buffer): ParsedJson {
  if (buffer.length === 0) {
    return { kind: 'none' };
  }
  try {
    return { kind: 'json', value: JSON.parse(buffer.toString('utf8')) as unknown };
  } catch (error) {
    return { kind: 'invalid', error: error instanceof Error ? error.message : String(error) };
  }
}

type ByteRange = { start: number; end: number } | 'unsatisfiable' | null;

/** Parses a single `bytes=` range (the only form media elements send). Null means "whole file". */
export function parseRange(header: string | undefined, size: number): ByteRange {
  if (!header) {
    return null;
  }
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) {
    return null;
  }
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) {
      return 'unsatisfiable';
    }
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size || end < start) {
    return 'unsatisfiable';
  }
  return { start, end };
}

export interface ServedFile {
  file: string;
  contentType: string;
  size: number;
}

interface FilePlan {
  status: number;
  headers: Record<string, string | number>;
  /** The bytes to send; null when no body is sent (HEAD, empty, 416). */
  span: { start: number; end: number } | null;
}

function planFile(req: IncomingMessage, file: ServedFile): FilePlan {
  const range = parseRange(req.headers.range, file.size);
  const common = {
    ...CORS_HEADERS,
    'content-type': file.contentType,
    'accept-ranges': 'bytes',
    'cache-control': 'no-cache',
  };
  if (range === 'unsatisfiable') {
    return { status: 416, headers: { ...common, 'content-range': `bytes */${file.size}`, 'content-length': 0 }, span: null };
  }
  const { start, end } = range ?? { start: 0, end: file.size - 1 };
  const length = file.size === 0 ? 0 : end - start + 1;
  return {
    status: range ? 206 : 200,
    headers: { ...common, 'content-length': length, ...(range ? { 'content-range': `bytes ${start}-${end}/${file.size}` } : {}) },
    span: req.method === 'HEAD' || length === 0 ? null : { start, end },
  };
}

/** Serves a file with Content-Type, Accept-Ranges and single-range (206) support. */
export async function serveFile(req: IncomingMessage, res: ServerResponse, file: ServedFile): Promise<void> {
  const { status, headers, span } = planFile(req, file);
  res.writeHead(status, headers);
  if (!span) {
    res.end();
    return;
  }
  await pipeline(createReadStream(file.file, span), res);
}

/** The same answer as `serveFile`, read into memory so a fault can shape it. */
export async function fileWire(req: IncomingMessage, file: ServedFile): Promise<WireAnswer> {
  const { status, headers, span } = planFile(req, file);
  const chunks: Buffer[] = [];
  if (span) {
    for await (const chunk of createReadStream(file.file, span)) {
      chunks.push(chunk as Buffer);
    }
  }
  return { status, headers, body: Buffer.concat(chunks) };
}
