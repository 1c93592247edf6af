import * as assert from 'node:assert/strict';
import { FalFailure } from '../../../src/model/failure';
import { FalGateway, sandboxFetch, type FalLogLine } from '../../../src/fal/falClient';
import { startFalImitation, type FalImitation } from '../../fal-imitation/server';
import { until } from '../../fal-imitation/testSupport';

const KEY = 'unit-key-id:unit-key-secret-0123';
const ENDPOINT = 'fal-ai/fast-animatediff/turbo/text-to-video';
const INPUT = {
  prompt: 'a lighthouse in a storm',
  negative_prompt: '(bad quality, worst quality:1.2), ugly faces, bad anime',
  num_frames: 16,
  num_inference_steps: 4,
  guidance_scale: 1,
  fps: 8,
  video_size: 'square',
  seed: 1234,
};

async function failureOf(promise: Promise<unknown>): Promise<FalFailure> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof FalFailure, `expected a FalFailure, got ${String(error)}`);
    return error;
  }
  throw new Error('expected the generation to fail');
}

describe('FalGateway against the fal imitation', function () {
  this.timeout(20000);
  let imitation: FalImitation;
  let gateway: FalGateway;

  before(async () => {
    imitation = await startFalImitation({
      timing: { queuePositions: 2, queueMs: 60, processingMs: 200, logSteps: 4, pingIntervalMs: 1000 },
      rejectedKeys: ['revoked-key-id'],
    });
  });
  after(() => imitation.close());
  afterEach(() => imitation.configure({ timing: { queueMs: 60 } }));
  beforeEach(async () => {
    await imitation.reset();
    gateway = new FalGateway({ credentials: KEY, proxyUrl: undefined, sandboxUrl: imitation.url });
  });

  it('submits the exact body, reports queue and logs, and returns the video with fal metrics', async () => {
    // Long enough in the queue that a loaded machine still sees a position before the job runs.
    imitation.configure({ timing: { queueMs: 4_000 } });
    const events: string[] = [];
    const logs: FalLogLine[] = [];
    let submittedId: string | undefined;
    const result = await gateway.generate(ENDPOINT, INPUT, {
      observer: {
        onSubmitted: (id) => { submittedId = id; events.push('submitted'); },
        onQueued: (position) => events.push(`queued:${position ?? '?'}`),
        onRunning: () => events.push('running'),
        onLog: (line) => logs.push(line),
      },
    });
    assert.equal(result.requestId, submittedId);
    assert.equal(result.output.seed, 1234);
    assert.match(result.output.video.url, /^http:\/\/127\.0\.0\.1:\d+\/files\/videos\/.+\.mp4$/);
    assert.equal(typeof result.inferenceSeconds, 'number');
    assert.ok(events.includes('running'));
    assert.ok(events.indexOf('submitted') < events.indexOf('running'));
    assert.ok(events.some((e) => /^queued:\d$/.test(e)), `queue positions reported: ${events.join(',')}`);
    assert.equal(new Set(logs.map((l) => l.message)).size, logs.length, 'each log line once');
    assert.ok(logs.length >= 1);
    const submit = imitation.requests().find((r) => r.stage === 'submit');
    assert.deepEqual(submit?.body, INPUT);
    assert.equal(submit?.keyId, 'unit-key-id');
    assert.ok(imitation.requests().some((r) => r.stage === 'stream'), 'status arrives over the event stream');
  });

  it('falls back to polling when the event stream breaks', async () => {
    imitation.addFault({ at: 'stream', kind: 'http', status: 500 });
    const result = await gateway.generate(ENDPOINT, INPUT);
    assert.ok(result.output.video.url);
    assert.ok(imitation.requests().some((r) => r.stage === 'status'));
  });

  for (const status of [429, 404, 403]) {
    it(`a ${status} for the event stream alone falls back to polling: the job fal runs is not given up`, async () => {
      imitation.addFault({ at: 'stream', kind: 'http', status, times: 10 });
      const result = await gateway.generate(ENDPOINT, INPUT);
      assert.ok(result.output.video.url);
      assert.ok(imitation.requests().some((r) => r.stage === 'status'), 'the status was polled');
    });
  }

  it('a refusal for the stream that the status repeats fails the job once, with the status\'s word', async () => {
    imitation.addFault({ at: 'stream', kind: 'http', status: 401, times: 10 });
    imitation.addFault({ at: 'status', kind: 'http', status: 401, times: 10 });
    const failure = await failureOf(gateway.generate(ENDPOINT, INPUT));
    assert.equal(failure.kind, 'auth');
    assert.ok(failure.details.requestId);
  });

  it('through a team proxy: no key sent, the proxy adds it', async () => {
    const proxied = new FalGateway({ credentials: undefined, proxyUrl: `${imitation.url}/api/fal/proxy`, sandboxUrl: undefined });
    const result = await proxied.generate(ENDPOINT, INPUT);
    assert.ok(result.output.video.url);
    const calls = imitation.requests().filter((r) => r.stage !== 'other');
    assert.ok(calls.length >= 2);
    assert.ok(calls.every((r) => r.viaProxy && !r.authorizationPresent && r.keyInjectedByProxy), JSON.stringify(calls.map((c) => [c.stage, c.viaProxy, c.authorizationPresent])));
  });

  it('a rejected key is an auth failure', async () => {
    const revoked = new FalGateway({ credentials: 'revoked-key-id:whatever-secret', proxyUrl: undefined, sandboxUrl: imitation.url });
    const failure = await failureOf(revoked.generate(ENDPOINT, INPUT));
    assert.equal(failure.kind, 'auth');
    assert.equal(failure.details.status, 401);
    assert.ok(!failure.message.includes('whatever-secret'));
  });

  it('an exhausted balance is a balance failure', async () => {
    imitation.addFault({ at: 'submit', kind: 'http', status: 403 });
    assert.equal((await failureOf(gateway.generate(ENDPOINT, INPUT))).kind, 'balance');
  });

  it("fal's 422 field errors come back by field", async () => {
    const failure = await failureOf(gateway.generate(ENDPOINT, { ...INPUT, num_frames: 64 }));
    assert.equal(failure.kind, 'validation');
    assert.deepEqual(failure.details.fieldErrors?.map((e) => e.field), ['num_frames']);
    assert.match(failure.message, /num_frames/);
  });

  it('500 is a server failure', async () => {
    imitation.addFault({ at: 'submit', kind: 'http', status: 500 });
    const failure = await failureOf(gateway.generate(ENDPOINT, INPUT));
    assert.equal(failure.kind, 'server');
    assert.equal(failure.details.status, 500);
  });

  it('a run whose runner disconnected fails without waiting for result retries', async () => {
    imitation.addFault({ at: 'submit', kind: 'runnerDisconnected' });
    const failure = await failureOf(gateway.generate(ENDPOINT, INPUT));
    assert.equal(failure.kind, 'server');
    assert.match(failure.message, /could not finish/);
    assert.ok(!imitation.requests().some((r) => r.stage === 'result'));
  });

  it('a result without a video is a noVideo failure', async () => {
    imitation.addFault({ at: 'result', kind: 'noVideo' });
    const failure = await failureOf(gateway.generate(ENDPOINT, INPUT));
    assert.equal(failure.kind, 'noVideo');
    assert.ok(failure.details.requestId);
  });

  it('a submit answer that cannot be read says fal may have started the job, which is not sent again', async () => {
    imitation.addFault({ at: 'submit', kind: 'malformedJson' });
    const failure = await failureOf(gateway.generate(ENDPOINT, INPUT));
    assert.equal(failure.kind, 'ambiguous');
    assert.match(failure.message, /fal may have started this job .*answer to the request could not be read/);
    assert.doesNotMatch(failure.message, /JSON at position|Unexpected/);
    assert.equal(imitation.jobs().length, 1, 'fal queued one job, and only one');
  });

  it("fal's answers under a wrong label are still read: the job is followed and its video kept", async () => {
    imitation.addFault({ at: 'submit', kind: 'wrongContentType' });
    imitation.addFault({ at: 'result', kind: 'wrongContentType', contentType: 'text/plain' });
    const result = await gateway.generate(ENDPOINT, INPUT);
    assert.match(result.output.video.url, /\/files\/videos\/.+\.mp4$/);
    assert.equal(imitation.jobs().length, 1);
    assert.ok(imitation.requests().every((r) => r.requestId !== 'undefined'), 'no request for a job named "undefined"');
  });

  it('a result that is not JSON is said to be unreadable, in words', async () => {
    imitation.addFault({ at: 'result', kind: 'malformedJson' });
    const failure = await failureOf(gateway.generate(ENDPOINT, INPUT));
    assert.match(failure.message, /^fal's answer to the result could not be read: it is not JSON \(labelled application\/json\)\. Retry/);
    assert.ok(failure.details.requestId, 'the request id is kept');
  });

  it('abort stops waiting and cancel reaches fal', async () => {
    imitation.addFault({ at: 'submit', kind: 'neverFinish' });
    const controller = new AbortController();
    let requestId: string | undefined;
    const running = gateway.generate(ENDPOINT, INPUT, {
      signal: controller.signal,
      observer: { onSubmitted: (id) => { requestId = id; }, onRunning: () => controller.abort() },
    });
    assert.equal((await failureOf(running)).kind, 'cancelled');
    assert.ok(requestId);
    assert.equal(await gateway.cancel(ENDPOINT, requestId), 'requested');
    assert.equal(imitation.job(requestId)?.cancelRequested, true);
  });

  it('Cancel ends following at once, also while the fal client waits to retry', async () => {
    // The stream fails, so the status is polled; fal answers it 503, which the client retries after ~1 s, then ~2 s…
    imitation.addFault({ at: 'stream', kind: 'http', status: 500, times: 10 });
    imitation.addFault({ at: 'status', kind: 'http', status: 503, times: 10 });
    let statusCalls = 0;
    let answered = 0;
    const counting = new FalGateway({ credentials: KEY, proxyUrl: undefined, sandboxUrl: imitation.url }, {
      fetch: async (input, init) => {
        const polled = /\/status(\?|$)/.test(String(input));
        statusCalls += polled ? 1 : 0;
        const response = await sandboxFetch(imitation.url)(input, init);
        answered += polled ? 1 : 0;
        return response;
      },
    });
    const controller = new AbortController();
    const requestId = await counting.submit(ENDPOINT, INPUT);
    const following = failureOf(counting.follow(ENDPOINT, requestId, { signal: controller.signal }));
    await until(() => answered === 1, 'the first 503 for the status');
    // Within the client's first wait before it asks again (0.75 s at least).
    setTimeout(() => controller.abort(), 100);
    assert.equal((await following).kind, 'cancelled');
    assert.equal(statusCalls, 1, 'following ended without waiting for the client to try again');
  });

  it('a job that never finishes times out, and is cancelled on fal', async () => {
    imitation.addFault({ at: 'submit', kind: 'neverFinish' });
    const failure = await failureOf(gateway.generate(ENDPOINT, INPUT, { timeoutMs: 700 }));
    assert.equal(failure.kind, 'timeout');
    const job = imitation.jobs()[0];
    await imitation.waitForJob({ requestId: job.requestId, status: 'COMPLETED', timeoutMs: 5000 }).catch(() => undefined);
    assert.ok(imitation.job(job.requestId)?.cancelRequested, 'the timed-out job was cancelled on fal');
  });

  it('follows an already submitted job by request id (resume after reload)', async () => {
    let requestId = '';
    const first = new AbortController();
    await failureOf(gateway.generate(ENDPOINT, INPUT, { signal: first.signal, observer: { onSubmitted: (id) => { requestId = id; first.abort(); } } }));
    const result = await gateway.follow(ENDPOINT, requestId);
    assert.equal(result.requestId, requestId);
    assert.ok(result.output.video.url);
  });

  it('uploads a file to fal storage', async () => {
    const url = await gateway.upload(new File([new Uint8Array([1, 2, 3, 4])], 'clip.mp4', { type: 'video/mp4' }));
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/files\//);
    const uploads = imitation.uploads();
    assert.equal(uploads.length, 1);
    assert.equal(uploads[0].size, 4);
  });
});
