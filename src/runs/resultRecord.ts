import * as vscode from 'vscode';
import { createReadStream } from 'node:fs';
import * as path from 'node:path';
import * as z from 'zod/mini';
import { OutputExistsError, removeStalePartials, writeStreamToFile, writeTextFile } from '../files/atomicFile';
import { downloadVideo, type DownloadLimits } from '../files/videoDownload';
import { generationInputSchema, type GenerationRecord } from '../model/generation';
import { redact } from '../util/redaction';
import { freeOutputPair, type OutputPair, type PlannedJob } from './outputPlan';

/**
 * `<name>-<seed>.result.json`, written beside each video of a parameter-file run: what was sent (exactly), what fal
 * answered, and where the video is. A file that is committed and diffed, so its keys keep this order.
 */
export const resultRecordSchema = z.object({
  /** The parameter file, relative to this record. */
  parameterFile: z.string(),
  /** The run used the editor's unsaved text: reproducing from the file on disk would send something else. */
  parameterFileUnsaved: z.optional(z.literal(true)),
  endpoint: z.string(),
  requestId: z.string(),
  /** The seed fal used. */
  seed: z.nullable(z.number()),
  /** The request as sent. */
  request: generationInputSchema,
  video: z.object({ file: z.string(), bytes: z.number(), contentType: z.string(), url: z.string() }),
  /** A local `video_url` uploaded to fal storage first: the file (relative to this record) and its fal URL. */
  upload: z.optional(z.object({ file: z.string(), url: z.string() })),
  timings: z.object({
    submittedAt: z.string(),
    completedAt: z.string(),
    totalMs: z.nullable(z.number()),
    inferenceSeconds: z.nullable(z.number()),
    downloadMs: z.number(),
  }),
  sandbox: z.optional(z.string()),
  /** fal's answer, as it came. */
  falResult: z.optional(z.unknown()),
  /** `name version` of the extension. */
  generatedBy: z.string(),
});
export type ResultRecord = z.infer<typeof resultRecordSchema>;

/** A local `video_url` and the fal storage URL it was uploaded to. */
export interface UploadedVideo {
  video: vscode.Uri;
  url: string;
}

export interface ResultSaveDeps {
  log: vscode.LogOutputChannel;
  /** `name version`, written into each result record. */
  generatedBy: string;
  /** The history's local copy of a finished generation's video, so it is copied rather than downloaded again. */
  localCopyOf(record: GenerationRecord): vscode.Uri | undefined;
  /** The limits of downloads (the largest video, from the settings). */
  downloadLimits(): Partial<DownloadLimits>;
}

export type SavedResult =
  | { ok: true; pair: OutputPair }
  /** `cancelled`: the user cancelled the run while the video was being saved. */
  | { ok: false; reason: string; videoSaved: boolean; cancelled?: boolean };

/** Streams the video to its file and writes the result record beside it; a file that appeared meanwhile is kept (new name). */
export async function saveResult(
  job: PlannedJob,
  record: GenerationRecord,
  uploaded: UploadedVideo | undefined,
  signal: AbortSignal,
  deps: ResultSaveDeps,
): Promise<SavedResult> {
  const folder = job.file.outputFolder;
  let pair = job.pair;
  const startedAt = Date.now();
  let saved: { bytes: number; contentType: string };
  const localCopy = deps.localCopyOf(record);
  const saveVideo = async (target: string, replace: boolean) => localCopy
    ? { bytes: await writeStreamToFile(createReadStream(localCopy.fsPath), target, { replace, signal }), contentType: record.contentType ?? 'video/mp4' }
    : downloadVideo(record.videoUrl, target, { replace, signal, limits: deps.downloadLimits() });
  try {
    await vscode.workspace.fs.createDirectory(folder);
    // A window killed while saving here left its partial files: they go now.
    await removeStalePartials(folder.fsPath);
    try {
      saved = await saveVideo(pair.video, job.replace);
    } catch (error) {
      if (!(error instanceof OutputExistsError)) {
        throw error;
      }
      // Another program created the file since the run was planned: keep it and take the next free name.
      pair = await freeOutputPair(folder.fsPath, { video: path.basename(job.pair.video), record: path.basename(job.pair.record) }, new Set());
      saved = await saveVideo(pair.video, false);
    }
  } catch (error) {
    if (signal.aborted) {
      const reason = vscode.l10n.t('Cancelled while its video was being saved (fal request {0}); the video is in the AnimateDiff history.', record.requestId);
      deps.log.info(reason);
      return { ok: false, reason, videoSaved: false, cancelled: true };
    }
    const reason = vscode.l10n.t('Generated (fal request {0}), but the video could not be saved: {1}', record.requestId, error instanceof Error ? error.message : String(error));
    deps.log.error(reason);
    return { ok: false, reason, videoSaved: false };
  }
  const recordFolder = path.dirname(pair.record);
  const relativeToRecord = (file: vscode.Uri) => path.relative(recordFolder, file.fsPath).split(path.sep).join('/');
  const completedAt = record.createdAt + (record.totalMs ?? Date.now() - record.createdAt);
  const result: ResultRecord = {
    parameterFile: relativeToRecord(job.file.uri),
    ...(job.file.unsaved ? { parameterFileUnsaved: true } : {}),
    endpoint: record.endpoint,
    requestId: record.requestId,
    seed: record.seed,
    request: record.input,
    video: { file: path.basename(pair.video), bytes: saved.bytes, contentType: saved.contentType, url: record.videoUrl },
    ...(uploaded ? { upload: { file: relativeToRecord(uploaded.video), url: uploaded.url } } : {}),
    timings: {
      submittedAt: new Date(record.createdAt).toISOString(),
      completedAt: new Date(completedAt).toISOString(),
      totalMs: record.totalMs,
      inferenceSeconds: record.inferenceSeconds,
      downloadMs: Date.now() - startedAt,
    },
    ...(record.sandbox ? { sandbox: 'Generated by the local fal imitation, not by fal.ai.' } : {}),
    ...(record.falResult !== undefined ? { falResult: record.falResult } : {}),
    generatedBy: deps.generatedBy,
  };
  try {
    await writeTextFile(pair.record, `${redact(JSON.stringify(result, null, 2))}\n`, { replace: job.replace });
  } catch (error) {
    const reason = vscode.l10n.t('The video was saved as {0}, but its result record could not be written: {1}', path.basename(pair.video), error instanceof Error ? error.message : String(error));
    deps.log.error(reason);
    return { ok: false, reason, videoSaved: true };
  }
  deps.log.info(`[${record.requestId}] saved ${pair.video} (${saved.bytes} bytes) and ${path.basename(pair.record)}`);
  return { ok: true, pair };
}
