import assert from 'node:assert/strict';
import { FalImitation } from './server';
import {
  ApiError, fixtureVideo, POLL_MS, rawFal, rejectionOf, sandboxClient, startTestImitation, TURBO_T2V, ValidationError,
} from './testSupport';

interface StatusUpdate {
  status: string;
  queue_position?: number;
  logs?: { message: string }[] | null;
}

interface VideoOutput {
  video?: { url: string; content_type: string; file_name: string; file_size: number };
  seed: number;
}

describe('fal imitation: queue through the real @fal-ai/client', () => {
  let imitation: FalImitation;

  before(async () => {
    imitation = await startTestImitation();
  });
  afterEach(() => imitation.reset());
  after(() => imitation.close());

  it('subscribe (polling) reports queue positions counting down, then accumulating step logs, then the result', async () => {
    imitation.configure({ timing: { queuePositions: 3, queueMs: 300 } });
    const updates: StatusUpdate[] = [];
    const result = await sandboxClient(imitation).subscribe(TURBO_T2V, {
      input: { prompt: 'a lighthouse at dusk', seed: 1234, num_inference_steps: 4 },
      logs: true,
      pollInterval: 5,
      onQueueUpdate: (update) => updates.push(structuredClone(update) as StatusUpdate),
    });

    const positions = updates.filter((u) => u.status === 'IN_QUEUE').map((u) => u.queue_position);
    assert.ok(positions.length > 0, 'saw the job in the queue');
    assert.deepEqual([...positions].sort((a, b) => Number(b) - Number(a)), positions, 'queue positions only go down');
    assert.equal(imitation.jobs()[0].transitions.filter((t) => t.status === 'IN_QUEUE').length, 3);

    const finalLogs = (updates.at(-1)?.logs ?? []).map((log) => log.message);
    assert.equal(updates.at(-1)?.status, 'COMPLETED');
    assert.deepEqual(finalLogs.filter((m) => m.startsWith('step')), ['step 1/4', 'step 2/4', 'step 3/4', 'step 4/4']);
    const inProgressLogCounts = updates.filter((u) => u.status === 'IN_PROGRESS').map((u) => u.logs?.length ?? 0);
    assert.deepEqual([...inProgressLogCounts].sort((a, b) => a - b), inProgressLogCounts, 'polled logs accumulate');

    const output = result.data as VideoOutput;
    assert.equal(output.seed, 1234);
    assert.equal(result.requestId, imitation.jobs()[0].requestId);
    assert.ok(output.video);
    assert.equal(output.video.content_type, 'video/mp4');
    assert.equal(output.video.file_name, `${result.requestId}.mp4`);
    assert.equal(output.video.url, `${imitation.url}/files/videos/${result.requestId}.mp4`);
    const video = await fetch(output.video.url);
    assert.equal(video.headers.get('content-type'), 'video/mp4');
    assert.equal(video.headers.get('access-control-allow-origin'), '*');
    assert.equal(video.headers.get('accept-ranges'), 'bytes');
    const bytes = Buffer.from(await video.arrayBuffer());
    assert.ok(bytes.equals(fixtureVideo()), 'serves the fixture MP4');
    assert.equal(output.video.file_size, bytes.length);
  });

  it('subscribe (streaming) gets queue and log updates from the event stream and the same result', async () => {
    imitation.configure({ timing: { queueMs: 200 } });
    const updates: StatusUpdate[] = [];
    const result = await sandboxClient(imitation).subscribe(TURBO_T2V, {
      input: { prompt: 'waves', seed: 7 },
      logs: true,
      mode: 'streaming',
      onQueueUpdate: (update) => updates.push(structuredClone(update) as StatusUpdate),
    });
    assert.equal((result.data as VideoOutput).seed, 7);
    assert.equal(updates[0].status, 'IN_QUEUE');
    assert.equal(updates.at(-1)?.status, 'COMPLETED');
    const messages = (updates.at(-1)?.logs ?? []).map((log) => log.message);
    assert.deepEqual(messages.filter((m) => m.startsWith('step')), ['step 1/4', 'step 2/4', 'step 3/4', 'step 4/4']);
    assert.equal(imitation.requests().filter((r) => r.stage === 'stream').length, 1, 'one stream, no polling');
    assert.equal(imitation.requests().filter((r) => r.stage === 'status').length, 0);
  });

  it('the raw status stream sends data events with only new logs, ping comments, and closes after COMPLETED', async () => {
    imitation.configure({ timing: { pingIntervalMs: 10, processingMs: 200 } });
    const client = sandboxClient(imitation);
    const { request_id: requestId } = await client.queue.submit(TURBO_T2V, { input: { prompt: 'stream me' } });
    const response = await rawFal(imitation, 'queue.fal.run', `/fal-ai/fast-animatediff/requests/${requestId}/status/stream?logs=1`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    const text = await response.text(); // ends only because the server closes the stream
    assert.match(text, /^: ping$/m);
    const events = text.split('\n').filter((line) => line.startsWith('data: '))
      .map((line) => JSON.parse(line.slice(6)) as StatusUpdate);
    assert.equal(events.at(-1)?.status, 'COMPLETED');
    const streamedLogs = events.flatMap((event) => event.logs ?? []).map((log) => log.message);
    assert.deepEqual(streamedLogs, imitation.job(requestId)?.logs.map((log) => log.message), 'each log line sent once');
  });

  it('HTTP answers: submit 200 with urls and queue_position; while running, status 202 and result 400', async () => {
    imitation.configure({ timing: { processingMs: 2000 } });
    const submit = await rawFal(imitation, 'queue.fal.run', `/${TURBO_T2V}`, {
      method: 'POST', body: JSON.stringify({ prompt: 'slow one' }), headers: { 'content-type': 'application/json' },
    });
    assert.equal(submit.status, 200);
    const submitted = await submit.json() as Record<string, unknown>;
    const requestId = String(submitted.request_id);
    const base = `https://queue.fal.run/fal-ai/fast-animatediff/requests/${requestId}`;
    assert.deepEqual(submitted, {
      status: 'IN_QUEUE', request_id: requestId, response_url: base, status_url: `${base}/status`,
      cancel_url: `${base}/cancel`, queue_position: 0,
    });
    await imitation.waitForJob({ requestId, status: 'IN_PROGRESS' });
    const running = await rawFal(imitation, 'queue.fal.run', `/fal-ai/fast-animatediff/requests/${requestId}/status?logs=1`);
    assert.equal(running.status, 202);
    const early = await rawFal(imitation, 'queue.fal.run', `/fal-ai/fast-animatediff/requests/${requestId}`);
    assert.equal(early.status, 400);
  });

  it('result of an unknown request id is 404 and a result before completion is a 400 ApiError', async () => {
    const client = sandboxClient(imitation);
    const unknown = await rejectionOf(client.queue.result(TURBO_T2V, { requestId: '00000000-0000-4000-8000-000000000000' }));
    assert.ok(unknown instanceof ApiError);
    assert.equal(unknown.status, 404);

    imitation.configure({ timing: { processingMs: 5000 } });
    const { request_id: requestId } = await client.queue.submit(TURBO_T2V, { input: { prompt: 'not yet' } });
    const early = await rejectionOf(client.queue.result(TURBO_T2V, { requestId }));
    assert.ok(early instanceof ApiError);
    assert.equal(early.status, 400);
  });

  it('status with logs=0 sends logs as null by default, or missing or [] as configured', async () => {
    const client = sandboxClient(imitation);
    const { request_id: requestId } = await client.queue.submit(TURBO_T2V, { input: { prompt: 'quiet' } });
    await imitation.waitForJob({ requestId, status: 'COMPLETED' });
    const done = await rawFal(imitation, 'queue.fal.run', `/fal-ai/fast-animatediff/requests/${requestId}/status`);
    assert.equal(done.status, 200);
    const shapes: unknown[] = [];
    for (const logsWhenDisabled of ['null', 'missing', 'empty'] as const) {
      imitation.configure({ logsWhenDisabled });
      const status = await client.queue.status(TURBO_T2V, { requestId, logs: false });
      shapes.push('logs' in status ? status.logs : 'missing');
    }
    assert.deepEqual(shapes, [null, 'missing', []]);
    const withLogs = await client.queue.status(TURBO_T2V, { requestId, logs: true });
    assert.equal(withLogs.status, 'COMPLETED');
    assert.ok('logs' in withLogs && Array.isArray(withLogs.logs) && withLogs.logs.length > 0);
    assert.ok('metrics' in withLogs && typeof withLogs.metrics?.inference_time === 'number');
  });

  it('a job lives on the server: another client picks it up by request id after the first one went away', async () => {
    const first = sandboxClient(imitation);
    const { request_id: requestId } = await first.queue.submit(TURBO_T2V, { input: { prompt: 'survives a reload', seed: 99 } });
    const second = sandboxClient(imitation);
    const done = await second.queue.subscribeToStatus(TURBO_T2V, { requestId, pollInterval: POLL_MS });
    assert.equal(done.status, 'COMPLETED');
    const result = await second.queue.result(TURBO_T2V, { requestId });
    assert.equal((result.data as VideoOutput).seed, 99);
  });

  it('without a seed the result reports a random integer seed', async () => {
    const result = await sandboxClient(imitation).subscribe(TURBO_T2V, { input: { prompt: 'any seed' }, pollInterval: POLL_MS });
    const { seed } = result.data as VideoOutput;
    assert.ok(Number.isInteger(seed) && seed >= 0, `seed ${seed}`);
    assert.equal(imitation.job(result.requestId)?.seed, seed);
  });

  it('synchronous fal.run returns the output directly', async () => {
    const result = await sandboxClient(imitation).run(TURBO_T2V, { input: { prompt: 'direct', seed: 5 } });
    const output = result.data as VideoOutput;
    assert.equal(output.seed, 5);
    assert.ok(output.video?.url.startsWith(imitation.url));
    const [request] = imitation.requests();
    assert.equal(request.host, 'fal.run');
    assert.equal(request.stage, 'run');
    assert.equal(imitation.job(result.requestId)?.synchronous, true);
  });

  it('invalid input is accepted by the queue and fails at the result with a 422 ValidationError, like fal', async () => {
    const client = sandboxClient(imitation);
    const error = await rejectionOf(client.subscribe(TURBO_T2V, {
      input: { prompt: 'too long', num_frames: 64 }, pollInterval: POLL_MS,
    }));
    assert.ok(error instanceof ValidationError);
    assert.equal(error.status, 422);
    assert.deepEqual(error.fieldErrors, [{
      loc: ['body', 'num_frames'], msg: 'Input should be less than or equal to 32', type: 'less_than_equal', ctx: { le: 32 }, input: 64,
    }]);
    const [job] = imitation.jobs();
    assert.equal(job.status, 'COMPLETED');
    assert.equal(job.outcome, 'invalidInput');
    assert.deepEqual(job.logs, [], 'the runner rejects the input before doing any work');

    const direct = await rejectionOf(client.run(TURBO_T2V, { input: { num_frames: 8 } }));
    assert.ok(direct instanceof ValidationError);
    assert.deepEqual(direct.fieldErrors.map((e) => [e.loc, e.type]), [[['body', 'prompt'], 'missing']]);
  });

  it('an unknown endpoint is a 404 at submit', async () => {
    const error = await rejectionOf(sandboxClient(imitation).queue.submit('fal-ai/fast-animatediff/turbo/image-to-video', {
      input: { prompt: 'x' },
    }));
    assert.ok(error instanceof ApiError);
    assert.equal(error.status, 404);
    assert.equal(imitation.jobs().length, 0);
  });

  it('records the most jobs in progress at once', async () => {
    imitation.configure({ timing: { processingMs: 500 } });
    const client = sandboxClient(imitation);
    await Promise.all([1, 2, 3].map((n) =>
      client.subscribe(TURBO_T2V, { input: { prompt: `parallel ${n}` }, pollInterval: POLL_MS })));
    assert.equal(imitation.stats().maxConcurrentInProgress, 3);
    assert.equal(imitation.stats().inProgressNow, 0);

    await imitation.reset();
    imitation.configure({ timing: { processingMs: 20 } });
    for (const n of [1, 2]) {
      await client.subscribe(TURBO_T2V, { input: { prompt: `serial ${n}` }, pollInterval: POLL_MS });
    }
    assert.deepEqual(imitation.stats(), { jobsSubmitted: 2, inProgressNow: 0, maxConcurrentInProgress: 1 });
  });
});
