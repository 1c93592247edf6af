import * as assert from 'node:assert/strict';
import { ResumeManager, STALE_OWNER_CHECKS } from '../../../../src/history/jobs/resume';
import type { NewHistoryEntry } from '../../../../src/history/store/entry';
import type { GenerationOutcome, ResumableJob } from '../../../../src/model/generation';
import type { Interaction } from '../../../../src/ui/interaction';
import { MemoryJobStore, quietLog } from './memoryJobStore';

/** Every process id a test knows, and whether it still runs. */
class Processes {
  private readonly dead = new Set<number>();

  isAlive = (pid: number): boolean => !this.dead.has(pid);

  kill(pid: number): void {
    this.dead.add(pid);
  }
}

/** The generation service of one window, as resume uses it: it follows a job until the test says how it ended. */
class FakeService {
  readonly resumed: ResumableJob[] = [];
  private readonly running = new Map<string, (outcome: GenerationOutcome) => void>();
  /** What `resume` answers at once instead of following (e.g. no key). */
  refuse: GenerationOutcome | undefined;

  resume = (job: ResumableJob): Promise<GenerationOutcome> => {
    if (this.refuse) {
      return Promise.resolve(this.refuse);
    }
    this.resumed.push(job);
    return new Promise((resolve) => this.running.set(job.id, (outcome) => {
      this.running.delete(job.id);
      resolve(outcome);
    }));
  };

  isRunning = (id: string): boolean => this.running.has(id);

  finish(id: string): void {
    this.running.get(id)?.({ kind: 'cancelled' });
  }
}

const silent: Interaction = {
  error: async () => undefined,
  warning: async () => undefined,
  info: async () => undefined,
  input: async () => undefined,
  pick: async () => undefined,
};

/** One VS Code window's resume manager over the shared history. */
function windowOf(pid: number, store: MemoryJobStore, processes: Processes, reachable = { value: true }) {
  const service = new FakeService();
  const resume = new ResumeManager({
    store: async () => store,
    identity: { pid, isProcessAlive: processes.isAlive },
    windowReachable: () => reachable.value,
    service,
    interaction: silent,
    log: quietLog,
    present: () => undefined,
    openLog: async () => undefined,
    rerun: async () => undefined,
    revealInHistory: async () => undefined,
    setApiKey: () => undefined,
  });
  return { pid, service, resume, reachable };
}

function unfinished(prompt: string, extra: Partial<NewHistoryEntry>): NewHistoryEntry {
  return { endpoint: 'fal-ai/fast-animatediff/turbo/text-to-video', input: { prompt }, source: { kind: 'prompt' }, status: 'running', ...extra };
}

describe('resuming jobs (several windows over an in-memory history)', () => {
  let store: MemoryJobStore;
  let processes: Processes;
  const managers: ResumeManager[] = [];
  const open = (pid: number, reachable = { value: true }) => {
    const window = windowOf(pid, store, processes, reachable);
    managers.push(window.resume);
    return window;
  };

  beforeEach(() => {
    store = new MemoryJobStore();
    processes = new Processes();
  });

  afterEach(() => managers.splice(0).forEach((manager) => manager.dispose()));

  it('of two windows that start together, exactly one resumes each job a closed window left', async () => {
    processes.kill(900);
    const ids = ['one', 'two', 'three', 'four'].map((name) => store.seed(unfinished(`left ${name}`, { requestId: `r-${name}`, ownerPid: 900 })).id);
    const a = open(901);
    const b = open(902);
    const [fromA, fromB] = await Promise.all([a.resume.resumeUnfinished(), b.resume.resumeUnfinished()]);
    assert.deepEqual([...fromA.resumed, ...fromB.resumed].sort(), [...ids].sort(), 'every job is resumed');
    assert.equal(new Set([...fromA.resumed, ...fromB.resumed]).size, ids.length, 'and none twice');
    assert.equal(a.service.resumed.length + b.service.resumed.length, ids.length);
    for (const id of ids) {
      const owner = store.get(id)?.ownerPid;
      assert.equal(owner, fromA.resumed.includes(id) ? 901 : 902, 'owned by the window that follows it');
    }
  });

  it('leaves a job whose owner runs; takes it at the next check once the owner is gone', async () => {
    const job = store.seed(unfinished('still followed', { requestId: 'r-1', ownerPid: 901 }));
    const other = open(902);
    other.resume.watchOtherWindows(store);
    assert.deepEqual((await other.resume.resumeUnfinished()).resumed, []);
    await other.resume.checkOtherWindows();
    assert.equal(other.service.resumed.length, 0);
    processes.kill(901);
    await other.resume.checkOtherWindows();
    assert.deepEqual(other.service.resumed.map((resumed) => resumed.id), [job.id]);
    assert.equal(store.get(job.id)?.ownerPid, 902);
  });

  it('takes over a job whose live-looking owner has not marked it for five minutes of checks, and not one marked meanwhile', async () => {
    const quiet = store.seed(unfinished('owner hung', { requestId: 'r-2', ownerPid: 901 }));
    const marked = store.seed(unfinished('owner alive', { requestId: 'r-3', ownerPid: 903 }));
    const other = open(902);
    other.resume.watchOtherWindows(store);
    for (let check = 0; check < STALE_OWNER_CHECKS; check++) {
      await other.resume.checkOtherWindows();
      await store.update(marked.id, { ownerPid: 903 }); // its owner's heartbeat
    }
    assert.equal(other.service.resumed.length, 0, 'not before the checks are up');
    await other.resume.checkOtherWindows();
    assert.deepEqual(other.service.resumed.map((resumed) => resumed.id), [quiet.id]);
    assert.equal(store.get(marked.id)?.ownerPid, 903, 'a job its owner marks stays its owner\'s');
  });

  it('a window that does not answer claims nothing, not even the jobs it let go of', async () => {
    processes.kill(900);
    const job = store.seed(unfinished('left behind', { requestId: 'r-4', ownerPid: 900 }));
    const unreachable = open(901, { value: false });
    assert.deepEqual((await unreachable.resume.resumeUnfinished()).resumed, []);
    assert.equal(store.get(job.id)?.ownerPid, 900);
    const answering = open(902);
    assert.deepEqual((await answering.resume.resumeUnfinished()).resumed, [job.id]);
  });

  it('a job left before fal accepted it is marked failed, by one window only', async () => {
    processes.kill(900);
    const job = store.seed(unfinished('never sent', { status: 'submitting', ownerPid: 900 }));
    const [a, b] = await Promise.all([open(901).resume.resumeUnfinished(), open(902).resume.resumeUnfinished()]);
    assert.deepEqual([...a.interrupted, ...b.interrupted], [job.id]);
    assert.equal(store.get(job.id)?.status, 'failed');
    assert.equal(store.get(job.id)?.error?.kind, 'interrupted');
  });

  it('a job claimed while no key is set stays this window\'s, waits, and is followed when the key arrives', async () => {
    processes.kill(900);
    const job = store.seed(unfinished('waits for a key', { requestId: 'r-5', ownerPid: 900 }));
    const here = open(901);
    here.service.refuse = { kind: 'notStarted', reason: 'no key' };
    const report = await here.resume.resumeUnfinished();
    await report.outcomes;
    assert.ok(here.resume.isWaiting(job.id));
    assert.equal(store.get(job.id)?.ownerPid, 901);

    const other = open(902);
    assert.deepEqual((await other.resume.resumeUnfinished()).resumed, [], 'another window does not take a job that waits here');

    here.service.refuse = undefined;
    void here.resume.retryWaiting();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(here.service.resumed.map((resumed) => resumed.id), [job.id]);
    assert.equal(here.resume.isWaiting(job.id), false);
    here.service.finish(job.id);
  });
});
