import * as assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { HistoryJournal } from '../../../../src/history/jobs/journal';
import { HistoryStore } from '../../../../src/history/store/historyStore';
import { FalFailure } from '../../../../src/model/failure';
import type { GenerationRecord, RunningJob } from '../../../../src/model/generation';
import { historyOnDisk, useTempFolder } from '../support';
import { MemoryJobStore, quietLog } from './memoryJobStore';

const HERE = 4101;
const OTHER = 4102;

function runningJob(prompt: string): RunningJob {
  return {
    id: randomUUID(),
    label: prompt,
    endpoint: 'fal-ai/fast-animatediff/turbo/text-to-video',
    request: { input: { prompt, num_frames: 16 }, source: { kind: 'prompt' } },
    startedAt: 1_000_000,
    requestId: undefined,
    state: 'submitting',
    resultReady: false,
    queuePosition: undefined,
    lastLog: undefined,
    cancel: () => undefined,
  };
}

function recordOf(job: RunningJob, seed: number): GenerationRecord {
  return {
    id: job.id,
    endpoint: job.endpoint,
    input: job.request.input,
    source: job.request.source,
    requestId: job.requestId ?? 'request-1',
    seed,
    videoUrl: `https://v3.fal.media/files/${job.id}.mp4`,
    contentType: 'video/mp4',
    createdAt: job.startedAt,
    totalMs: 2500,
    inferenceSeconds: 1.5,
    sandbox: false,
  };
}

/** Waits until the journal's fire-and-forget updates (state, queue position) have reached the store. */
async function settled(condition: () => boolean, what: string): Promise<void> {
  for (let turn = 0; !condition(); turn++) {
    if (turn > 1000) {
      throw new Error(`never happened: ${what}`);
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('history journal (with an in-memory store)', () => {
  let store: MemoryJobStore;
  let journal: HistoryJournal;
  let writeProblems: unknown[];

  beforeEach(() => {
    store = new MemoryJobStore();
    writeProblems = [];
    journal = new HistoryJournal({ store: async () => store, pid: HERE, log: quietLog, onWriteProblem: (error) => writeProblems.push(error) });
  });

  afterEach(() => journal.dispose());

  it('records a job before it is sent, follows it, and keeps its video before it is done', async () => {
    const job = runningJob('a heron in the reeds');
    await journal.started(job, false);
    assert.equal(store.get(job.id)?.status, 'submitting');
    assert.equal(store.get(job.id)?.ownerPid, HERE, 'owned by the window that sent it');

    job.requestId = 'request-1';
    job.state = 'queued';
    job.queuePosition = 2;
    journal.updated(job);
    await settled(() => store.get(job.id)?.queuePosition === 2, 'the queue position');
    assert.equal(store.get(job.id)?.requestId, 'request-1', 'the request id, which resume needs');

    job.state = 'running';
    journal.updated(job);
    journal.logged(job, 'step 1/4');
    journal.logged(job, 'step 2/4');
    await settled(() => store.get(job.id)?.status === 'running', 'running');
    assert.equal(store.get(job.id)?.queuePosition, undefined);
    assert.ok(store.get(job.id)?.timings.startedAt !== undefined);

    const kept: Array<string | undefined> = [];
    journal.onDidKeepCopy((id) => kept.push(id));
    await journal.finished(job, { kind: 'done', record: recordOf(job, 77) });
    const done = store.get(job.id);
    assert.equal(done?.status, 'done');
    assert.equal(done?.seed, 77);
    assert.equal(done?.ownerPid, undefined, 'a finished job has no owner');
    assert.deepEqual(done?.video, { file: `videos/${job.id}.mp4`, bytes: 1234, contentType: 'video/mp4' });
    assert.deepEqual(done?.logs, ['step 1/4', 'step 2/4'], 'the log lines are flushed before the outcome');
    assert.deepEqual(store.downloads, [recordOf(job, 77).videoUrl]);
    await settled(() => kept.length === 1, 'the copy to be announced');
    assert.deepEqual(kept, [job.id], 'pruning may now run, protecting this video');
    assert.deepEqual(writeProblems, []);
  });

  it('a video that cannot be downloaded leaves the entry done with the reason; a later pass keeps it, a gone link is not tried again', async () => {
    const job = runningJob('a lantern in fog');
    await journal.started(job, false);
    job.requestId = 'request-2';
    store.download = async () => {
      throw new Error('connect ECONNREFUSED');
    };
    await journal.finished(job, { kind: 'done', record: recordOf(job, 5) });
    assert.equal(store.get(job.id)?.status, 'done');
    assert.equal(store.get(job.id)?.error?.kind, 'download');
    assert.match(store.get(job.id)?.error?.message ?? '', /ECONNREFUSED/);

    store.download = async () => 99;
    assert.equal(await journal.retryMissingCopies(), 1);
    assert.equal(store.get(job.id)?.error, undefined);
    assert.equal(store.get(job.id)?.video?.bytes, 99);

    const gone = runningJob('a moth at a window');
    await journal.started(gone, false);
    gone.requestId = 'request-3';
    store.download = async () => {
      throw new Error('Could not download the video: HTTP 404 Not Found');
    };
    await journal.finished(gone, { kind: 'done', record: recordOf(gone, 6) });
    const before = store.downloads.length;
    assert.equal(await journal.retryMissingCopies(), 0);
    assert.equal(await journal.retryMissingCopies(), 0);
    assert.equal(store.downloads.length, before + 1, 'an expired link is tried once more, then not again in this window');
  });

  it('writes nothing to a job another window took over', async () => {
    const job = runningJob('a tram at night');
    await journal.started(job, false);
    job.requestId = 'request-4';
    await store.update(job.id, { ownerPid: OTHER, requestId: 'request-4' });
    job.state = 'running';
    journal.updated(job);
    await journal.finished(job, { kind: 'cancelled' });
    const entry = store.get(job.id);
    assert.equal(entry?.ownerPid, OTHER);
    assert.equal(entry?.status, 'submitting', 'the other window records its outcome');
  });

  it('when the window stops answering, lets go of the jobs fal has accepted, and of those fal accepts later', async () => {
    const accepted = runningJob('a kite over dunes');
    const sending = runningJob('a paper crane');
    await journal.started(accepted, false);
    await journal.started(sending, false);
    accepted.requestId = 'request-5';
    accepted.state = 'queued';
    journal.updated(accepted);
    await settled(() => store.get(accepted.id)?.requestId === 'request-5', 'the request id');

    await journal.setWindowReachable(false);
    assert.equal(store.get(accepted.id)?.ownerPid, undefined, 'left for the next window to resume');
    assert.equal(store.get(sending.id)?.ownerPid, HERE, 'fal has not accepted it yet: nothing to resume elsewhere');

    sending.requestId = 'request-6';
    sending.state = 'queued';
    journal.updated(sending);
    await settled(() => store.get(sending.id)?.requestId === 'request-6', 'the late request id');
    assert.equal(store.get(sending.id)?.ownerPid, undefined, 'let go of as soon as fal has it');
  });

  it('a job deleted from the history while it runs is not brought back; a failure is recorded with its reason', async () => {
    const deleted = runningJob('a snail on a leaf');
    await journal.started(deleted, false);
    await store.delete(deleted.id);
    await journal.finished(deleted, { kind: 'done', record: recordOf(deleted, 1) });
    assert.equal(store.get(deleted.id), undefined);
    assert.deepEqual(store.downloads, []);

    const failed = runningJob('a broken clock');
    await journal.started(failed, false);
    await journal.finished(failed, { kind: 'failed', failure: new FalFailure('server', 'fal had a server problem (500).', { requestId: 'request-7' }) });
    assert.deepEqual(store.get(failed.id)?.error, { kind: 'server', message: 'fal had a server problem (500).' });
    assert.equal(store.get(failed.id)?.requestId, 'request-7');
    assert.equal(store.get(failed.id)?.ownerPid, undefined);
  });

  it('a resumed job fal no longer knows is marked lost, not as fal\'s 404', async () => {
    const entry = store.seed({ endpoint: 'e/p', input: { prompt: 'a lost job' }, source: { kind: 'prompt' }, status: 'running', requestId: 'request-8', ownerPid: HERE });
    const job = { ...runningJob('a lost job'), id: entry.id, requestId: 'request-8', state: 'queued' as const };
    await journal.started(job, true);
    await journal.finished(job, { kind: 'failed', failure: new FalFailure('notFound', 'fal does not know this request (404).') });
    assert.equal(store.get(entry.id)?.error?.kind, 'lost');
    assert.match(store.get(entry.id)?.error?.message ?? '', /request-8/);
  });
});

describe('history journal (with the store on disk)', () => {
  const temp = useTempFolder();
  /** Enough of an MP4 for the download's check that it is a video. */
  const video = Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypisom'), Buffer.alloc(4096, 7)]);
  let server: Server;
  let videoUrl: string;

  before(async () => {
    server = createServer((_request, response) => response.writeHead(200, { 'content-type': 'video/mp4', 'content-length': video.length }).end(video));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    videoUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/files/clip.mp4`;
  });

  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('has the result in hand once its video is in place, before the write that it is done; until then the job is resumable on disk', async () => {
    let writes: Promise<void> | undefined;
    let release = () => undefined as void;
    const { store } = await HistoryStore.open(temp.path, { whileLocked: () => writes });
    const journal = new HistoryJournal({ store: async () => store, pid: HERE, log: quietLog, onWriteProblem: (error) => assert.fail(String(error)) });
    try {
      const job = runningJob('a lighthouse in a storm');
      await journal.started(job, false);
      job.requestId = 'request-9';
      job.state = 'running';
      journal.updated(job);
      await settled(() => store.get(job.id)?.status === 'running', 'running');
      await store.flush();

      // Every write from now on waits until released.
      writes = new Promise<void>((resolve) => {
        release = resolve;
      });
      let finished = false;
      let toldInHand = () => undefined as void;
      const inHand = new Promise<void>((resolve) => {
        toldInHand = resolve;
      });
      const finishing = journal.finished(job, { kind: 'done', record: { ...recordOf(job, 9), videoUrl } }, toldInHand).then(() => {
        finished = true;
      });
      // Were the result in hand only once written, this would wait for ever (the writes wait for the release).
      await inHand;
      assert.equal(finished, false, 'in hand before the history has written it');
      const shown = store.get(job.id);
      assert.equal(shown?.status, 'done');
      assert.ok(shown?.video && existsSync(path.join(temp.path, shown.video.file)), 'its local copy is in place');
      const onDisk = historyOnDisk(temp.path).entries.get(job.id);
      assert.equal(onDisk?.status, 'running', 'a window closed now leaves the job unfinished');
      assert.equal(onDisk?.requestId, 'request-9', 'and resumable');

      release();
      await finishing;
      assert.equal(historyOnDisk(temp.path).entries.get(job.id)?.status, 'done');
    } finally {
      release();
      journal.dispose();
      store.dispose();
    }
  });
});
