import assert from 'node:assert/strict';
import { FalImitation } from './server';
import { ApiError, POLL_MS, rawFal, rejectionOf, sandboxClient, startTestImitation, TURBO_T2V } from './testSupport';

describe('fal imitation: cancel in each state', () => {
  let imitation: FalImitation;

  before(async () => {
    imitation = await startTestImitation();
  });
  afterEach(() => imitation.reset());
  after(() => imitation.close());

  it('a queued job is removed: 202 CANCELLATION_REQUESTED, it never runs, status COMPLETED with the error, result 400', async () => {
    imitation.configure({ timing: { queuePositions: 2, queueMs: 10_000 } });
    const client = sandboxClient(imitation);
    const { request_id: requestId } = await client.queue.submit(TURBO_T2V, { input: { prompt: 'never mind' } });
    const streaming = client.queue.subscribeToStatus(TURBO_T2V, { requestId, mode: 'streaming' });

    const cancel = await rawFal(imitation, 'queue.fal.run', `/fal-ai/fast-animatediff/requests/${requestId}/cancel`, { method: 'PUT' });
    assert.equal(cancel.status, 202);
    assert.deepEqual(await cancel.json(), { status: 'CANCELLATION_REQUESTED' });

    const streamed = await streaming;
    assert.equal(streamed.status, 'COMPLETED', 'a watching stream ends');
    const status = await client.queue.status(TURBO_T2V, { requestId }) as unknown as Record<string, unknown>;
    assert.deepEqual([status.status, status.error, status.error_type], ['COMPLETED', 'Request was cancelled', 'request_cancelled']);

    const result = await rejectionOf(client.queue.result(TURBO_T2V, { requestId }));
    assert.ok(result instanceof ApiError);
    assert.equal(result.status, 400);
    assert.deepEqual(result.body, { detail: 'Request was cancelled', error_type: 'request_cancelled' });

    const job = imitation.job(requestId);
    assert.deepEqual(job?.transitions.map((t) => t.status), ['IN_QUEUE', 'COMPLETED']);
    assert.deepEqual([job?.cancelRequested, job?.cancelled, job?.outcome], [true, true, 'cancelled']);
    assert.equal(imitation.stats().maxConcurrentInProgress, 0, 'no runner was used');
  });

  it('a running job is only signalled: cancel resolves (202), the job still finishes and its result is delivered', async () => {
    imitation.configure({ timing: { processingMs: 800 } });
    const client = sandboxClient(imitation);
    const { request_id: requestId } = await client.queue.submit(TURBO_T2V, { input: { prompt: 'too late', seed: 8 } });
    await imitation.waitForJob({ requestId, status: 'IN_PROGRESS' });
    await client.queue.cancel(TURBO_T2V, { requestId });
    assert.equal(imitation.requests().at(-1)?.responseStatus, 202);

    await client.queue.subscribeToStatus(TURBO_T2V, { requestId, pollInterval: POLL_MS });
    const result = await client.queue.result(TURBO_T2V, { requestId });
    assert.equal((result.data as { seed: number }).seed, 8);
    const job = imitation.job(requestId);
    assert.deepEqual([job?.cancelRequested, job?.cancelled, job?.outcome], [true, false, 'succeeded']);
  });

  it('a completed job answers 400 ALREADY_COMPLETED and an unknown one 404 NOT_FOUND', async () => {
    const client = sandboxClient(imitation);
    const done = await client.subscribe(TURBO_T2V, { input: { prompt: 'finished' }, pollInterval: POLL_MS });
    const completed = await rejectionOf(client.queue.cancel(TURBO_T2V, { requestId: done.requestId }));
    assert.ok(completed instanceof ApiError);
    assert.equal(completed.status, 400);
    assert.deepEqual(completed.body, { status: 'ALREADY_COMPLETED' });
    assert.equal(imitation.job(done.requestId)?.cancelRequested, false);

    const unknown = await rejectionOf(client.queue.cancel(TURBO_T2V, { requestId: '00000000-0000-4000-8000-000000000000' }));
    assert.ok(unknown instanceof ApiError);
    assert.equal(unknown.status, 404);
    assert.deepEqual(unknown.body, { status: 'NOT_FOUND' });
  });
});
