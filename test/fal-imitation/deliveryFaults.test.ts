import assert from 'node:assert/strict';
import { HUGE_CONTENT_LENGTH } from './delivery';
import { FalImitation, startFalImitation } from './server';
import {
  fileOf, fixtureVideo, POLL_MS, rawFal, rejectionOf, sandboxClient, startTestImitation, TEST_TIMING, TURBO_T2V, until,
  WireReader,
} from './testSupport';

const resultPath = (requestId: string): string => `/fal-ai/fast-animatediff/requests/${requestId}`;

describe('fal imitation: delivery faults (the request is processed, its answer goes wrong on the wire)', () => {
  let imitation: FalImitation;

  before(async () => {
    imitation = await startTestImitation();
  });
  afterEach(() => imitation.reset());
  after(() => imitation.close());

  /** A finished job, and the text of its normal result answer. */
  async function finishedJob(prompt: string): Promise<{ requestId: string; videoUrl: string; resultText: string }> {
    const { requestId } = await sandboxClient(imitation).subscribe(TURBO_T2V, { input: { prompt }, pollInterval: POLL_MS });
    const resultText = await (await rawFal(imitation, 'queue.fal.run', resultPath(requestId))).text();
    return { requestId, videoUrl: imitation.job(requestId)?.videoUrl ?? '', resultText };
  }

  describe('resetAfterRequest', () => {
    it('at submit: the job is created and runs, and the client\'s retry starts a second, billed job', async () => {
      imitation.addFault({ at: 'submit', kind: 'resetAfterRequest' });
      // The client retries a submit that failed at the network level (after about a second).
      const result = await sandboxClient(imitation).subscribe(TURBO_T2V, { input: { prompt: 'answer lost' }, pollInterval: POLL_MS });

      const submits = imitation.requests().filter((r) => r.stage === 'submit');
      assert.deepEqual(submits.map((r) => [r.fault, r.responseStatus]), [['resetAfterRequest', null], [null, 200]]);
      const [lostId, retriedId] = submits.map((r) => r.requestId);
      assert.equal(retriedId, result.requestId);
      assert.ok(lostId && lostId !== retriedId, 'the lost answer\'s submit created a job of its own');
      const lost = await imitation.waitForJob({ requestId: lostId, status: 'COMPLETED' });
      assert.equal(lost.outcome, 'succeeded', 'fal ran the job whose answer never arrived');
      assert.equal(imitation.jobs().length, 2);
    });

    it('at cancel: the job is cancelled though the client sees a network failure', async () => {
      imitation.configure({ timing: { queuePositions: 2, queueMs: 60_000 } });
      const client = sandboxClient(imitation);
      const { request_id: requestId } = await client.queue.submit(TURBO_T2V, { input: { prompt: 'cancel, unanswered' } });
      imitation.addFault({ at: 'cancel', kind: 'resetAfterRequest', match: { requestId } });
      assert.ok(await rejectionOf(client.queue.cancel(TURBO_T2V, { requestId })) instanceof TypeError);
      const job = imitation.job(requestId);
      assert.deepEqual([job?.cancelRequested, job?.outcome], [true, 'cancelled']);
      assert.deepEqual(imitation.requests().map((r) => [r.stage, r.fault, r.responseStatus]).at(-1), ['cancel', 'resetAfterRequest', null]);
    });

    it('at uploadPut: the bytes are stored though the upload fails', async () => {
      imitation.addFault({ at: 'uploadPut', kind: 'resetAfterRequest' });
      const error = await rejectionOf(sandboxClient(imitation).storage.upload(fileOf('kept anyway', 'kept.txt', 'text/plain')));
      assert.ok(error instanceof TypeError);
      assert.deepEqual(imitation.uploads().map((u) => [u.fileName, u.size]), [['kept.txt', 11]]);
      assert.deepEqual(imitation.requests().map((r) => [r.stage, r.fault]), [['upload-initiate', null], ['upload-put', 'resetAfterRequest']]);
    });
  });

  describe('stallMidBody', () => {
    it('sends the headers with the whole Content-Length and half the body, then nothing until reset', async () => {
      const { requestId, resultText } = await finishedJob('stalled result');
      const whole = Buffer.from(resultText);
      imitation.addFault({ at: 'result', kind: 'stallMidBody' });
      const response = await rawFal(imitation, 'queue.fal.run', resultPath(requestId));
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-length'), String(whole.length));
      const reader = new WireReader(response);
      const half = Math.floor(whole.length / 2);
      await until(() => reader.received >= half, 'half of the body');

      await imitation.reset();
      const { error } = await reader.done;
      assert.ok(error instanceof TypeError, 'the body fails once the connection is closed');
      assert.ok(reader.bytes.equals(whole.subarray(0, half)), 'exactly the first half arrived');
    });

    it('on a status stream: the first `afterBytes` of the first event, then silence (no events, no pings)', async () => {
      imitation.configure({ timing: { queuePositions: 2, queueMs: 60_000, pingIntervalMs: 10 } });
      const { request_id: requestId } = await sandboxClient(imitation).queue.submit(TURBO_T2V, { input: { prompt: 'silent stream' } });
      imitation.addFault({ at: 'stream', kind: 'stallMidBody', afterBytes: 6 });
      const response = await rawFal(imitation, 'queue.fal.run', `${resultPath(requestId)}/status/stream`);
      assert.equal(response.headers.get('content-type'), 'text/event-stream; charset=utf-8');
      const reader = new WireReader(response);
      await until(() => reader.received >= 6, 'the first bytes of the stream');
      // A normal stream of the same job, opened after it, has had time to send events and pings.
      const normal = new WireReader(await rawFal(imitation, 'queue.fal.run', `${resultPath(requestId)}/status/stream`));
      await until(() => normal.bytes.toString().includes(': ping'), 'a ping on the normal stream');
      await imitation.reset();
      await Promise.all([reader.done, normal.done]);
      assert.equal(reader.bytes.toString(), 'data: ');
    });
  });

  describe('trickle', () => {
    it('sends the whole normal answer, a few bytes at a time', async () => {
      const { requestId, resultText } = await finishedJob('slow bytes');
      imitation.addFault({ at: 'result', kind: 'trickle', bytesPerChunk: 16, intervalMs: 10 });
      const response = await rawFal(imitation, 'queue.fal.run', resultPath(requestId));
      assert.equal(response.status, 200);
      const reader = new WireReader(response);
      const { error } = await reader.done;
      assert.equal(error, undefined);
      assert.equal(reader.bytes.toString(), resultText);
      assert.ok(reader.reads >= 2, `arrived in pieces (${reader.reads} reads)`);
      assert.deepEqual(imitation.requests().map((r) => [r.stage, r.fault, r.responseStatus]).at(-1), ['result', 'trickle', 200]);
    });

    it('by default is slow enough that an overall deadline fires while bytes keep arriving', async () => {
      const client = sandboxClient(imitation);
      const { request_id: requestId } = await client.queue.submit(TURBO_T2V, { input: { prompt: 'deadline' } });
      imitation.addFault({ at: 'status', kind: 'trickle' });
      const error = await rejectionOf(client.queue.status(TURBO_T2V, { requestId, abortSignal: AbortSignal.timeout(300) }));
      assert.equal((error as Error).name, 'TimeoutError');
      const status = imitation.requests().find((r) => r.fault === 'trickle');
      assert.ok(status?.responseStatus === 202 || status?.responseStatus === 200, 'the headers had been sent');
    });
  });

  it('malformedJson: the normal status, labelled JSON, with a body that does not parse', async () => {
    const client = sandboxClient(imitation);
    const { request_id: requestId } = await client.queue.submit(TURBO_T2V, { input: { prompt: 'garbled' } });
    imitation.addFault({ at: 'status', kind: 'malformedJson' });
    assert.ok(await rejectionOf(client.queue.status(TURBO_T2V, { requestId })) instanceof SyntaxError);

    imitation.addFault({ at: 'status', kind: 'malformedJson' });
    const response = await rawFal(imitation, 'queue.fal.run', `${resultPath(requestId)}/status`);
    assert.ok([200, 202].includes(response.status));
    assert.equal(response.headers.get('content-type'), 'application/json');
    const text = await response.text();
    assert.ok(text.startsWith('{"status":'), text);
    assert.throws(() => JSON.parse(text), SyntaxError);
  });

  it('wrongContentType: the normal body under another label', async () => {
    const { requestId, videoUrl, resultText } = await finishedJob('mislabelled');
    imitation.addFault({ at: 'result', kind: 'wrongContentType' });
    const result = await sandboxClient(imitation).queue.result(TURBO_T2V, { requestId });
    assert.equal(result.data, resultText, 'the client hands an HTML-labelled body back as text');

    imitation.addFault({ at: 'video', kind: 'wrongContentType', contentType: 'application/json' });
    const video = await fetch(videoUrl);
    assert.equal(video.headers.get('content-type'), 'application/json');
    assert.ok(Buffer.from(await video.arrayBuffer()).equals(fixtureVideo()));
  });

  it('hugeContentLength: promises 10^12 bytes, sends the normal body and closes the connection', async () => {
    const { requestId, videoUrl } = await finishedJob('endless video');
    const other = await finishedJob('another video');
    imitation.addFault({ at: 'video', kind: 'hugeContentLength', match: { requestId } });
    assert.equal((await fetch(other.videoUrl)).status, 200, 'another job\'s video is not affected');

    const response = await fetch(videoUrl);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-length'), String(HUGE_CONTENT_LENGTH));
    assert.equal(response.headers.get('content-type'), 'video/mp4');
    const reader = new WireReader(response);
    const { error } = await reader.done;
    assert.ok(error instanceof TypeError, 'the body fails when the connection closes');
    assert.ok(fixtureVideo().subarray(0, reader.received).equals(reader.bytes), 'what arrived is the start of the video');
    assert.deepEqual(imitation.requests().filter((r) => r.stage === 'video').map((r) => [r.requestId, r.fault, r.responseStatus]),
      [[requestId, 'hugeContentLength', 200]], 'a file GET is recorded when a fault shaped it');
  });
});

describe('fal imitation: held connections end with reset and close', () => {
  it('close() ends promptly with stalled, trickling and hung connections open', async () => {
    const imitation = await startFalImitation({ timing: TEST_TIMING });
    imitation.addFault({ at: 'pricing', kind: 'stallMidBody', afterBytes: 1 });
    imitation.addFault({ at: 'pricing', kind: 'trickle', intervalMs: 60_000 });
    imitation.addFault({ at: 'pricing', kind: 'hang' });
    const pricing = (): Promise<Response> => rawFal(imitation, 'api.fal.ai', `/v1/models/pricing?endpoint_id=${TURBO_T2V}`);
    const stalled = new WireReader(await pricing());
    const trickling = new WireReader(await pricing());
    const hung = rejectionOf(pricing());
    await until(() => stalled.received === 1 && trickling.received === 1 && imitation.requests().length === 3, 'all three held');

    let closed = false;
    const closing = imitation.close().then(() => (closed = true));
    await until(() => closed, 'close() to finish', 5000);
    await closing;
    assert.ok((await stalled.done).error instanceof TypeError);
    assert.ok((await trickling.done).error instanceof TypeError);
    assert.ok(await hung instanceof TypeError);
  });
});
