import type * as vscode from 'vscode';
import { isUnfinished, LOST_ERROR_KIND, type HistoryEntry, type HistoryEntryPatch, type HistoryError, type HistoryTimings } from '../store/entry';
import { l10n } from '../../l10n/l10n';
import type { GenerationJournal } from '../../generation/generationService';
import type { GenerationOutcome, GenerationRecord, RunningJob } from '../../model/generation';
import { Listeners } from '../../util/listeners';
import { redact, secrets } from '../../util/redaction';
import { messageOf } from '../../util/text';
import type { DownloadLimits } from '../../files/videoDownload';
import type { JobStore } from './jobStore';
import { storedCharge } from '../records';

/** How long the local copy of a finished video may take to download before the panel plays fal's URL instead. */
const DOWNLOAD_TIMEOUT_MS = 120_000;
/** fal log lines are written in small batches, not one index write per line. */
const LOG_FLUSH_DELAY_MS = 400;

export interface JournalDeps {
  /** The opened store; undefined when it could not be opened (generations still work, unrecorded). */
  store(): Promise<JobStore | undefined>;
  /** This extension host: by default the running process. */
  pid?: number;
  log: Pick<vscode.LogOutputChannel, 'info' | 'warn'>;
  /** A write of the history failed. */
  onWriteProblem(error: unknown): void;
  /** The limits of downloads (the largest video, from the settings). */
  downloadLimits?(): Partial<DownloadLimits>;
}

/** fal's answers are small; a huge one (a hostile or broken answer) is not worth keeping in every window's history. */
const MAX_KEPT_RESULT_CHARS = 16 * 1024;

function keepable(result: unknown): unknown {
  if (result === undefined) {
    return undefined;
  }
  const text = JSON.stringify(result) as string | undefined;
  return text !== undefined && text.length <= MAX_KEPT_RESULT_CHARS ? secrets.redactDeep(result) : undefined;
}

/**
 * Keeps every job in the history from the moment it starts: its request, fal's request id as soon as fal accepts
 * it, queue position and state, log lines, and the outcome. A finished video is downloaded into the history
 * (streamed to disk) before the service shows it; an entry becomes `done` only once that is settled, so a window
 * reload during the download resumes the job and fetches the video again.
 *
 * It writes only entries this process owns. A host whose window went away lets go of its jobs ({@link release})
 * so the next window resumes them, and stops writing to them.
 */
export class HistoryJournal implements GenerationJournal, vscode.Disposable {
  private readonly resumedIds = new Set<string>();
  /** Jobs this process follows right now. */
  private readonly followed = new Set<string>();
  private windowReachable = true;
  private readonly pendingLogs = new Map<string, string[]>();
  private logTimer: NodeJS.Timeout | undefined;
  private readonly disposal = new AbortController();
  /** The pass downloading missing local copies again, while one runs. */
  private retrying: Promise<number> | undefined;
  /** fal URLs that answered "gone" (HTTP 403, 404, 410): not tried again in this window. */
  private readonly expiredUrls = new Set<string>();

  private readonly copyKept = new Listeners<string | undefined>();
  /**
   * A local copy of a video was kept (the generation's id; undefined after a pass that kept several): the history's
   * limits may now be exceeded.
   */
  readonly onDidKeepCopy = this.copyKept.event;

  private readonly pid: number;

  constructor(private readonly deps: JournalDeps) {
    this.pid = deps.pid ?? process.pid;
  }

  async started(job: RunningJob, resumed: boolean): Promise<void> {
    this.followed.add(job.id);
    const store = await this.deps.store();
    if (!store) {
      return;
    }
    try {
      if (resumed) {
        this.resumedIds.add(job.id);
        await store.update(job.id, { ownerPid: this.pid, error: undefined });
        return;
      }
      await store.add({
        id: job.id,
        createdAt: job.startedAt,
        status: 'submitting',
        endpoint: job.endpoint,
        input: job.request.input,
        source: { kind: job.request.source.kind, ...(job.request.source.file ? { file: job.request.source.file } : {}) },
        timings: { submittedAt: job.startedAt },
        ownerPid: this.pid,
      });
    } catch (error) {
      this.deps.onWriteProblem(error);
    }
  }

  updated(job: RunningJob): void {
    void this.deps.store().then((store) => {
      const entry = store?.get(job.id);
      if (!store || !entry || !isUnfinished(entry) || !this.ownedHere(entry)) {
        return;
      }
      const patch: HistoryEntryPatch = {};
      if (entry.status !== job.state) {
        patch.status = job.state;
      }
      const position = job.state === 'queued' ? job.queuePosition : undefined;
      if (entry.queuePosition !== position) {
        patch.queuePosition = position;
      }
      if (job.requestId !== undefined && entry.requestId !== job.requestId) {
        patch.requestId = job.requestId;
      }
      if (job.state === 'running' && entry.timings.startedAt === undefined) {
        patch.timings = { ...entry.timings, startedAt: Date.now() };
      }
      if (!this.windowReachable && (patch.requestId ?? entry.requestId) !== undefined) {
        // fal has the job now: the next window can resume it.
        patch.ownerPid = undefined;
      }
      const keys = Object.keys(patch);
      if (keys.length > 0) {
        // A queue position alone is stale within seconds: not worth a flush to disk.
        const durable = !(keys.length === 1 && keys[0] === 'queuePosition');
        store.update(job.id, patch, { durable }).catch((error: unknown) => this.deps.onWriteProblem(error));
      }
    });
  }

  logged(job: RunningJob, line: string): void {
    const lines = this.pendingLogs.get(job.id) ?? [];
    lines.push(redact(line));
    this.pendingLogs.set(job.id, lines);
    this.logTimer ??= setTimeout(() => {
      this.logTimer = undefined;
      void this.flushLogs();
    }, LOG_FLUSH_DELAY_MS);
  }

  async finished(job: RunningJob, outcome: Exclude<GenerationOutcome, { kind: 'notStarted' }>, whenInHand?: () => void): Promise<void> {
    const resumed = this.resumedIds.delete(job.id);
    this.followed.delete(job.id);
    // The last log lines go in the same write as the outcome (the store joins changes made in one go), not before it.
    const logsFlushed = this.flushLogs(job.id);
    try {
      await this.recordOutcome(job, outcome, resumed, whenInHand);
    } finally {
      await logsFlushed;
    }
  }

  private async recordOutcome(job: RunningJob, outcome: Exclude<GenerationOutcome, { kind: 'notStarted' }>, resumed: boolean, whenInHand?: () => void): Promise<void> {
    const store = await this.deps.store();
    const entry = store?.get(job.id);
    if (!store || !entry || !this.ownedHere(entry)) {
      return; // not recorded, deleted from the history while it ran, or another window took it over
    }
    const timings = { ...entry.timings, completedAt: Date.now() };
    try {
      switch (outcome.kind) {
        case 'done':
          await this.keepResult(store, job, outcome.record, timings, whenInHand);
          return;
        case 'failed': {
          const failure = outcome.failure;
          const requestId = failure.details.requestId ?? job.requestId;
          const error: HistoryError = resumed && failure.kind === 'notFound'
            // Shown in the display language by its kind (history/view/format.ts errorText); the English is for older versions.
            ? { kind: LOST_ERROR_KIND, message: `fal no longer knows this job (request ${requestId ?? 'unknown'}), so it could not be picked up again after the reload. Re-run it to generate the video.` }
            : { kind: failure.kind, message: redact(failure.message) };
          await store.update(job.id, { status: 'failed', error, requestId, queuePosition: undefined, ownerPid: undefined, timings });
          return;
        }
        case 'cancelled':
          await store.update(job.id, { status: 'cancelled', queuePosition: undefined, ownerPid: undefined, timings });
          return;
      }
    } catch (error) {
      this.deps.onWriteProblem(error);
    }
  }

  /**
   * The window is gone (`false`) or back (`true`). Gone: every followed job fal has accepted is let go of, so the
   * next window resumes it; this process stops writing to them. Back: the resume manager claims them again if
   * no other window has.
   */
  async setWindowReachable(reachable: boolean): Promise<void> {
    this.windowReachable = reachable;
    if (reachable) {
      return;
    }
    const store = await this.deps.store();
    if (!store) {
      return;
    }
    await this.flushLogs();
    const releasable = [...this.followed].flatMap((id) => {
      const entry = store.get(id);
      return entry && this.ownedHere(entry) && isUnfinished(entry) && entry.requestId !== undefined ? [entry] : [];
    });
    await Promise.all(releasable.map((entry) => store.update(entry.id, { ownerPid: undefined }).catch((error: unknown) => this.deps.onWriteProblem(error))));
  }

  /** Whether this extension host follows the entry's job for the history (another window may have taken it over). */
  private ownedHere(entry: HistoryEntry): boolean {
    return entry.ownerPid === this.pid;
  }

  dispose(): void {
    this.disposal.abort();
    if (this.logTimer) {
      clearTimeout(this.logTimer);
      this.logTimer = undefined;
    }
    void this.flushLogs();
  }

  private async keepResult(
    store: JobStore,
    job: RunningJob,
    record: GenerationRecord,
    timings: HistoryTimings,
    whenInHand?: () => void,
  ): Promise<void> {
    const finishedTimings: HistoryTimings = {
      ...timings,
      ...(record.totalMs !== null ? { totalMs: record.totalMs } : {}),
      ...(record.inferenceSeconds !== null ? { inferenceSeconds: record.inferenceSeconds } : {}),
    };
    // Still unfinished (and owned): should the window close during the download, the next one resumes the job. The
    // download starts at once, while this is written (the store writes changes in order: this before the video).
    const recorded = store.update(job.id, {
      requestId: record.requestId,
      seed: record.seed ?? undefined,
      remoteVideoUrl: record.videoUrl,
      result: keepable(record.falResult),
      queuePosition: undefined,
      timings: finishedTimings,
      ...(record.charge ? { charge: storedCharge(record.charge) } : {}),
    });
    recorded.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
    // The job is done in the same write as its video (unless deleted or taken over by another window meanwhile:
    // that one finishes the entry).
    const copy = await this.downloadCopy(store, job.id, record.videoUrl, (current) => (this.ownedHere(current)
      ? { status: 'done', ownerPid: undefined, error: undefined }
      : undefined), whenInHand);
    await recorded;
    if (copy === 'closing') {
      return; // the window is closing: the next one resumes the job and downloads the video
    }
    if (copy.ok) {
      this.deps.log.info(`[${record.requestId}] kept a local copy of the video (${copy.bytes} bytes) in the history`);
      if (copy.entry?.status === 'done') {
        // Once the service has shown this result: the video the panel showed until then may be among the oldest.
        setImmediate(() => this.copyKept.fire(job.id));
      }
      return;
    }
    // In the display language of now: the download's reason is known only here, and the record keeps just a message.
    const downloadError: HistoryError = { kind: 'download', message: redact(l10n.t('No local copy: {0}. The panel plays fal\'s URL, which expires after a while.', copy.reason)) };
    this.deps.log.warn(`[${record.requestId}] could not keep a local copy of the video, so the panel plays fal's URL: ${copy.reason}; it is tried again when the window starts or gets the focus`);
    const current = store.get(job.id);
    if (!current || !this.ownedHere(current)) {
      return; // deleted, or taken over by another window during the download: that one finishes the entry
    }
    await store.update(job.id, { status: 'done', ownerPid: undefined, error: downloadError });
  }

  /**
   * Downloads again the local copies that could not be kept (a network drop, a full disk) while fal's URL may
   * still serve them. Resolves with how many are now kept.
   */
  retryMissingCopies(): Promise<number> {
    // One pass at a time; a call during a pass gets that pass's answer.
    this.retrying ??= this.retryPass().finally(() => {
      this.retrying = undefined;
    });
    return this.retrying;
  }

  private async retryPass(): Promise<number> {
    const store = await this.deps.store();
    if (!store) {
      return 0;
    }
    const isMissing = (entry: HistoryEntry | undefined): entry is HistoryEntry & { remoteVideoUrl: string } => entry !== undefined
      && entry.status === 'done' && entry.error?.kind === 'download' && entry.remoteVideoUrl !== undefined
      && !entry.video && !entry.videoPruned && !this.expiredUrls.has(entry.remoteVideoUrl);
    let kept = 0;
    for (const { id } of store.missingCopies().filter(isMissing)) {
      const entry = store.get(id);
      if (!isMissing(entry)) {
        continue; // kept, deleted or changed by another window meanwhile
      }
      try {
        const copy = await this.downloadCopy(store, entry.id, entry.remoteVideoUrl);
        if (copy === 'closing') {
          break;
        }
        const label = entry.requestId ?? entry.id;
        if (copy.ok && store.get(entry.id)) {
          await store.update(entry.id, { error: undefined });
          kept += 1;
          this.deps.log.info(`[${label}] kept the local copy of the video (${copy.bytes} bytes) that could not be downloaded before`);
        } else if (!copy.ok) {
          if (copy.expired) {
            // fal's link has expired: trying again in this window cannot help.
            this.expiredUrls.add(entry.remoteVideoUrl);
          }
          this.deps.log.warn(`[${label}] still no local copy of the video: ${copy.reason}`);
        }
      } catch (error) {
        this.deps.onWriteProblem(error);
      }
    }
    if (kept > 0) {
      setImmediate(() => this.copyKept.fire(undefined));
    }
    return kept;
  }

  /**
   * Streams fal's video into the history, within DOWNLOAD_TIMEOUT_MS (with what `finish` adds, in the same write);
   * 'closing' when the window goes away meanwhile.
   */
  private async downloadCopy(
    store: JobStore,
    id: string,
    url: string,
    finish?: (entry: HistoryEntry) => HistoryEntryPatch | undefined,
    whenInPlace?: () => void,
  ): Promise<{ ok: true; bytes: number; entry: HistoryEntry | undefined } | { ok: false; reason: string; expired: boolean } | 'closing'> {
    try {
      const saved = await store.saveVideo(id, url, { signal: this.disposal.signal, limits: { totalMs: DOWNLOAD_TIMEOUT_MS, ...this.deps.downloadLimits?.() }, finish, whenInPlace });
      return { ok: true, bytes: saved?.video?.bytes ?? 0, entry: saved };
    } catch (error) {
      if (this.disposal.signal.aborted) {
        return 'closing';
      }
      const reason = messageOf(error);
      return { ok: false, reason, expired: /\bHTTP (403|404|410)\b/.test(reason) };
    }
  }

  private async flushLogs(onlyId?: string): Promise<void> {
    const ids = onlyId !== undefined ? [onlyId] : [...this.pendingLogs.keys()];
    const store = await this.deps.store();
    await Promise.all(ids.map(async (id) => {
      const lines = this.pendingLogs.get(id);
      this.pendingLogs.delete(id);
      const entry = store?.get(id);
      if (!store || !entry || !this.ownedHere(entry) || !lines || lines.length === 0) {
        return;
      }
      try {
        await store.appendLogs(id, lines);
      } catch (error) {
        this.deps.onWriteProblem(error);
      }
    }));
  }
}
