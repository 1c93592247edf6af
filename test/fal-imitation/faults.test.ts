import assert from 'node:assert/strict';
import { CONTENT_POLICY_MSG, EXHAUSTED_BALANCE_DETAIL, NO_USER_DETAIL } from './falErrors';
import { FalImitation } from './server';
import {
  ApiError, POLL_MS, rawFal, rejectionOf, sandboxClient, startTestImitation, TURBO_T2V, until, ValidationError,
} from './testSupport';

interface StatusUpdate {
  status: string;
  logs?: unknown[] | null;
}

describe('fal imitation: fault injection as the real @fal-ai/client sees it', () => {
  let imitation: FalImitation;

  before(async () => {
    imitation = await startTestImitation();
  });
  afterEach(() => imitation.reset());
  after(() => imitation.close());

  const subscribe = (prompt: string, mode: 'polling' | 'streaming' = 'polling') =>
    sandboxClient(imitation).subscribe(TURBO_T2V, { input: { prompt }, logs: true, mode, pollInterval: POLL_MS });

  it('http faults at submit give fal\'s bodies for 401, 403, 422 (content policy) and 500', async () => {
    const expected = new Map<number, unknown>([
      [401, { detail: NO_USER_DETAIL }],
      [403, { detail: EXHAUSTED_BALANCE_DETAIL }],
      [422, {
        detail: [{
          loc: ['body', 'prompt'], msg: CONTENT_POLICY_MSG, type: 'content_policy_violation',
          url: 'https://docs.fal.ai/errors/#content_policy_violation', input: 'a flagged prompt',
        }],
      }],
      [500, {
        detail: [{
          loc: ['body'], msg: 'Internal server error', type: 'internal_server_error',
          url: 'https://docs.fal.ai/errors/#internal_server_error', input: { prompt: 'a flagged prompt' },
        }],
      }],
    ]);
    for (const [status, body] of expected) {
      imitation.addFault({ at: 'submit', kind: 'http', status });
      const error = await rejectionOf(subscribe('a flagged prompt'));
      assert.ok(error instanceof ApiError, `${status} is an ApiError`);
      assert.equal(error.status, status);
      assert.deepEqual(error.body, body);
      assert.equal(error instanceof ValidationError, status === 422);
    }
    assert.equal(imitation.jobs().length, 0, 'a failed submit creates no job');
    assert.deepEqual(imitation.requests().map((r) => [r.stage, r.responseStatus, r.fault]),
      [...expected.keys()].map((status) => ['submit', status, 'http']));
  });

  it('http faults on the status stream give 429, an HTML 502, 503 runner_scheduling_failure and 504 generation_timeout', async () => {
    const seen = new Map<number, ApiError<unknown>>();
    for (const status of [429, 502, 503, 504]) {
      imitation.addFault({ at: 'stream', kind: 'http', status });
      const error = await rejectionOf(subscribe('streamed', 'streaming'));
      assert.ok(error instanceof ApiError);
      seen.set(status, error);
    }
    assert.deepEqual([...seen.values()].map((e) => e.status), [429, 502, 503, 504]);
    assert.equal(typeof (seen.get(429)?.body as { detail: unknown }).detail, 'string');
    assert.equal(seen.get(502)?.body, undefined, 'the 502 page is not JSON');
    assert.equal(seen.get(502)?.message, 'HTTP 502: Bad Gateway');
    assert.deepEqual(seen.get(503)?.body, {
      detail: 'No runner could be allocated to handle the request', error_type: 'runner_scheduling_failure',
    });
    assert.equal((seen.get(504)?.body as { detail: { type: string }[] }).detail[0].type, 'generation_timeout');
  });

  it('an http fault with its own body and headers is answered as given', async () => {
    const body = { detail: [{ loc: ['body', 'negative_prompt'], msg: 'Too long', type: 'string_too_long', ctx: { max_length: 10 } }] };
    imitation.addFault({ at: 'result', kind: 'http', status: 422, body, headers: { 'x-fal-retryable': 'false' } });
    const error = await rejectionOf(subscribe('custom'));
    assert.ok(error instanceof ValidationError);
    assert.deepEqual(error.body, body);
    assert.deepEqual(error.getFieldErrors('negative_prompt').map((e) => e.type), ['string_too_long']);
  });

  it('a fault with a match applies only to matching requests, and `times` sets how many', async () => {
    imitation.addFault({ at: 'submit', kind: 'http', status: 403, match: { promptIncludes: 'forbidden' }, times: 2 });
    await subscribe('a fine prompt');
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const error = await rejectionOf(subscribe('forbidden words'));
      assert.ok(error instanceof ApiError && error.status === 403);
    }
    await subscribe('forbidden words, third time');
    assert.deepEqual(imitation.faults().map((f) => [f.hits, f.remaining]), [[2, 0]]);
  });

  it('a request-id match targets one job\'s status polls', async () => {
    const client = sandboxClient(imitation);
    const { request_id: requestId } = await client.queue.submit(TURBO_T2V, { input: { prompt: 'target' } });
    const { request_id: otherId } = await client.queue.submit(TURBO_T2V, { input: { prompt: 'other' } });
    imitation.addFault({ at: 'status', kind: 'http', status: 401, match: { requestId } });
    assert.equal((await client.queue.status(TURBO_T2V, { requestId: otherId })).request_id, otherId);
    const error = await rejectionOf(client.queue.status(TURBO_T2V, { requestId }));
    assert.ok(error instanceof ApiError && error.status === 401);
  });

  it('drop destroys the connection: the client sees a network failure, and its retry of a submit succeeds', async () => {
    const client = sandboxClient(imitation);
    const { request_id: requestId } = await client.queue.submit(TURBO_T2V, { input: { prompt: 'cancel me' } });
    imitation.addFault({ at: 'cancel', kind: 'drop' });
    const dropped = await rejectionOf(client.queue.cancel(TURBO_T2V, { requestId }));
    assert.ok(dropped instanceof TypeError, 'fetch failed');

    imitation.addFault({ at: 'submit', kind: 'drop' });
    const result = await subscribe('retried after a reset connection');
    assert.ok(result.requestId);
    const submits = imitation.requests().filter((r) => r.stage === 'submit');
    assert.deepEqual(submits.map((r) => [r.fault, r.responseStatus]), [[null, 200], ['drop', null], [null, 200]]);
  });

  it('hang never answers until the client gives up or the imitation is reset', async () => {
    const client = sandboxClient(imitation);
    imitation.addFault({ at: 'submit', kind: 'hang' });
    const abort = new AbortController();
    const submitting = client.queue.submit(TURBO_T2V, { input: { prompt: 'hung' }, abortSignal: abort.signal });
    await until(() => imitation.requests().some((r) => r.fault === 'hang'), 'the hung submit to arrive');
    abort.abort();
    const aborted = await rejectionOf(submitting);
    assert.equal((aborted as Error).name, 'AbortError');

    const { request_id: requestId } = await client.queue.submit(TURBO_T2V, { input: { prompt: 'fine' } });
    imitation.addFault({ at: 'status', kind: 'hang' });
    let settled = false;
    const polling = rawFal(imitation, 'queue.fal.run', `/fal-ai/fast-animatediff/requests/${requestId}/status`)
      .finally(() => (settled = true));
    await until(() => imitation.requests().filter((r) => r.fault === 'hang').length === 2, 'the hung status poll');
    await client.queue.status(TURBO_T2V, { requestId });
    assert.equal(settled, false, 'still unanswered while other requests are served');
    await imitation.reset();
    assert.ok(await rejectionOf(polling) instanceof TypeError, 'reset closes the hung request');
  });

  it('noVideo answers 200 without a video, at the result or for a whole job', async () => {
    imitation.addFault({ at: 'result', kind: 'noVideo' });
    const atResult = await subscribe('no video please');
    assert.equal('video' in (atResult.data as object), false);
    assert.equal(typeof (atResult.data as { seed: unknown }).seed, 'number');

    imitation.addFault({ at: 'submit', kind: 'noVideo' });
    const forJob = await subscribe('no video for this job');
    assert.equal('video' in (forJob.data as object), false);
    const job = imitation.job(forJob.requestId);
    assert.deepEqual(job?.faults, ['noVideo']);
    assert.equal(job?.videoUrl, null);
  });

  it('runnerDisconnected ends COMPLETED with error fields, then the result fails (503 by default)', async () => {
    const client = sandboxClient(imitation);
    imitation.addFault({ at: 'submit', kind: 'runnerDisconnected' });
    const { request_id: requestId } = await client.queue.submit(TURBO_T2V, { input: { prompt: 'unlucky' } });
    const done = await client.queue.subscribeToStatus(TURBO_T2V, { requestId, logs: true, pollInterval: POLL_MS });
    assert.equal(done.status, 'COMPLETED');
    assert.deepEqual([(done as unknown as Record<string, unknown>).error, (done as unknown as Record<string, unknown>).error_type],
      ['Runner disconnected', 'runner_disconnected']);
    assert.ok(done.logs.length < 6, 'the run stopped before all its steps');
    const result = await rawFal(imitation, 'queue.fal.run', `/fal-ai/fast-animatediff/requests/${requestId}`);
    assert.equal(result.status, 503);
    assert.equal(result.headers.get('x-fal-error-type'), 'runner_disconnected');
    assert.deepEqual(await result.json(), { detail: 'Runner disconnected', error_type: 'runner_disconnected' });

    // The client retries a 503 result with seconds of backoff; a 500 shows the error path at once.
    imitation.addFault({ at: 'submit', kind: 'runnerDisconnected', status: 500 });
    const error = await rejectionOf(subscribe('unlucky again'));
    assert.ok(error instanceof ApiError);
    assert.equal(error.status, 500);
    assert.deepEqual(error.body, { detail: 'Runner disconnected', error_type: 'runner_disconnected' });
  });

  it('neverFinish keeps a job IN_PROGRESS and logging until it is cancelled', async () => {
    const client = sandboxClient(imitation);
    imitation.addFault({ at: 'submit', kind: 'neverFinish' });
    let cancelling: Promise<void> | undefined;
    const subscribing = client.subscribe(TURBO_T2V, {
      input: { prompt: 'forever' },
      logs: true,
      mode: 'streaming',
      onQueueUpdate: (update: StatusUpdate) => {
        // Five log lines take longer than a normal run of this imitation.
        if (!cancelling && update.status === 'IN_PROGRESS' && (update.logs?.length ?? 0) >= 5) {
          cancelling = client.queue.cancel(TURBO_T2V, { requestId: imitation.jobs()[0].requestId });
        }
      },
    });
    const error = await rejectionOf(subscribing);
    await cancelling;
    assert.ok(error instanceof ApiError);
    assert.equal(error.status, 400);
    assert.deepEqual(error.body, { detail: 'Request was cancelled', error_type: 'request_cancelled' });
    const [job] = imitation.jobs();
    assert.equal(job.cancelled, true);
    assert.equal(job.outcome, 'cancelled');
    assert.ok(job.logs.length >= 5);
  });

  it('slow makes one job take longer than the others', async () => {
    const client = sandboxClient(imitation);
    imitation.addFault({ at: 'submit', kind: 'slow', ms: 700, match: { promptIncludes: 'slow' } });
    const { request_id: slowId } = await client.queue.submit(TURBO_T2V, { input: { prompt: 'slow job' } });
    const { request_id: quickId } = await client.queue.submit(TURBO_T2V, { input: { prompt: 'quick job' } });
    await imitation.waitForJob({ requestId: quickId, status: 'COMPLETED' });
    assert.equal(imitation.job(slowId)?.status, 'IN_PROGRESS');
    await imitation.waitForJob({ requestId: slowId, status: 'COMPLETED', timeoutMs: 5000 });
    assert.equal(imitation.job(slowId)?.outcome, 'succeeded');
  });

  it('refuses faults that cannot apply where they are armed', () => {
    assert.throws(() => imitation.addFault({ at: 'status', kind: 'slow', ms: 10 }), /'slow' fault applies at 'submit'/);
    assert.throws(() => imitation.addFault({ at: 'result', kind: 'http', status: 99 }), /Invalid fault/);
    assert.deepEqual(imitation.faults(), []);
  });
});
