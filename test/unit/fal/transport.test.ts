import * as assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { isRetryableError } from '@fal-ai/client';
import {
  ExchangeTimeoutError,
  guardedFetch,
  neverSent,
  operationOf,
  SubmitOutcomeUnknownError,
  SubmitRefusedError,
  UnexpectedRedirectError,
  UnreadableAnswerError,
  type Deadlines,
} from '../../../src/fal/transport';

/** Short limits, so every case ends quickly; generous enough for a loaded machine. */
const SHORT: Deadlines = { answerMs: 1500, idleMs: 1500, totalMs: { default: 4000, cancel: 4000 } };

/** What the fal client retries by default. */
const RETRYABLE_STATUSES = [408, 409, 429, 500, 502, 503, 504];

type Handler = (request: IncomingMessage, response: ServerResponse, body: string) => void;

describe('fal transport: deadlines, submits sent once, no redirects', function () {
  this.timeout(20_000);
  let server: Server;
  let origin: string;
  let handler: Handler;
  let received: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: string }>;
  const sockets = new Set<Socket>();

  before(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
      });
      request.on('end', () => {
        received.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
        handler(request, response, body);
      });
    });
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    sockets.forEach((socket) => socket.destroy());
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    received = [];
    handler = (_request, response) => response.end('{}');
  });
  afterEach(() => sockets.forEach((socket) => socket.destroy()));

  /** Requests to fal's hosts go to the local server, as the product's sandbox does. */
  const local: typeof fetch = (input, init) => {
    const url = new URL(String(input));
    return fetch(`${origin}${url.pathname}${url.search}`, init);
  };
  const guarded = guardedFetch(local, { deadlines: SHORT });
  const SUBMIT = 'https://queue.fal.run/fal-ai/fast-animatediff/turbo/text-to-video';
  const STATUS = 'https://queue.fal.run/fal-ai/fast-animatediff/requests/r-1/status';

  async function rejection(promise: Promise<unknown>): Promise<unknown> {
    return promise.then(() => assert.fail('expected a failure'), (error: unknown) => error);
  }

  it('reads what each exchange is for, also behind a proxy', () => {
    const none = new Headers();
    assert.equal(operationOf('POST', SUBMIT, none), 'submit');
    assert.equal(operationOf('GET', STATUS, none), 'status');
    assert.equal(operationOf('GET', `${STATUS}/stream`, none), 'stream');
    assert.equal(operationOf('GET', 'https://queue.fal.run/fal-ai/fast-animatediff/requests/r-1', none), 'result');
    assert.equal(operationOf('PUT', 'https://queue.fal.run/fal-ai/fast-animatediff/requests/r-1/cancel', none), 'cancel');
    assert.equal(operationOf('POST', 'https://rest.alpha.fal.ai/storage/upload/initiate?storage_type=fal-cdn-v3', none), 'upload');
    assert.equal(operationOf('PUT', 'https://v3.fal.media/upload/abc', none), 'uploadPut');
    assert.equal(operationOf('GET', 'https://api.fal.ai/v1/models/pricing?endpoint_id=x', none), 'pricing');
    assert.equal(operationOf('POST', 'https://team.example/api/fal/proxy', new Headers({ 'x-fal-target-url': SUBMIT })), 'submit');
  });

  it('a submit whose answer is lost after fal received it fails as "outcome unknown", which the client does not retry', async () => {
    handler = (request) => request.socket.destroy();
    const error = await rejection(guarded(SUBMIT, { method: 'POST', body: '{"prompt":"x"}' }));
    assert.ok(error instanceof SubmitOutcomeUnknownError, String(error));
    assert.equal(received.length, 1, 'fal received it');
    assert.equal(isRetryableError(error, RETRYABLE_STATUSES), false, 'the fal client must not send it again');
  });

  it('a submit answered with a server error is not sent again; a 429 is handed to the client to retry', async () => {
    handler = (_request, response) => response.writeHead(503, { 'content-type': 'application/json' }).end('{"detail":"busy"}');
    const refused = await rejection(guarded(SUBMIT, { method: 'POST', body: '{}' }));
    assert.ok(refused instanceof SubmitRefusedError, String(refused));
    assert.equal(isRetryableError(refused, RETRYABLE_STATUSES), false);
    assert.equal(refused.status, 503);
    assert.deepEqual(refused.body, { detail: 'busy' });

    handler = (_request, response) => response.writeHead(429, { 'content-type': 'application/json' }).end('{"detail":"slow down"}');
    const limited = await guarded(SUBMIT, { method: 'POST', body: '{}' });
    assert.equal(limited.status, 429);
    assert.deepEqual(await limited.json(), { detail: 'slow down' });
  });

  it('a submit that never left (connection refused) keeps its error, which the client may retry', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const refused = guardedFetch((input, init) => fetch(`http://127.0.0.1:${port}${new URL(String(input)).pathname}`, init), { deadlines: SHORT });
    const error = await rejection(refused(SUBMIT, { method: 'POST', body: '{}' }));
    assert.ok(!(error instanceof SubmitOutcomeUnknownError), String(error));
    assert.ok(neverSent(error), `a refused connection is known not to have reached fal: ${String(error)}`);
    assert.equal(isRetryableError(error, RETRYABLE_STATUSES), true);
  });

  it('no answer in time, a silence in the body, or a trickle past the deadline each end the exchange', async () => {
    handler = () => undefined;
    const unanswered = await rejection(guarded(STATUS));
    assert.ok(unanswered instanceof ExchangeTimeoutError && unanswered.limit === 'answer', String(unanswered));

    handler = (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      response.write('{"status":');
    };
    const silence = await rejection(guarded(STATUS));
    assert.ok(silence instanceof ExchangeTimeoutError && silence.limit === 'idle', String(silence));

    handler = (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      const drip = setInterval(() => response.write(' '), 200);
      response.on('close', () => clearInterval(drip));
    };
    const late = await rejection(guarded(STATUS));
    assert.ok(late instanceof ExchangeTimeoutError && late.limit === 'total', String(late));

    // The status stream is open-ended: not read whole here, but watched as it is read.
    handler = (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write(': ping\n\n');
    };
    const stream = await guarded(`${STATUS}/stream`);
    const streamLate = await rejection(stream.text());
    assert.ok(streamLate instanceof ExchangeTimeoutError && streamLate.limit === 'idle', String(streamLate));
  });

  it('a submit answered with something that names no request is "outcome unknown": fal may have queued it', async () => {
    for (const [contentType, body] of [
      ['application/json', '{"status":"IN_QUEUE","request_'],
      ['text/html', '<html><body>Welcome</body></html>'],
      ['application/json', '{"status":"IN_QUEUE"}'],
    ]) {
      handler = (_request, response) => response.writeHead(200, { 'content-type': contentType }).end(body);
      const error = await rejection(guarded(SUBMIT, { method: 'POST', body: '{}' }));
      assert.ok(error instanceof SubmitOutcomeUnknownError && error.how === 'unreadable', `${body}: ${String(error)}`);
      assert.equal(isRetryableError(error, RETRYABLE_STATUSES), false, 'the fal client must not send it again');
    }
  });

  it("fal's JSON under another label is handed on as JSON; a success that is not JSON is unreadable", async () => {
    handler = (_request, response) => response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('{"request_id":"r-1","status":"IN_QUEUE"}');
    const submitted = await guarded(SUBMIT, { method: 'POST', body: '{}' });
    assert.equal(submitted.headers.get('content-type'), 'application/json');
    assert.deepEqual(await submitted.json(), { request_id: 'r-1', status: 'IN_QUEUE' });

    handler = (_request, response) => response.writeHead(200, { 'content-type': 'text/plain' }).end('{"status":"COMPLETED"}');
    const status = await guarded(STATUS);
    assert.equal(status.headers.get('content-type'), 'application/json');
    assert.deepEqual(await status.json(), { status: 'COMPLETED' });

    handler = (_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"COMPL');
    const unreadable = await rejection(guarded(STATUS));
    assert.ok(unreadable instanceof UnreadableAnswerError, String(unreadable));
    assert.equal(unreadable.message, "fal's answer to the status check could not be read: it is not JSON (labelled application/json)");
    assert.equal(isRetryableError(unreadable, RETRYABLE_STATUSES), false);

    handler = (_request, response) => response.writeHead(502, { 'content-type': 'text/html' }).end('<html>Bad Gateway</html>');
    const gateway = await guarded(STATUS);
    assert.equal(gateway.status, 502);
    assert.equal(await gateway.text(), '<html>Bad Gateway</html>', "an error's page passes as it is: its status says what happened");

    handler = (_request, response) => response.writeHead(200, { 'content-type': 'application/xml' }).end('<PostResponse/>');
    const put = await guarded('https://v3.fal.media/files/upload/abc', { method: 'PUT', body: 'bytes' });
    assert.equal(await put.text(), '<PostResponse/>', "a file upload's answer need only be JSON when it says it is");
  });

  it('a submit with no answer in time is "outcome unknown", not a plain timeout', async () => {
    handler = () => undefined;
    const error = await rejection(guarded(SUBMIT, { method: 'POST', body: '{}' }));
    assert.ok(error instanceof SubmitOutcomeUnknownError, String(error));
    assert.match(error.reason, /did not answer the request within 1\.5 s/);
  });

  it('the caller\'s abort ends an exchange at once', async () => {
    handler = () => undefined;
    const controller = new AbortController();
    const pending = rejection(guarded(STATUS, { signal: controller.signal }));
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    const error = await pending;
    assert.ok(!(error instanceof ExchangeTimeoutError), 'aborted, not timed out');
  });

  it('a redirect is not followed, to another origin or to a file', async () => {
    handler = (_request, response) => response.writeHead(302, { location: 'file:///etc/passwd' }).end();
    const error = await rejection(guarded(STATUS));
    assert.ok(error instanceof UnexpectedRedirectError, String(error));
    assert.match(error.message, /a local file/);
    assert.ok(!error.message.includes('passwd'));
    assert.equal(received.length, 1);
  });

  it('the proxy\'s Basic credentials go to the proxy only', async () => {
    handler = (_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{"request_id":"r-1"}');
    const proxied = guardedFetch(fetch, { deadlines: SHORT, proxy: { origin, headers: { Authorization: 'Basic dXNlcjpwYXNz' } } });
    await (await proxied(`${origin}/api/fal/proxy`, { method: 'POST', body: '{}', headers: { 'x-fal-target-url': SUBMIT } })).text();
    assert.equal(received[0].headers.authorization, 'Basic dXNlcjpwYXNz');
    const elsewhere = guardedFetch(local, { deadlines: SHORT, proxy: { origin: 'https://proxy.example', headers: { Authorization: 'Basic dXNlcjpwYXNz' } } });
    await (await elsewhere(STATUS)).text();
    assert.equal(received[1].headers.authorization, undefined);
  });
});
