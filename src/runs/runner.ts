import * as vscode from 'vscode';
import { createReadStream } from 'node:fs';
import * as path from 'node:path';
import { findNodeAtLocation, parseTree } from 'jsonc-parser';
import { readGenerationDefaults } from '../config/settings';
import type { FalFailure } from '../fal/errors';
import { readBatchConcurrency, runWithConcurrency, summarizeBatch, type BatchItemSummary } from './batchRunner';
import type { FalSession, GenerationRecord, GenerationRequest, GenerationService, RunningJob } from '../generation/generationService';
import {
  OutputExistsError,
  downloadVideoToFile,
  freeOutputPair,
  isInsideFolder,
  outputPairIn,
  pathExists,
  realPathOf,
  writeStreamToFile,
  writeTextFile,
  type OutputPair,
} from '../files/outputFiles';
import type { GenerationDefaults } from '../model/request';
import { toGenerationView } from '../panel/resultActions';
import type { GridItemInput, VideoPanelManager } from '../panel/videoPanel';
import type { Interaction } from '../ui/interaction';
import { Disposable } from '../util/dispose';
import type { ParamDiagnostic } from '../params/diagnostics';
import { entriesStillApplicable, falErrorsToDiagnostics } from '../params/falErrors';
import type { ParamsFile } from '../params/fileSchema';
import { isVideoToVideoEndpoint } from '../model/animateDiff';
import { buildRequestsFromParams, cryptoRandomSeed, outputNameFor, resolveOutputFolder, resolveVideoSource, type ParamsRequest } from '../params/requests';
import type { ParamsDiagnostics } from '../params/editor/paramsDiagnostics';
import { baseName, displayPath, isParamsFileUri, openDocument, readParamsText } from '../params/editor/paramsDocuments';

/** What happened to one video of a run (returned by the commands; the integration suite reads it). */
export interface ParamsRunItem {
  /** The parameter file (URI string). */
  file: string;
  label: string;
  seed: number;
  state: 'done' | 'failed' | 'cancelled' | 'skipped';
  /** The saved video and its result record (URI strings). */
  video?: string;
  record?: string;
  requestId?: string;
  generationId?: string;
  reason?: string;
}

export interface ParamsRunReport {
  /** False when nothing was sent: an invalid file, a refused path, no key, the user declined. */
  started: boolean;
  reason?: string;
  items: ParamsRunItem[];
}

/** A file that is ready to run: valid, its requests built, its paths checked. */
export interface PreparedParamsFile {
  uri: vscode.Uri;
  name: string;
  text: string;
  params: ParamsFile;
  requests: ParamsRequest[];
  /** Where the videos and records go (inside the workspace). */
  outputFolder: vscode.Uri;
  /** A local `video_url` that is uploaded to fal storage first. */
  localVideo?: { uri: vscode.Uri; shown: string; contentType: string };
  /** The run used the editor's text, which differed from the file on disk. */
  unsaved: boolean;
}

export type PreparedOrProblem =
  | { ok: true; file: PreparedParamsFile }
  | { ok: false; uri: vscode.Uri; message: string; invalid: boolean };

export interface ParamsRunnerDeps {
  service: GenerationService;
  panels: VideoPanelManager;
  interaction: Interaction;
  log: vscode.LogOutputChannel;
  diagnostics: ParamsDiagnostics;
  /** Keeps a finished generation so the panel's actions (save, copy seed, re-run) find it. */
  remember(record: GenerationRecord, savedVideo: vscode.Uri | undefined): void;
  /** `name version`, written into each result record. */
  generatedBy: string;
  /** The history's local copy of a finished generation's video, so it is copied rather than downloaded again. */
  localCopyOf?(record: GenerationRecord): vscode.Uri | undefined;
  /** Asks where to save a generation's video and writes it there (the panel's Save Video…). */
  saveVideoAs?(record: GenerationRecord): Promise<unknown>;
}

/** Progress of a running file, for its CodeLens. */
export interface RunProgress {
  total: number;
  finished: number;
}

/** A local `video_url` and the fal storage URL it was uploaded to. */
interface UploadedVideo {
  video: vscode.Uri;
  url: string;
}

interface JobResult {
  item: ParamsRunItem;
  record?: GenerationRecord;
  /** Where the panel plays it from: the saved copy, or fal's URL when the copy is outside the workspace. */
  panelVideo?: vscode.Uri;
  /** Generated, but the video could not be saved beside the file. */
  videoNotSaved?: boolean;
}

interface PlannedJob {
  file: PreparedParamsFile;
  request: ParamsRequest;
  label: string;
  pair: OutputPair;
  replace: boolean;
}

const UPLOAD_CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.mp4': 'video/mp4',
  '.m4v': 'video/mp4',
  '.mov': 'video/quicktime',
  '.webm': 'video/webm',
  '.mkv': 'video/x-matroska',
  '.avi': 'video/x-msvideo',
  '.gif': 'image/gif',
};

const SETTINGS_ACTION = 'Open Settings';
const REVEAL_ACTION = 'Reveal in Explorer';
const LOG_ACTION = 'Open Log';
const SAVE_VIDEO_ACTION = 'Save Video…';

/** One run of one or more parameter files (a batch): what the CodeLens and Cancel act on. */
class ActiveRun {
  cancelled = false;
  finished = 0;
  readonly requests = new Set<GenerationRequest>();
  readonly abort = new AbortController();

  constructor(readonly total: number) {}
}

/**
 * Runs parameter files: validates and prepares each, asks once (key, Restricted Mode, files that exist),
 * uploads local `video_url`s, submits the jobs in parallel up to `animateDiff.batch.concurrency`, streams
 * each video next to its file with a `.result.json`, and shows the result (a batch as a live grid).
 */
export class ParamsRunner extends Disposable {
  private readonly runs = new Map<string, ActiveRun>();
  /** Files between the busy check and their run (asking, preparing): a second click must not start them twice. */
  private readonly starting = new Set<string>();
  private readonly changeEmitter = this._register(new vscode.EventEmitter<void>());
  readonly onDidChangeRuns = this.changeEmitter.event;

  constructor(private readonly deps: ParamsRunnerDeps) {
    super();
    this._register({ dispose: () => this.runs.forEach((run) => run.abort.abort()) });
  }

  progressOf(uri: vscode.Uri): RunProgress | undefined {
    const run = this.runs.get(uri.toString());
    return run ? { total: run.total, finished: run.finished } : undefined;
  }

  /**
   * The parameter-file batch a running job belongs to, while more of it is left than that job: the palette's
   * Cancel offers to stop all of it (cancelling one job alone lets the batch start the next).
   */
  batchOf(request: GenerationRequest): { key: string; label: string; left: number; cancel(): boolean } | undefined {
    for (const [key, run] of this.runs) {
      const left = run.total - run.finished;
      if (run.requests.has(request) && !run.cancelled && left > 1) {
        const files = [...this.runs].filter(([, other]) => other === run).map(([file]) => file);
        const uri = vscode.Uri.parse(key);
        return { key: files[0], label: files.map((file) => baseName(vscode.Uri.parse(file))).join(', '), left, cancel: () => this.cancel(uri) };
      }
    }
    return undefined;
  }

  /** Stops a file's run: nothing more starts, running jobs are cancelled at fal. */
  cancel(uri: vscode.Uri): boolean {
    const run = this.runs.get(uri.toString());
    if (!run) {
      return false;
    }
    run.cancelled = true;
    for (const job of this.deps.service.runningJobs) {
      // A video fal has already made is kept: there is nothing of it to cancel.
      if (run.requests.has(job.request) && !job.resultReady) {
        this.deps.service.cancel(job.id);
      }
    }
    // Videos fal has already made (and billed) are still saved: only closing the window aborts that.
    return true;
  }

  /** The user's `animateDiff.defaults.*`, or undefined after telling them which setting is wrong. */
  async readDefaults(): Promise<GenerationDefaults | undefined> {
    const read = (name: string) => vscode.workspace.getConfiguration('animateDiff').get<unknown>(name);
    const defaults = readGenerationDefaults(read);
    if (!defaults.ok) {
      await this.reportSetting(defaults.problems[0].setting, `${defaults.problems.map((p) => p.message).join(' ')} Nothing was sent.`);
      return undefined;
    }
    return defaults.defaults;
  }

  /** Reads, validates and resolves one file; problems are published on the file and returned as a message. */
  async prepare(uri: vscode.Uri, defaults: GenerationDefaults): Promise<PreparedOrProblem> {
    const name = baseName(uri);
    let text: string;
    try {
      text = await readParamsText(uri);
    } catch (error) {
      return { ok: false, uri, invalid: false, message: `Could not read ${name}: ${error instanceof Error ? error.message : String(error)}` };
    }
    const validation = this.deps.diagnostics.checkText(uri, text);
    if (!validation.params) {
      const errors = validation.diagnostics.filter((d) => d.severity === 'error');
      const first = errors[0];
      const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
      return { ok: false, uri, invalid: true, message: `${name} has ${errors.length === 1 ? 'an error' : `${errors.length} errors`}: ${first?.message ?? 'it is not valid'}${more}` };
    }
    const params = validation.params;
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    const root = folder?.uri ?? uri.with({ path: path.posix.dirname(uri.path) });

    const output = resolveOutputFolder(uri.path, params.output, folder?.uri.path);
    if (!output.ok) {
      return this.refuse(uri, text, 'output', output.message);
    }
    const outputFolder = uri.with({ path: output.path });
    if (outputFolder.scheme !== 'file') {
      const where = uri.scheme === 'untitled' ? 'it has not been saved yet' : `it is not on this computer's disk (${uri.scheme}:)`;
      return { ok: false, uri, invalid: false, message: `${name}: results are written beside the file, but ${where}. Save it in a local folder to generate from it.` };
    }
    if (!await this.staysInside(outputFolder, root)) {
      return this.refuse(uri, text, 'output', `"output" ${JSON.stringify(params.output)} leads outside the workspace through a symbolic link; results are only written inside it.`);
    }

    let localVideo: PreparedParamsFile['localVideo'];
    if (isVideoToVideoEndpoint(params.endpoint) && 'video_url' in params) {
      const source = resolveVideoSource(params.video_url, uri.path, folder?.uri.path);
      if (source.kind === 'refused') {
        return this.refuse(uri, text, 'video_url', source.message);
      }
      if (source.kind === 'file') {
        const videoUri = uri.with({ path: source.path });
        const shown = displayPath(videoUri);
        try {
          const stat = await vscode.workspace.fs.stat(videoUri);
          if (stat.type & vscode.FileType.Directory) {
            return this.refuse(uri, text, 'video_url', `"video_url" ${JSON.stringify(params.video_url)} is a folder, not a video file.`);
          }
        } catch {
          return this.refuse(uri, text, 'video_url', `"video_url" ${JSON.stringify(params.video_url)}: there is no such file (${shown}).`);
        }
        if (videoUri.scheme === 'file' && !await this.staysInside(videoUri, root)) {
          return this.refuse(uri, text, 'video_url', `"video_url" ${JSON.stringify(params.video_url)} leads outside the workspace through a symbolic link; only files inside it are uploaded.`);
        }
        const extension = path.posix.extname(source.path).toLowerCase();
        localVideo = { uri: videoUri, shown, contentType: UPLOAD_CONTENT_TYPES[extension] ?? 'application/octet-stream' };
      }
    }
    const requests = buildRequestsFromParams(params, defaults, cryptoRandomSeed);
    const unsaved = openDocument(uri)?.isDirty ?? false;
    return { ok: true, file: { uri, name, text, params, requests, outputFolder, localVideo, unsaved } };
  }

  /** Runs the files as one batch (one file with one seed is a single run). */
  async run(targets: readonly vscode.Uri[]): Promise<ParamsRunReport> {
    const uris = uniqueParamsFiles(targets);
    if (uris.length === 0) {
      void this.deps.interaction.warning('Choose one or more .animate.json parameter files to generate from.', {});
      return notStarted('no parameter file');
    }
    const busy = uris.filter((uri) => this.runs.has(uri.toString()) || this.starting.has(uri.toString()));
    if (busy.length > 0) {
      const starting = busy.every((uri) => !this.runs.has(uri.toString()));
      void this.deps.interaction.info(starting
        ? `${busy.map(baseName).join(', ')} ${busy.length === 1 ? 'is' : 'are'} still starting; answer its questions, if any, and it runs once.`
        : `${busy.map(baseName).join(', ')} ${busy.length === 1 ? 'is' : 'are'} already generating. Cancel from its CodeLens to start again.`);
      return notStarted('already running');
    }
    const keys = uris.map((uri) => uri.toString());
    keys.forEach((key) => this.starting.add(key));
    try {
      return await this.start(uris);
    } finally {
      keys.forEach((key) => this.starting.delete(key));
    }
  }

  private async start(uris: readonly vscode.Uri[]): Promise<ParamsRunReport> {
    const defaults = await this.readDefaults();
    const concurrency = readBatchConcurrency((name) => vscode.workspace.getConfiguration('animateDiff').get<unknown>(name));
    if (!defaults) {
      return notStarted('invalid settings');
    }
    if (!concurrency.ok) {
      await this.reportSetting(concurrency.setting, `${concurrency.message} Nothing was sent.`);
      return notStarted('invalid settings');
    }

    uris.forEach((uri) => this.deps.diagnostics.clearRunProblems(uri));
    const prepared = await Promise.all(uris.map((uri) => this.prepare(uri, defaults)));
    const files = prepared.flatMap((p) => (p.ok ? [p.file] : []));
    const problems = prepared.flatMap((p) => (p.ok ? [] : [p]));
    const skippedItems: ParamsRunItem[] = problems.map((p) => ({ file: p.uri.toString(), label: baseName(p.uri), seed: -1, state: 'skipped', reason: p.message }));
    if (files.length === 0) {
      await this.reportProblems(problems);
      return { started: false, reason: problems[0]?.message, items: skippedItems };
    }

    const jobs = await this.planJobs(files, uris.length > 1);
    if (!jobs) {
      return { started: false, reason: 'declined to replace existing files', items: skippedItems };
    }
    const uploads = [...new Set(files.flatMap((f) => (f.localVideo ? [f.localVideo.shown] : [])))];
    const session = await this.deps.service.openSession({
      videos: jobs.length,
      uploads,
      label: files.length === 1 ? `Parameter file: ${displayPath(files[0].uri)}` : `Parameter files: ${files.map((f) => displayPath(f.uri)).join(', ')}`,
    });
    if (!session) {
      return { started: false, reason: 'not allowed to start', items: skippedItems };
    }
    if (problems.length > 0) {
      // The others run; say at once which files do not.
      void this.deps.interaction.warning(`Not run: ${problems.map((p) => p.message).join(' · ')}`, {});
    }
    const items = await this.execute(files, jobs, session, concurrency.value);
    return { started: true, items: [...items, ...skippedItems] };
  }

  /** Output names for every request; asks once (before anything is spent) when some of them exist. */
  private async planJobs(files: readonly PreparedParamsFile[], manyFiles: boolean): Promise<PlannedJob[] | undefined> {
    const planned = files.flatMap((file) => file.requests.map((request) => ({
      file,
      request,
      label: manyFiles ? `${file.name} · seed ${request.seed}` : `seed ${request.seed}`,
      plain: outputPairIn(file.outputFolder.fsPath, outputNameFor(file.name, request.seed)),
    })));
    const existing: string[] = [];
    for (const job of planned) {
      for (const file of [job.plain.video, job.plain.record]) {
        if (await this.exists(job.file.outputFolder, file)) {
          existing.push(path.basename(file));
        }
      }
    }
    let replace = false;
    if (existing.length > 0) {
      const named = existing.length > 3 ? `${existing.slice(0, 3).join(', ')} and ${existing.length - 3} more` : existing.join(', ');
      const choice = await this.deps.interaction.warning(
        `${named} already ${existing.length === 1 ? 'exists' : 'exist'}. Replace, or keep both (the new files get a number, like fox-7-2.mp4)?`,
        { modal: true, detail: 'Nothing has been sent to fal yet.' },
        'Keep Both',
        'Replace',
      );
      if (choice === undefined) {
        return undefined;
      }
      replace = choice === 'Replace';
    }
    const reserved = new Set<string>();
    const jobs: PlannedJob[] = [];
    for (const job of planned) {
      const plainFree = !reserved.has(job.plain.video) && !reserved.has(job.plain.record);
      if (replace && plainFree) {
        reserved.add(job.plain.video);
        reserved.add(job.plain.record);
        jobs.push({ file: job.file, request: job.request, label: job.label, pair: job.plain, replace: true });
      } else {
        const pair = await freeOutputPair(job.file.outputFolder.fsPath, outputNameFor(job.file.name, job.request.seed), reserved);
        jobs.push({ file: job.file, request: job.request, label: job.label, pair, replace: false });
      }
    }
    return jobs;
  }

  private async execute(files: readonly PreparedParamsFile[], jobs: readonly PlannedJob[], session: FalSession, concurrency: number): Promise<ParamsRunItem[]> {
    const run = new ActiveRun(jobs.length);
    files.forEach((file) => this.runs.set(file.uri.toString(), run));
    this.changeEmitter.fire();
    const batch = jobs.length > 1;
    const title = files.length === 1 ? `${files[0].name} — ${jobs.length} videos` : `${files.length} parameter files — ${jobs.length} videos`;
    const grid: GridItemInput[] = jobs.map((job) => ({ state: 'running', label: job.label, detail: 'Waiting for a free slot…' }));
    const requestIndex = new Map<GenerationRequest, number>();
    let gridTimer: ReturnType<typeof setTimeout> | undefined;
    // A panel the user closes during the batch stays closed until the batch is done (then it shows the results).
    let panelClosed = false;
    const panelWatch = this.deps.panels.onDidClose(() => {
      panelClosed = true;
    });
    const showGrid = (now = false, final = false) => {
      if (!batch) {
        return;
      }
      clearTimeout(gridTimer);
      if (panelClosed && !final) {
        return;
      }
      if (now) {
        this.deps.panels.showGrid(title, grid);
      } else {
        gridTimer = setTimeout(() => {
          if (!panelClosed) {
            this.deps.panels.showGrid(title, grid);
          }
        }, 100);
      }
    };
    const setRunning = (index: number, detail: string) => {
      const item = grid[index];
      if (item.state === 'running' && item.detail !== detail) {
        grid[index] = { state: 'running', label: item.label, detail };
        showGrid();
      }
    };
    const jobWatch = this.deps.service.onDidChangeJobs(() => {
      for (const job of this.deps.service.runningJobs) {
        const index = requestIndex.get(job.request);
        if (index !== undefined) {
          setRunning(index, describeJob(job));
        }
      }
    });
    showGrid(true);

    const uploads = new Map<string, Promise<string>>();
    const uploadOnce = (local: NonNullable<PreparedParamsFile['localVideo']>) => {
      const key = local.uri.toString();
      let upload = uploads.get(key);
      if (!upload) {
        upload = this.deps.service.upload(session, local.uri, local.contentType);
        uploads.set(key, upload);
      }
      return upload;
    };

    const results: JobResult[] = jobs.map((job) => ({
      // What an item stays when the batch is cancelled before it starts.
      item: { file: job.file.uri.toString(), label: job.label, seed: job.request.seed, state: 'cancelled', reason: 'cancelled before it started' },
    }));
    try {
      await runWithConcurrency(jobs, concurrency, async (job, index) => {
        try {
          results[index] = await this.runJob(job, index, {
            session,
            run,
            requestIndex,
            setRunning,
            uploadOnce,
            setGrid: (item) => {
              grid[index] = item;
              showGrid();
            },
          });
        } catch (error) {
          // A bug, not a fal failure: the summary still names this item and why, and the others go on.
          const reason = `Unexpected error: ${error instanceof Error ? error.message : String(error)}`;
          this.deps.log.error(`${job.label}: ${reason}`);
          results[index] = { item: { file: job.file.uri.toString(), label: job.label, seed: job.request.seed, state: 'failed', reason } };
        }
      }, {
        shouldStart: () => !run.cancelled,
        onSettled: () => {
          run.finished++;
          this.changeEmitter.fire();
        },
      });
    } finally {
      jobWatch.dispose();
      panelWatch.dispose();
      files.forEach((file) => {
        if (this.runs.get(file.uri.toString()) === run) {
          this.runs.delete(file.uri.toString());
        }
      });
      this.changeEmitter.fire();
    }
    results.forEach(({ item }, index) => {
      if (grid[index].state === 'running') {
        grid[index] = { state: 'failed', label: jobs[index].label, reason: item.state === 'cancelled' ? 'Cancelled before it started.' : item.reason ?? 'Not run.' };
      }
    });
    showGrid(true, true);
    this.announce(jobs, results, batch);
    return results.map(({ item }) => item);
  }

  private async runJob(
    job: PlannedJob,
    index: number,
    context: {
      session: FalSession;
      run: ActiveRun;
      requestIndex: Map<GenerationRequest, number>;
      setRunning: (index: number, detail: string) => void;
      uploadOnce: (local: NonNullable<PreparedParamsFile['localVideo']>) => Promise<string>;
      setGrid: (item: GridItemInput) => void;
    },
  ): Promise<JobResult> {
    const base = { file: job.file.uri.toString(), label: job.label, seed: job.request.seed };
    const fail = (reason: string, state: 'failed' | 'cancelled' = 'failed'): JobResult => {
      context.setGrid({ state: 'failed', label: job.label, reason });
      return { item: { ...base, state, reason } };
    };
    const input: Record<string, unknown> = { ...job.request.input };
    let uploaded: UploadedVideo | undefined;
    const local = job.file.localVideo;
    if (local) {
      context.setRunning(index, `Uploading ${path.posix.basename(local.uri.path)} to fal storage…`);
      try {
        const url = await context.uploadOnce(local);
        input.video_url = url;
        uploaded = { video: local.uri, url };
      } catch (error) {
        return fail(`Could not upload ${local.shown} to fal storage: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (context.run.cancelled) {
      return fail('Cancelled.', 'cancelled');
    }
    const request: GenerationRequest = {
      endpoint: job.request.endpoint,
      input,
      source: { kind: 'file', file: job.file.uri.toString() },
      label: `${job.file.name} · ${job.request.label}`,
    };
    context.requestIndex.set(request, index);
    context.run.requests.add(request);
    context.setRunning(index, 'Submitting to fal…');
    const outcome = await this.deps.service.generate(request, { session: context.session, interactive: false });
    if (outcome.kind === 'cancelled') {
      return fail('Cancelled.', 'cancelled');
    }
    if (outcome.kind === 'notStarted') {
      return fail(outcome.reason);
    }
    if (outcome.kind === 'failed') {
      await this.mapFailureOntoFile(job.file.uri, outcome.failure, job.file.text);
      const failed = fail(outcome.failure.message);
      return { item: { ...failed.item, requestId: outcome.failure.details.requestId } };
    }

    const record = outcome.record;
    context.setRunning(index, 'Saving the video…');
    const saved = await this.saveResult(job, record, uploaded, context.run.abort.signal);
    const savedVideo = saved.ok ? vscode.Uri.file(saved.pair.video) : undefined;
    this.deps.remember(record, savedVideo);
    if (!saved.ok) {
      context.setGrid({ state: 'failed', label: job.label, reason: saved.reason });
      return { item: { ...base, state: 'failed', reason: saved.reason, requestId: record.requestId, generationId: record.id }, record, videoNotSaved: !saved.videoSaved };
    }
    const panelVideo = this.panelVideo(savedVideo, record);
    context.setGrid({ state: 'done', view: toGenerationView(record), video: panelVideo });
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
      panelVideo,
    };
  }

  /** Streams the video to its file and writes the result record; a file that appeared meanwhile is kept (new name). */
  private async saveResult(
    job: PlannedJob,
    record: GenerationRecord,
    uploaded: UploadedVideo | undefined,
    signal: AbortSignal,
  ): Promise<{ ok: true; pair: OutputPair } | { ok: false; reason: string; videoSaved: boolean }> {
    const folder = job.file.outputFolder;
    let pair = job.pair;
    const startedAt = Date.now();
    let saved: { bytes: number; contentType: string };
    const localCopy = this.deps.localCopyOf?.(record);
    const saveVideo = async (target: string, replace: boolean) => localCopy
      ? { bytes: await writeStreamToFile(createReadStream(localCopy.fsPath), target, { replace, signal }), contentType: record.contentType ?? 'video/mp4' }
      : downloadVideoToFile(record.videoUrl, target, { replace, signal });
    try {
      await vscode.workspace.fs.createDirectory(folder);
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
      const reason = `Generated (fal request ${record.requestId}), but the video could not be saved: ${error instanceof Error ? error.message : String(error)}`;
      this.deps.log.error(reason);
      return { ok: false, reason, videoSaved: false };
    }
    const downloadMs = Date.now() - startedAt;
    const recordFolder = path.dirname(pair.record);
    const relativeToRecord = (file: vscode.Uri) => path.relative(recordFolder, file.fsPath).split(path.sep).join('/');
    const resultRecord = {
      parameterFile: relativeToRecord(job.file.uri),
      // Reproducing from the file on disk would send something else: `request` is what was sent.
      ...(job.file.unsaved ? { parameterFileUnsaved: true } : {}),
      endpoint: record.endpoint,
      requestId: record.requestId,
      seed: record.seed,
      request: record.input,
      video: { file: path.basename(pair.video), bytes: saved.bytes, contentType: saved.contentType, url: record.videoUrl },
      ...(uploaded ? { upload: { file: relativeToRecord(uploaded.video), url: uploaded.url } } : {}),
      timings: {
        submittedAt: new Date(record.createdAt).toISOString(),
        completedAt: new Date(record.createdAt + record.totalMs).toISOString(),
        totalMs: record.totalMs,
        inferenceSeconds: record.inferenceSeconds,
        downloadMs,
      },
      ...(record.sandbox ? { sandbox: 'Generated by the local fal imitation, not by fal.ai.' } : {}),
      generatedBy: this.deps.generatedBy,
    };
    try {
      await writeTextFile(pair.record, `${JSON.stringify(resultRecord, null, 2)}\n`, { replace: job.replace });
    } catch (error) {
      const reason = `The video was saved as ${path.basename(pair.video)}, but its result record could not be written: ${error instanceof Error ? error.message : String(error)}`;
      this.deps.log.error(reason);
      return { ok: false, reason, videoSaved: true };
    }
    this.deps.log.info(`[${record.requestId}] saved ${pair.video} (${saved.bytes} bytes) and ${path.basename(pair.record)}`);
    return { ok: true, pair };
  }

  /** The panel may only load local files inside the workspace; elsewhere it plays fal's copy. */
  private panelVideo(saved: vscode.Uri | undefined, record: GenerationRecord): vscode.Uri {
    if (saved && vscode.workspace.getWorkspaceFolder(saved)) {
      return saved;
    }
    return vscode.Uri.parse(record.videoUrl, true);
  }

  /** fal's 422 (and content-policy refusals) go back onto the file, at the keys fal named. */
  private async mapFailureOntoFile(uri: vscode.Uri, failure: FalFailure, sentText: string): Promise<void> {
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
      this.deps.diagnostics.setRunProblems(uri, text, falErrorsToDiagnostics(text, failure.details.falDetail ?? failure.message));
      return;
    }
    // Edited while it ran: what the user has changed since is not marked (the notification still says it all).
    const applicable = entriesStillApplicable(sentText, text, fieldErrors);
    this.deps.diagnostics.setRunProblems(uri, text, applicable.length > 0 ? falErrorsToDiagnostics(text, applicable) : []);
  }

  /** Tells the user how it went: the single video in the panel, or the batch's summary. */
  private announce(jobs: readonly PlannedJob[], results: readonly JobResult[], batch: boolean): void {
    const { interaction, panels, log } = this.deps;
    if (batch) {
      const summary = summarizeBatch(results.map(({ item }): BatchItemSummary => ({ label: item.label, state: item.state, reason: item.reason })));
      log.info(`Batch finished: ${summary.text}`);
      const firstVideo = results.find(({ item }) => item.video)?.item.video;
      const where = savedWhere(jobs.filter((_, index) => results[index].item.state === 'done'));
      const text = `${summary.text}${where}`;
      const actions = [...(firstVideo ? [REVEAL_ACTION] : []), ...(summary.severity === 'info' ? [] : [LOG_ACTION])];
      const say = summary.severity === 'info'
        ? interaction.info(text, ...actions)
        : summary.severity === 'warning'
          ? interaction.warning(text, {}, ...actions)
          : interaction.error(text, ...actions);
      void Promise.resolve(say).then((choice) => {
        if (choice === REVEAL_ACTION && firstVideo) {
          void vscode.commands.executeCommand('revealInExplorer', vscode.Uri.parse(firstVideo));
        } else if (choice === LOG_ACTION) {
          log.show(true);
        }
      });
      return;
    }
    const [{ item, record, panelVideo, videoNotSaved }] = results;
    const [job] = jobs;
    if (item.state === 'done' && record && panelVideo && item.video) {
      panels.showGeneration(toGenerationView(record), panelVideo);
      const videoName = path.posix.basename(vscode.Uri.parse(item.video).path);
      const where = job.file.params.output ? `in ${displayPath(job.file.outputFolder)}` : `next to ${job.file.name}`;
      void Promise.resolve(interaction.info(`Saved ${videoName} and its result record ${where}.`, 'Open Result Record'))
        .then((choice) => {
          if (choice === 'Open Result Record' && item.record) {
            void vscode.window.showTextDocument(vscode.Uri.parse(item.record), { preview: true });
          }
        });
      return;
    }
    if (item.state === 'cancelled') {
      return;
    }
    if (record && videoNotSaved) {
      // Generated and paid for, but not saved beside the file: show it anyway and offer to save it, not to pay again.
      const localCopy = this.deps.localCopyOf?.(record);
      panels.showGeneration(toGenerationView(record), localCopy ?? vscode.Uri.parse(record.videoUrl, true));
      const actions = this.deps.saveVideoAs ? [SAVE_VIDEO_ACTION, LOG_ACTION] : [LOG_ACTION];
      const kept = localCopy ? ' A copy is in the AnimateDiff history.' : '';
      void Promise.resolve(interaction.error(`${job.file.name}: ${(item.reason ?? 'the video was not saved').replace(/\.\s*$/, '')}.${kept}`, ...actions))
        .then((choice) => {
          if (choice === SAVE_VIDEO_ACTION) {
            void this.deps.saveVideoAs?.(record);
          } else if (choice === LOG_ACTION) {
            log.show(true);
          }
        });
      return;
    }
    const hasProblems = this.deps.diagnostics.errorsOf(job.file.uri).length > 0;
    // Retry spends credits again: not offered when fal made the video (only its record could not be written).
    const actions = hasProblems ? ['Show Problem', LOG_ACTION] : record ? [LOG_ACTION] : ['Retry', LOG_ACTION];
    void Promise.resolve(interaction.error(`${job.file.name}: ${item.reason ?? 'the video was not generated'}`, ...actions)).then((choice) => {
      if (choice === 'Show Problem') {
        void vscode.commands.executeCommand('animateDiff.showParamsProblem', job.file.uri);
      } else if (choice === 'Retry') {
        void vscode.commands.executeCommand('animateDiff.generateFromParamsFile', job.file.uri);
      } else if (choice === LOG_ACTION) {
        log.show(true);
      }
    });
  }

  private async exists(folder: vscode.Uri, file: string): Promise<boolean> {
    if (folder.scheme === 'file') {
      return pathExists(file);
    }
    try {
      await vscode.workspace.fs.stat(folder.with({ path: path.posix.join(folder.path, path.basename(file)) }));
      return true;
    } catch {
      return false;
    }
  }

  /** Whether `target`, with symbolic links followed, is still inside `root`. */
  private async staysInside(target: vscode.Uri, root: vscode.Uri): Promise<boolean> {
    try {
      return isInsideFolder(await realPathOf(target.fsPath), await realPathOf(root.fsPath));
    } catch {
      return false;
    }
  }

  private refuse(uri: vscode.Uri, text: string, key: string, message: string): PreparedOrProblem {
    this.deps.diagnostics.setRunProblems(uri, text, [problemAtKey(text, key, message)]);
    return { ok: false, uri, invalid: false, message: `${baseName(uri)}: ${message}` };
  }

  private async reportProblems(problems: ReadonlyArray<Extract<PreparedOrProblem, { ok: false }>>): Promise<void> {
    if (problems.length === 1) {
      const [problem] = problems;
      // Instead of sending: show where the problem is (a file that cannot be read cannot be shown; the message says why).
      await Promise.resolve(vscode.commands.executeCommand('animateDiff.showParamsProblem', problem.uri)).catch(() => undefined);
      void this.deps.interaction.error(`${problem.message} Nothing was sent.`);
      return;
    }
    void this.deps.interaction.error(`Nothing was sent. ${problems.map((p) => p.message).join(' · ')}`);
  }

  private async reportSetting(setting: string, message: string): Promise<void> {
    const choice = await this.deps.interaction.error(message, SETTINGS_ACTION);
    if (choice === SETTINGS_ACTION) {
      await vscode.commands.executeCommand('workbench.action.openSettings', setting);
    }
  }
}

function notStarted(reason: string): ParamsRunReport {
  return { started: false, reason, items: [] };
}

function uniqueParamsFiles(targets: readonly vscode.Uri[]): vscode.Uri[] {
  const seen = new Map<string, vscode.Uri>();
  for (const uri of targets) {
    if (isParamsFileUri(uri) && !seen.has(uri.toString())) {
      seen.set(uri.toString(), uri);
    }
  }
  return [...seen.values()];
}

function describeJob(job: RunningJob): string {
  if (job.resultReady) {
    return 'Saving the video…';
  }
  switch (job.state) {
    case 'submitting':
      return 'Submitting to fal…';
    case 'queued':
      return job.queuePosition !== undefined ? `In fal's queue — position ${job.queuePosition + 1}` : 'In fal\'s queue…';
    case 'running':
      return job.lastLog ? `Generating — ${job.lastLog}` : 'Generating…';
  }
}

/** A problem at a top-level key's value (or the top of the object when the key is not there). */
function problemAtKey(text: string, key: string, message: string): ParamDiagnostic {
  const root = parseTree(text, [], { allowTrailingComma: true });
  const node = root ? findNodeAtLocation(root, [key]) : undefined;
  const at = node ?? root;
  return { offset: at?.offset ?? 0, length: node ? node.length : Math.min(1, text.length), severity: 'error', code: 'invalid-value', message };
}

/** Where a batch's videos were saved, for its summary: beside one file, in one folder, or beside each file. */
function savedWhere(done: readonly PlannedJob[]): string {
  const [first] = done;
  if (!first) {
    return '';
  }
  if (done.every((job) => job.file.uri.toString() === first.file.uri.toString())) {
    return ` Saved ${first.file.params.output ? `in ${displayPath(first.file.outputFolder)}` : `next to ${first.file.name}`}.`;
  }
  if (done.every((job) => job.file.outputFolder.toString() === first.file.outputFolder.toString())) {
    const folder = first.file.outputFolder;
    const root = vscode.workspace.getWorkspaceFolder(folder);
    return ` Saved in ${root && root.uri.toString() === folder.toString() ? `the workspace folder ${root.name}` : displayPath(folder)}.`;
  }
  return ' Each is saved next to its parameter file (or in its "output" folder).';
}
