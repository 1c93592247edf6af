import type * as vscode from 'vscode';
import { isProcessAlive } from '../../files/durableFs';
import { isUnfinished, type HistoryEntry } from '../store/entry';
import { OWNER_HEARTBEAT_MS } from '../store/historyStore';
import type { GenerationService } from '../../generation/generationService';
import type { GenerationOutcome, GenerationRecord } from '../../model/generation';
import type { Interaction } from '../../ui/interaction';
import { Disposable } from '../../util/dispose';
import { entryName, errorText } from '../view/format';
import { canFollowAgain, resumableJobOf } from '../records';
import type { JobStore, WindowIdentity } from './jobStore';
import { l10n } from '../../l10n/l10n';

/** While another window's unfinished jobs are in the history, check this often whether that window is gone. */
const OWNER_CHECK_MS = 2000;
/**
 * A job whose live-looking owner has not marked it (OWNER_HEARTBEAT_MS) for this many checks in a row is taken
 * over: after a crash its process id can belong to something else. Counted in checks, not by the wall clock, so a
 * system sleep (which stops the checks and the owner's heartbeat alike) does not make a live owner look gone.
 */
export const STALE_OWNER_CHECKS = (5 * OWNER_HEARTBEAT_MS) / OWNER_CHECK_MS;

export interface ResumeReport {
  /** Entries picked up again from fal's queue by this window. */
  resumed: string[];
  /** Entries the window left before fal accepted them: marked failed. */
  interrupted: string[];
  /** Settles when every resumed job has ended. */
  outcomes: Promise<Array<{ id: string; outcome: GenerationOutcome }>>;
}

export interface ResumeDeps {
  store(): Promise<JobStore | undefined>;
  /** This window among the others; by default the running process. */
  identity?: WindowIdentity;
  /** False while this host's window does not answer: then it must not take jobs over. */
  windowReachable(): boolean;
  service: Pick<GenerationService, 'resume' | 'isRunning'>;
  interaction: Interaction;
  log: Pick<vscode.LogOutputChannel, 'info' | 'warn'>;
  /** Shows a resumed job's result in the video panel (its local copy is in the history by then). */
  present(record: GenerationRecord): void;
  openLog(id: string): Promise<void>;
  rerun(id: string): Promise<unknown>;
  revealInHistory(id: string): Promise<void>;
  /** Asks for the fal key ("AnimateDiff: Set fal API Key"). */
  setApiKey(): void;
}

/**
 * Picks up jobs that a reloaded or closed window left running on fal: at start, and whenever the window that
 * followed a job goes away (its extension host ends, or lets go of the job because its window stopped
 * answering). Claims go through the store, so of several windows exactly one resumes each job.
 */
export class ResumeManager extends Disposable {
  private timer: NodeJS.Timeout | undefined;
  private claiming: Promise<ResumeReport> | undefined;
  private watched: { dispose(): void } | undefined;
  private watchedStore: JobStore | undefined;
  /** Jobs this window claimed but could not follow yet (no key, or invalid settings): tried again when those change. */
  private readonly waiting = new Set<string>();
  /** Whether the user was told that jobs wait for a key (once: they were asked for it already). */
  private toldWaitingForKey = false;
  /** Jobs claimed by this window and on their way to being followed. */
  private readonly resuming = new Set<string>();
  /** Other windows' unfinished jobs: the `updatedAt` last seen, and for how many checks in a row it stayed so. */
  private readonly unchanged = new Map<string, { updatedAt: number; checks: number }>();

  private readonly identity: WindowIdentity;
  private holds = 0;

  constructor(private readonly deps: ResumeDeps) {
    super();
    this.identity = deps.identity ?? { pid: process.pid, isProcessAlive };
    this._register({
      dispose: () => {
        this.stopWatching();
        this.watched?.dispose();
      },
    });
  }

  /** Claims the unfinished jobs no live window follows and resumes them; resolves once they are claimed. */
  resumeUnfinished(): Promise<ResumeReport> {
    // One claim at a time; a second caller gets the same answer.
    this.claiming ??= this.claimAndResume().finally(() => {
      this.claiming = undefined;
    });
    return this.claiming;
  }

  /** Whether this process follows the job: running it, about to, or waiting for a key to. */
  followsHere(id: string): boolean {
    return this.resuming.has(id) || this.waiting.has(id) || this.deps.service.isRunning(id);
  }

  /**
   * Whether an unfinished job has nobody following it: no owner; this process's id but not followed here (a
   * previous extension host with the same id, or let go of); an owner process that is gone; or one that has not
   * marked the job for STALE_OWNER_CHECKS checks.
   */
  private isAbandoned(entry: HistoryEntry): boolean {
    if (entry.ownerPid === undefined) {
      return true;
    }
    if (entry.ownerPid === this.identity.pid) {
      return !this.followsHere(entry.id);
    }
    return !this.identity.isProcessAlive(entry.ownerPid) || (this.unchanged.get(entry.id)?.checks ?? 0) >= STALE_OWNER_CHECKS;
  }

  /** Whether this window holds the job but waits for a key or valid settings to follow it again. */
  isWaiting(id: string): boolean {
    return this.waiting.has(id);
  }

  /** Tries again to follow the jobs that waited for a key or valid settings (call when either changes). */
  async retryWaiting(): Promise<Array<{ id: string; outcome: GenerationOutcome }>> {
    const store = await this.deps.store();
    if (!store || this.isDisposed || this.waiting.size === 0) {
      return [];
    }
    const entries = [...this.waiting].flatMap((id) => {
      this.waiting.delete(id);
      const entry = store.get(id);
      return entry && isUnfinished(entry) && entry.ownerPid === this.identity.pid ? [entry] : [];
    });
    return Promise.all(entries.map(async (entry) => ({ id: entry.id, outcome: await this.resume(store, entry, false) })));
  }

  /** Follows a job again that failed because fal could not be reached; undefined when it cannot be. */
  async followAgain(id: string): Promise<GenerationOutcome | undefined> {
    const store = await this.deps.store();
    const entry = store?.get(id);
    if (!store || !entry || !canFollowAgain(entry) || this.deps.service.isRunning(id)) {
      return undefined;
    }
    const reopened = await store.update(id, { status: 'running', error: undefined, ownerPid: this.identity.pid, timings: { ...entry.timings, completedAt: undefined } });
    return reopened ? this.resume(store, reopened, true, l10n.t('fal could not be reached while it ran')) : undefined;
  }

  /**
   * While the history holds unfinished jobs this process does not own, re-reads it now and then (their progress
   * shows) and resumes those whose window is gone.
   */
  watchOtherWindows(store: JobStore): void {
    this.watched?.dispose();
    this.watched = store.onDidChange(() => this.scheduleCheck());
    this.watchedStore = store;
    this.scheduleCheck();
  }

  /** Holds the timed checks until the returned handle is disposed (then checks soon); resolves once none runs. */
  async holdChecks(): Promise<{ dispose(): void }> {
    this.holds++;
    this.stopWatching();
    await this.claiming?.catch(() => undefined);
    let released = false;
    return {
      dispose: () => {
        if (!released) {
          released = true;
          this.holds--;
          this.scheduleCheck();
        }
      },
    };
  }

  /** Checks soon (e.g. the window answers again). */
  scheduleCheck(): void {
    if (!this.timer && !this.isDisposed && this.watchedStore && this.holds === 0) {
      this.timer = setTimeout(() => void this.checkOtherWindows(), OWNER_CHECK_MS);
    }
  }

  /** What the timer does while other windows' jobs are unfinished: follows their progress, resumes those left. */
  async checkOtherWindows(): Promise<void> {
    this.timer = undefined;
    const store = this.watchedStore;
    if (this.isDisposed || !store) {
      return;
    }
    const others = store.unfinishedEntries().filter((entry) => entry.ownerPid !== this.identity.pid);
    for (const id of [...this.unchanged.keys()]) {
      if (!others.some((entry) => entry.id === id)) {
        this.unchanged.delete(id);
      }
    }
    for (const entry of others) {
      const seen = this.unchanged.get(entry.id);
      this.unchanged.set(entry.id, seen?.updatedAt === entry.updatedAt ? { updatedAt: entry.updatedAt, checks: seen.checks + 1 } : { updatedAt: entry.updatedAt, checks: 0 });
    }
    if (others.length === 0) {
      return;
    }
    try {
      const orphaned = others.some((entry) => this.isAbandoned(entry));
      if (orphaned && this.deps.windowReachable()) {
        await this.resumeUnfinished();
      } else {
        await store.refresh();
      }
    } catch (error) {
      this.deps.log.warn(`Checking other windows' generations failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    this.scheduleCheck();
  }

  private stopWatching(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private async claimAndResume(): Promise<ResumeReport> {
    const store = await this.deps.store();
    if (!store || this.isDisposed) {
      return { resumed: [], interrupted: [], outcomes: Promise.resolve([]) };
    }
    // Judged under the lock as the claim is written: a window that stopped answering meanwhile (and has let go of its
    // own jobs for the next window) claims nothing, not even what it just let go of.
    const claimed = await store.claimUnfinished((entry) => this.deps.windowReachable() && this.isAbandoned(entry), this.identity.pid);
    if (claimed.interrupted.length > 0) {
      this.reportInterrupted(claimed.interrupted);
    }
    // A job this process still follows was let go of while the window did not answer: owning it again is all.
    const toResume = claimed.resumable.filter((entry) => !this.deps.service.isRunning(entry.id));
    toResume.forEach((entry) => this.resuming.add(entry.id));
    const outcomes = toResume.map(async (entry) => {
      try {
        return { id: entry.id, outcome: await this.resume(store, entry) };
      } finally {
        this.resuming.delete(entry.id);
      }
    });
    return {
      resumed: toResume.map((entry) => entry.id),
      interrupted: claimed.interrupted.map((entry) => entry.id),
      outcomes: Promise.all(outcomes),
    };
  }

  /** `askForKey`: prompt for a missing key (at start), or stay quiet and keep waiting (a retry). */
  private async resume(store: JobStore, entry: HistoryEntry, askForKey = true, why?: string): Promise<GenerationOutcome> {
    const job = resumableJobOf(entry);
    if (!job) {
      return { kind: 'notStarted', reason: 'no fal request id' };
    }
    job.request.label = entryName(entry);
    this.deps.log.info(`[${job.requestId}] picking up “${job.request.label}” again: ${why ?? `it was ${entry.status} when the window that ran it closed`}`);
    let outcome: GenerationOutcome;
    try {
      outcome = await this.deps.service.resume(job, { interactive: false, askForKey });
    } catch (error) {
      outcome = { kind: 'notStarted', reason: error instanceof Error ? error.message : String(error) };
    }
    switch (outcome.kind) {
      case 'done':
        this.deps.present(outcome.record);
        break;
      case 'failed': {
        const failed = store.get(entry.id);
        const message = (failed && errorText(failed)) ?? outcome.failure.message;
        const rerun = l10n.t('Re-run');
        const checkAgain = l10n.t('Check fal Again');
        const openLog = l10n.t('Open Log');
        const actions = failed && canFollowAgain(failed) ? [checkAgain, openLog] : [rerun, openLog];
        const text = why
          ? l10n.t('“{0}” failed again: {1}', entryName(entry), message)
          : l10n.t('A generation from before the reload failed: {0}', message);
        void this.deps.interaction.error(text, ...actions).then((choice) => {
          if (choice === rerun) {
            void this.deps.rerun(entry.id);
          } else if (choice === checkAgain) {
            this.followAgain(entry.id).catch((error: unknown) => this.logFailure('Check fal Again', error));
          } else if (choice === openLog) {
            void this.deps.openLog(entry.id);
          }
        });
        break;
      }
      case 'cancelled':
        break;
      case 'notStarted':
        // No key, or invalid settings (the user was told). It stays this window's, and is tried again as soon as
        // the key or the settings change (or at the next start).
        this.waiting.add(entry.id);
        this.deps.log.warn(`[${job.requestId}] not picked up again yet (${outcome.reason}); it is followed as soon as that is fixed`);
        if (outcome.reason === 'no key' && askForKey && !this.toldWaitingForKey) {
          this.toldWaitingForKey = true;
          const setKey = l10n.t('Set API Key');
          void this.deps.interaction.info(l10n.t('Generations from before the reload are still on fal and wait for a fal API key: they go on as soon as one is set.'), setKey)
            .then((choice) => {
              if (choice === setKey) {
                this.deps.setApiKey();
              }
            });
        }
        break;
    }
    return outcome;
  }

  private logFailure(action: string, error: unknown): void {
    this.deps.log.warn(`${action} failed: ${error instanceof Error ? error.message : String(error)}`);
  }

  private reportInterrupted(entries: readonly HistoryEntry[]): void {
    const [first] = entries;
    const message = entries.length === 1
      ? l10n.t('“{0}” never reached fal: the window closed before fal accepted it. It is marked failed in the history.', entryName(first))
      : l10n.t('{0} generations never reached fal: the window closed before fal accepted them. They are marked failed in the history.', entries.length);
    this.deps.log.warn(message);
    const rerun = l10n.t('Re-run');
    const show = l10n.t('Show in History');
    const actions = entries.length === 1 ? [rerun, show] : [show];
    void this.deps.interaction.warning(message, {}, ...actions).then((choice) => {
      if (choice === rerun) {
        void this.deps.rerun(first.id);
      } else if (choice === show) {
        this.deps.revealInHistory(first.id).catch((error: unknown) => this.logFailure('Show in History', error));
      }
    });
  }
}
