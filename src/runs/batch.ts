import * as vscode from 'vscode';
import * as path from 'node:path';
import type { GenerationService } from '../generation/generationService';
import type { FalSession } from '../generation/session';
import type { FalFailure } from '../model/failure';
import type { GenerationInput, GenerationRecord, GenerationRequest } from '../model/generation';
import type { GenerationPresenter, VideoCopies } from '../panel/presenter';
import type { ParamsDiagnostics } from '../params/editor/paramsDiagnostics';
import { readParamsText } from '../params/editor/paramsDocuments';
import { paramsCheck } from '../params/checkLoader';
import type { ActiveRun } from './activeRun';
import type { BatchGrid } from './batchGrid';
import { runWithConcurrency } from './batchRunner';
import type { PlannedJob } from './outputPlan';
import type { PreparedParamsFile } from './prepare';
import { saveResult, type ResultSaveDeps, type UploadedVideo } from './resultRecord';
import type { ParamsRunItem } from './runReport';

/** How one video of a batch ended. */
export interface JobResult {
  item: ParamsRunItem;
  record?: GenerationRecord;
  /** Generated, but the video could not be saved beside the file. */
  videoNotSaved?: boolean;
}

export interface BatchDeps extends ResultSaveDeps {
  service: GenerationService;
  presenter: GenerationPresenter;
  copies: VideoCopies;
  diagnostics: ParamsDiagnostics;
}

/** The batch in progress: what its jobs share. */
interface BatchContext {
  session: FalSession;
  run: ActiveRun;
  grid: BatchGrid;
  /** Each local file is uploaded once, however many videos use it. */
  uploadOnce(local: NonNullable<PreparedParamsFile['localVideo']>): Promise<string>;
}

/**
 * The fourth step of a run: every planned video, at most `concurrency` at a time. Each uploads its local
 * `video_url` (once per file), is submitted, and is saved beside its file; one failure does not stop the others.
 */
export async function runBatch(jobs: readonly PlannedJob[], session: FalSession, concurrency: number, run: ActiveRun, grid: BatchGrid, deps: BatchDeps): Promise<JobResult[]> {
  const uploads = new Map<string, Promise<string>>();
  const context: BatchContext = {
    session,
    run,
    grid,
    uploadOnce: (local) => {
      const key = local.uri.toString();
      let upload = uploads.get(key);
      if (!upload) {
        upload = deps.service.upload(session, local.uri, local.contentType);
        uploads.set(key, upload);
      }
      return upload;
    },
  };
  const results: JobResult[] = jobs.map((job) => ({
    // What an item stays when the batch is cancelled before it starts.
    item: { file: job.file.uri.toString(), label: job.label, seed: job.request.seed, state: 'cancelled', reason: vscode.l10n.t('cancelled before it started') },
  }));
  await runWithConcurrency(jobs, concurrency, async (job, index) => {
    try {
      results[index] = await runJob(job, index, context, deps);
    } catch (error) {
      // A bug, not a fal failure: the summary still names this item and why, and the others go on.
      const reason = vscode.l10n.t('Unexpected error: {0}', error instanceof Error ? error.message : String(error));
      deps.log.error(`${job.label}: ${reason}`);
      results[index] = { item: { file: job.file.uri.toString(), label: job.label, seed: job.request.seed, state: 'failed', reason } };
    }
  }, {
    shouldStart: () => !run.cancelled,
    onSettled: () => run.settled(),
  });
  return results;
}

async function runJob(job: PlannedJob, index: number, context: BatchContext, deps: BatchDeps): Promise<JobResult> {
  const { grid, run } = context;
  const base = { file: job.file.uri.toString(), label: job.label, seed: job.request.seed };
  const fail = (reason: string, state: 'failed' | 'cancelled' = 'failed'): JobResult => {
    grid.set(index, { state: 'failed', label: job.label, reason });
    return { item: { ...base, state, reason } };
  };
  const input: GenerationInput = { ...job.request.input };
  let uploaded: UploadedVideo | undefined;
  const local = job.file.localVideo;
  if (local) {
    grid.setRunning(index, vscode.l10n.t('Uploading {0} to fal storage…', path.posix.basename(local.uri.path)));
    try {
      const url = await context.uploadOnce(local);
      input.video_url = url;
      uploaded = { video: local.uri, url };
    } catch (error) {
      return fail(vscode.l10n.t('Could not upload {0} to fal storage: {1}', local.shown, error instanceof Error ? error.message : String(error)));
    }
  }
  if (run.cancelled) {
    return fail(vscode.l10n.t('Cancelled.'), 'cancelled');
  }
  const request: GenerationRequest = {
    endpoint: job.request.endpoint,
    input,
    source: { kind: 'file', file: job.file.uri.toString() },
    label: `${job.file.name} · ${job.request.label}`,
  };
  grid.follow(request, index);
  run.requests.add(request);
  grid.setRunning(index, vscode.l10n.t('Submitting to fal…'));
  const outcome = await deps.service.generate(request, { session: context.session, interactive: false });
  if (outcome.kind === 'cancelled') {
    return fail(vscode.l10n.t('Cancelled.'), 'cancelled');
  }
  if (outcome.kind === 'notStarted') {
    return fail(outcome.reason);
  }
  if (outcome.kind === 'failed') {
    await mapFailureOntoFile(job.file.uri, outcome.failure, job.file.text, deps.diagnostics);
    const failed = fail(outcome.failure.message);
    return { item: { ...failed.item, requestId: outcome.failure.details.requestId } };
  }

  const record = outcome.record;
  grid.setRunning(index, vscode.l10n.t('Saving the video…'));
  const saved = await saveResult(job, record, uploaded, run.abort.signal, deps);
  const savedVideo = saved.ok ? vscode.Uri.file(saved.pair.video) : undefined;
  deps.copies.remember(record, savedVideo);
  if (!saved.ok) {
    grid.set(index, { state: 'failed', label: job.label, reason: saved.reason });
    const state = saved.cancelled ? 'cancelled' : 'failed';
    return { item: { ...base, state, reason: saved.reason, requestId: record.requestId, generationId: record.id }, record, videoNotSaved: !saved.videoSaved && !saved.cancelled };
  }
  grid.set(index, deps.presenter.gridItem(record));
  return {
    item: {
      ...base,
      state: 'done',
      video: savedVideo?.toString(),
      record: vscode.Uri.file(saved.pair.record).toString(),
      requestId: record.requestId,
      generationId: record.id,
    },
    record,
  };
}

/** fal's 422 (and content-policy refusals) go back onto the file, at the keys fal named. */
async function mapFailureOntoFile(uri: vscode.Uri, failure: FalFailure, sentText: string, diagnostics: ParamsDiagnostics): Promise<void> {
  if (failure.kind !== 'validation' && failure.kind !== 'contentPolicy') {
    return;
  }
  let text: string;
  try {
    text = await readParamsText(uri);
  } catch {
    return;
  }
  const fieldErrors = failure.details.fieldErrors ?? [];
  if (fieldErrors.length === 0) {
    diagnostics.setRunProblems(uri, text, paramsCheck().falErrorsToDiagnostics(text, failure.details.falDetail ?? failure.message));
    return;
  }
  // Edited while it ran: what the user has changed since is not marked (the notification still says it all).
  const applicable = paramsCheck().entriesStillApplicable(sentText, text, fieldErrors);
  diagnostics.setRunProblems(uri, text, applicable.length > 0 ? paramsCheck().falErrorsToDiagnostics(text, applicable) : []);
}
