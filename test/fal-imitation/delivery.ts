// How faults put an answer on the wire: the normal answer cut short, slowed down, relabelled or
// mis-measured (delivery faults), and the answers of the `redirect` and `echoKey` faults.

import { IncomingMessage, ServerResponse, STATUS_CODES } from 'node:http';
import { Socket } from 'node:net';
import { ErrorAnswer } from './falErrors';
import { WireAnswer } from './http';
import { EchoShape } from './types';

/** What a `hugeContentLength` answer promises: far more than any client should try to hold. */
export const HUGE_CONTENT_LENGTH = 1_000_000_000_000;
export const TRICKLE_DEFAULTS = { bytesPerChunk: 1, intervalMs: 200 } as const;
export const WRONG_CONTENT_TYPE_DEFAULT = 'text/html; charset=utf-8';

/**
 * Sends the status, the headers (with the Content-Length of the whole body) and the first
 * `afterBytes` of the body, default half, then nothing. At least the last byte is withheld, so a
 * client can never see the body complete.
 */
export function sendStalled(res: ServerResponse, wire: WireAnswer, afterBytes: number | undefined): void {
  const cut = Math.min(afterBytes ?? Math.floor(wire.body.length / 2), Math.max(0, wire.body.length - 1));
  res.writeHead(wire.status, wire.headers);
  if (cut > 0) {
    res.write(wire.body.subarray(0, cut));
  } else {
    res.flushHeaders();
  }
}

/** Sends the headers and first chunk at once, then one chunk of the body every `intervalMs` until it is all sent. */
export function sendTrickled(res: ServerResponse, wire: WireAnswer, bytesPerChunk: number, intervalMs: number): void {
  res.writeHead(wire.status, wire.headers);
  let offset = 0;
  const sendNext = (): void => {
    const chunk = wire.body.subarray(offset, offset + bytesPerChunk);
    offset += chunk.length;
    if (offset >= wire.body.length) {
      clearInterval(timer);
      res.end(chunk);
    } else {
      res.write(chunk);
    }
  };
  const timer = setInterval(sendNext, intervalMs);
  res.on('close', () => clearInterval(timer));
  sendNext();
}

/** The same status, labelled JSON, with a truncated body that does not parse. */
export function malformedJson(wire: WireAnswer): WireAnswer {
  const text = wire.body.toString('utf8');
  let body = text.slice(0, Math.max(1, Math.floor(text.length / 2)));
  if (isJson(body)) {
    body = '{"detail":';
  }
  const bytes = Buffer.from(body);
  return { ...wire, headers: { ...wire.headers, 'content-type': 'application/json', 'content-length': bytes.length }, body: bytes };
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

export function relabelled(wire: WireAnswer, contentType: string): WireAnswer {
  return { ...wire, headers: { ...wire.headers, 'content-type': contentType } };
}

/**
 * Writes the answer straight on the socket under a Content-Length of 10^12 (Node's server would
 * refuse a body shorter than its length), then closes the connection.
 */
export function sendWithHugeLength(socket: Socket, wire: WireAnswer): void {
  const headers = { ...wire.headers, 'content-length': HUGE_CONTENT_LENGTH, connection: 'close' };
  const head = [
    `HTTP/1.1 ${wire.status} ${STATUS_CODES[wire.status] ?? ''}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    '',
    '',
  ].join('\r\n');
  socket.write(Buffer.concat([Buffer.from(head, 'latin1'), wire.body]));
  // Closed for good once written, so the socket cannot outlive a reset waiting for the client's side to close.
  socket.destroySoon();
}

export function redirectAnswer(location: string): ErrorAnswer {
  return { status: 302, body: '', contentType: 'text/plain; charset=utf-8', headers: { location } };
}

/**
 * Every credential a request carried: its Authorization header, the one the proxy forwarded in its
 * place, Proxy-Authorization, the user:password of any Basic credentials, and the proxy's target URL.
 */
export function credentialsOf(req: IncomingMessage, forwardedAuthorization: string | undefined): string[] {
  const header = (name: string): string | undefined => {
    const value = req.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const sent = [header('authorization'), forwardedAuthorization, header('proxy-authorization')]
    .filter((value): value is string => value !== undefined && value !== '');
  const basic = sent
    .map((value) => /^Basic\s+(\S+)$/i.exec(value.trim())?.[1])
    .filter((encoded): encoded is string => encoded !== undefined)
    .map((encoded) => Buffer.from(encoded, 'base64').toString('utf8'));
  const target = header('x-fal-target-url');
  return [...new Set([...sent, ...basic, ...(target ? [target] : [])])];
}

/** An error answer that quotes `credentials` back verbatim (even in HTML), as a careless server or gateway might. */
export function echoKeyAnswer(credentials: readonly string[], status: number, shape: EchoShape): ErrorAnswer {
  const echo = credentials.length > 0 ? credentials.join(' ') : '(no credentials)';
  const reason = STATUS_CODES[status] ?? `HTTP ${status}`;
  switch (shape) {
    case 'detailString':
      return { status, body: { detail: `Invalid credentials: ${echo}` } };
    case 'detailList':
      return {
        status,
        body: {
          detail: [{
            loc: ['body', 'prompt'], msg: `Value error, request signed with ${echo} was refused`, type: 'value_error',
            input: `credentials: ${echo}`,
          }],
        },
      };
    case 'text':
      return { status, body: `${status} ${reason}: credentials ${echo} were not accepted\n`, contentType: 'text/plain; charset=utf-8' };
    case 'html':
      return {
        status,
        body: `<html><head><title>${status} ${reason}</title></head><body><h1>${status} ${reason}</h1>` +
          `<p>Credentials: ${echo}</p></body></html>`,
        contentType: 'text/html; charset=utf-8',
      };
  }
}
