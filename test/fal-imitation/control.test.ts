import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { FalImitationControl, FalImitationControlError } from './control';
import { FalImitation } from './server';
import {
  ApiError, fileOf, POLL_MS, rejectionOf, sandboxClient, startTestImitation, TEST_TIMING, TURBO_T2V,
} from './testSupport';
import { REALISTIC_TIMING } from './types';

describe('fal imitation: HTTP control API', () => {
  let imitation: FalImitation;
  let control: FalImitationControl;

  before(async () => {
    imitation = await startTestImitation();
    control = new FalImitationControl(imitation.url);
  });
  afterEach(() => control.reset());
  after(() => imitation.close());

  it('configure changes the shared state and reset restores the start-up config', async () => {
    const changed = await control.configure({ timing: { queuePositions: 4 }, logsWhenDisabled: 'empty' });
    assert.equal(changed.timing.queuePositions, 4);
    assert.equal(changed.timing.processingMs, TEST_TIMING.processingMs, 'other settings stay');
    assert.deepEqual(imitation.config(), changed);
    await control.reset();
    assert.deepEqual(await control.config(), { timing: TEST_TIMING, rejectedKeys: ['revoked-key-id'], logsWhenDisabled: 'null', offline: false });
    const invalid = await rejectionOf(control.configure({ timing: { queueMs: -1 } }));
    assert.ok(invalid instanceof FalImitationControlError);
    assert.equal(invalid.status, 400);
  });

  it('offline: every fal request (queue, files) has its connection dropped while the control API still answers', async () => {
    const client = sandboxClient(imitation);
    const { request_id: requestId } = await client.queue.submit(TURBO_T2V, { input: { prompt: 'before the network went' } });
    const done = await control.waitForJob({ requestId, status: 'COMPLETED' });
    assert.ok(done.videoUrl);
    await control.configure({ offline: true });
    await assert.rejects(fetch(done.videoUrl), TypeError, 'the result video is unreachable');
    await assert.rejects(fetch(`${imitation.url}/${TURBO_T2V}`, { method: 'POST', body: '{}' }), TypeError, 'the queue is unreachable');
    assert.equal((await control.config()).offline, true);
    await control.configure({ offline: false });
    assert.equal((await fetch(done.videoUrl)).status, 200, 'back online');
  });

  it('faults armed over HTTP apply to the client, and invalid ones are refused with the reason', async () => {
    const fault = await control.addFault({ at: 'submit', kind: 'http', status: 403, match: { endpoint: TURBO_T2V } });
    assert.equal(fault.remaining, 1);
    const error = await rejectionOf(sandboxClient(imitation).queue.submit(TURBO_T2V, { input: { prompt: 'x' } }));
    assert.ok(error instanceof ApiError && error.status === 403);
    assert.deepEqual((await control.faults()).map((f) => f.hits), [1]);
    await control.clearFaults();
    assert.deepEqual(await control.faults(), []);

    const refused = await rejectionOf(control.addFault({ at: 'cancel', kind: 'neverFinish' }));
    assert.ok(refused instanceof FalImitationControlError);
    assert.equal(refused.status, 400);
    assert.match(refused.detail, /'neverFinish' fault applies at 'submit'/);
  });

  it('requests, jobs, job, waitForJob and stats show what the imitation received', async () => {
    const client = sandboxClient(imitation);
    const { request_id: requestId } = await client.queue.submit(TURBO_T2V, { input: { prompt: 'recorded', seed: 11 } });
    const running = await control.waitForJob({ promptIncludes: 'recorded', status: 'IN_PROGRESS' });
    assert.equal(running.requestId, requestId);
    const done = await control.waitForJob({ requestId, status: 'COMPLETED' });
    assert.deepEqual(done.transitions.map((t) => t.status), ['IN_QUEUE', 'IN_PROGRESS', 'COMPLETED']);
    assert.equal(done.seed, 11);
    assert.deepEqual(await control.job(requestId), imitation.job(requestId));
    assert.equal(await control.job('no-such-request'), undefined);
    assert.deepEqual(await control.jobs(), imitation.jobs());

    const [submit] = await control.requests();
    assert.deepEqual(
      [submit.method, submit.host, submit.path, submit.stage, submit.requestId, submit.endpoint, submit.body, submit.responseStatus],
      ['POST', 'queue.fal.run', `/${TURBO_T2V}`, 'submit', requestId, TURBO_T2V, { prompt: 'recorded', seed: 11 }, 200],
    );
    assert.equal(submit.falHeaders['x-fal-queue-priority'], 'normal');
    assert.deepEqual(await control.stats(), { jobsSubmitted: 1, inProgressNow: 0, maxConcurrentInProgress: 1 });

    const timedOut = await rejectionOf(control.waitForJob({ promptIncludes: 'never submitted', status: 'IN_QUEUE', timeoutMs: 20 }));
    assert.ok(timedOut instanceof FalImitationControlError);
    assert.equal(timedOut.status, 408);
  });

  it('finishJob lets a job held by a neverFinish fault finish now, with its video; others are refused', async () => {
    await control.addFault({ at: 'submit', kind: 'neverFinish' });
    const client = sandboxClient(imitation);
    const { request_id: requestId } = await client.queue.submit(TURBO_T2V, { input: { prompt: 'held', seed: 5 } });
    await control.waitForJob({ requestId, status: 'IN_PROGRESS' });
    const finished = await control.finishJob(requestId);
    assert.equal(finished.status, 'COMPLETED');
    assert.equal(finished.seed, 5);
    const result = await client.queue.result(TURBO_T2V, { requestId });
    assert.match((result.data as { video: { url: string } }).video.url, /\.mp4$/);
    const again = await rejectionOf(control.finishJob(requestId));
    assert.ok(again instanceof FalImitationControlError);
    assert.equal(again.status, 409);
    const unknown = await rejectionOf(control.finishJob('no-such-request'));
    assert.ok(unknown instanceof FalImitationControlError);
    assert.equal(unknown.status, 404);
  });

  it('deleteResultVideos makes result URLs 404 so a local copy must be used', async () => {
    const client = sandboxClient(imitation);
    const first = await client.subscribe(TURBO_T2V, { input: { prompt: 'one' }, pollInterval: POLL_MS });
    const second = await client.subscribe(TURBO_T2V, { input: { prompt: 'two' }, pollInterval: POLL_MS });
    const urlOf = (result: typeof first): string => (result.data as { video: { url: string } }).video.url;

    assert.deepEqual(await control.deleteResultVideos([first.requestId]), [urlOf(first)]);
    assert.equal((await fetch(urlOf(first))).status, 404);
    assert.equal((await fetch(urlOf(second))).status, 200);
    assert.deepEqual(await control.deleteResultVideos(), [urlOf(second)]);
    assert.equal((await fetch(urlOf(second))).status, 404);
  });

  it('lists uploads with their checksum', async () => {
    await sandboxClient(imitation).storage.upload(fileOf('abc', 'abc.txt', 'text/plain'));
    const [upload] = await control.uploads();
    assert.deepEqual([upload.fileName, upload.contentType, upload.size, upload.sha256],
      ['abc.txt', 'text/plain', 3, 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad']);
  });

  it('an unknown operation is a 404', async () => {
    const response = await fetch(`${imitation.url}/__imitation/no-such-thing`);
    assert.equal(response.status, 404);
  });
});

describe('fal imitation: command line', () => {
  let child: ChildProcess | undefined;

  afterEach(() => {
    if (child && child.exitCode === null) {
      child.kill('SIGKILL');
    }
  });

  async function startCli(args: string[]): Promise<{ url: string; process: ChildProcess }> {
    const started = spawn(process.execPath, [path.join(__dirname, 'main.js'), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    child = started;
    const lines = createInterface({ input: started.stdout });
    for await (const line of lines) {
      const match = /^FAL_IMITATION_URL=(http:\/\/\S+)$/.exec(line);
      if (match) {
        return { url: match[1], process: started };
      }
    }
    throw new Error('the CLI ended without printing FAL_IMITATION_URL');
  }

  it('prints FAL_IMITATION_URL, serves fal and the control API, and exits cleanly on SIGTERM', async () => {
    const { url, process: cli } = await startCli(['--port', '0', '--realistic']);
    const control = new FalImitationControl(url);
    assert.deepEqual(await control.health(), { ok: true, url });
    assert.deepEqual((await control.config()).timing, REALISTIC_TIMING);
    const exited = once(cli, 'exit');
    cli.kill('SIGTERM');
    const [code] = await exited;
    assert.equal(code, 0);
  });

  it('--demo-errors: a key with id "rejected" is refused, and prompts with sandbox:422 or sandbox:500 fail as fal fails', async () => {
    const { url } = await startCli(['--port', '0', '--demo-errors']);
    const submit = (key: string, prompt: string) => fetch(`${url}/fal-ai/fast-animatediff/turbo/text-to-video`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Key ${key}`, 'x-fal-imitation-host': 'queue.fal.run' },
      body: JSON.stringify({ prompt }),
    });
    assert.equal((await submit('rejected:anything', 'a fox')).status, 401);
    const fieldError = await submit('demo:key', 'a fox, sandbox:422');
    assert.equal(fieldError.status, 422);
    assert.deepEqual(((await fieldError.json()) as { detail: Array<{ loc: string[] }> }).detail[0].loc, ['body', 'prompt']);
    assert.equal((await submit('demo:key', 'sandbox:500 a fox')).status, 500);
    assert.equal((await submit('demo:key', 'sandbox:422 again')).status, 422, 'as often as it is tried');
    assert.equal((await submit('demo:key', 'a plain fox')).status, 200);
  });

  it('refuses unknown arguments', async () => {
    const cli = spawn(process.execPath, [path.join(__dirname, 'main.js'), '--bogus'], { stdio: 'ignore' });
    child = cli;
    const [code] = await once(cli, 'exit');
    assert.equal(code, 2);
  });
});
