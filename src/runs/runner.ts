import * as vscode from 'vscode';
import { readSettings } from '../config/reader';
import { readBatchConcurrency, readGenerationDefaults } from '../config/settings';
import type { GenerationRequest } from '../model/generation';
import type { GenerationDefaults } from '../model/request';
import type { VideoPanelManager } from '../panel/videoPanel';
import type { RunProgress, RunProgressSource } from '../params/editor/paramsCodeLens';
import { baseName, displayPath, isParamsFileUri } from '../params/editor/paramsDocuments';
import type { Interaction } from '../ui/interaction';
import { Disposable } from '../util/dispose';
import { ActiveRun } from './activeRun';
import { announce, type AnnounceDeps } from './announce';
import { runBatch, type BatchDeps } from './batch';
import { BatchGrid } from './batchGrid';
import { planOutputs } from './outputPlan';
import { prepareParamsFile, type PreparedOrProblem } from './prepare';
import { notStarted, type ParamsRunItem, type ParamsRunReport } from './runReport';

export type ParamsRunnerDeps = BatchDeps & AnnounceDeps & {
  panels: VideoPanelManager;
  interaction: Interaction;
};

/** A parameter-file batch a running job belongs to (see {@link ParamsRunner.batchOf}). */
export interface RunningBatch {
  /** Tells batches apart (files of the same name may run from different folders). */
  key: string;
  /** The files, e.g. `four.animate.json`. */
  label: string;
  /** Videos not finished yet, the running ones included. */
  left: number;
  cancel(): boolean;
}

/**
 * Runs parameter files, one or several as one batch: prepare each file → plan the output files → open one fal
 * session (the user is asked once) → run the batch → announce how it went. Each step is its own module.
 */
export class ParamsRunner extends Disposable implements RunProgressSource {
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
  batchOf(request: GenerationRequest): RunningBatch | undefined {
    for (const [key, run] of this.runs) {
      if (run.requests.has(request) && !run.cancelled && run.left > 1) {
        const files = [...this.runs].filter(([, other]) => other === run).map(([file]) => file);
        const uri = vscode.Uri.parse(key);
        return { key: files[0], label: files.map((file) => baseName(vscode.Uri.parse(file))).join(', '), left: run.left, cancel: () => this.cancel(uri) };
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
    // Saving the videos fal has already made stops too (a stalled download would hold the file for ever); each is
    // kept in the history, from where Save Video… saves it.
    run.abort.abort();
    return true;
  }

  /** The user's `animateDiff.defaults.*`, or undefined after telling them which setting is wrong. */
  async readDefaults(): Promise<GenerationDefaults | undefined> {
    const defaults = readGenerationDefaults(readSettings());
    if (!defaults.ok) {
      await this.reportSetting(defaults.problems[0].setting, vscode.l10n.t('{0} Nothing was sent.', defaults.problems.map((p) => p.message).join(' ')));
      return undefined;
    }
    return defaults.defaults;
  }

  /** Reads, validates and resolves one file (what a run and a dry run start with). */
  prepare(uri: vscode.Uri, defaults: GenerationDefaults): Promise<PreparedOrProblem> {
    return prepareParamsFile(uri, defaults, this.deps.diagnostics);
  }

  /** Runs the files as one batch (one file with one seed is a single run). */
  async run(targets: readonly vscode.Uri[]): Promise<ParamsRunReport> {
    const uris = uniqueParamsFiles(targets);
    if (uris.length === 0) {
      void this.deps.interaction.warning(vscode.l10n.t('Choose one or more .animate.json parameter files to generate from.'), {});
      return notStarted('no parameter file');
    }
    const busy = uris.filter((uri) => this.runs.has(uri.toString()) || this.starting.has(uri.toString()));
    if (busy.length > 0) {
      const starting = busy.every((uri) => !this.runs.has(uri.toString()));
      void this.deps.interaction.info(starting
        ? busy.length === 1
          ? vscode.l10n.t('{0} is still starting; answer its questions, if any, and it runs once.', baseName(busy[0]))
          : vscode.l10n.t('{0} are still starting; answer their questions, if any, and they run once.', busy.map(baseName).join(', '))
        : busy.length === 1
          ? vscode.l10n.t('{0} is already generating. Cancel from its CodeLens to start again.', baseName(busy[0]))
          : vscode.l10n.t('{0} are already generating. Cancel from their CodeLens to start again.', busy.map(baseName).join(', ')));
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
    const concurrency = readBatchConcurrency(readSettings());
    if (!defaults) {
      return notStarted('invalid settings');
    }
    if (!concurrency.ok) {
      await this.reportSetting(concurrency.setting, vscode.l10n.t('{0} Nothing was sent.', concurrency.message));
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

    const jobs = await planOutputs(files, uris.length > 1, this.deps.interaction);
    if (!jobs) {
      return { started: false, reason: 'declined to replace existing files', items: skippedItems };
    }
    const uploads = [...new Set(files.flatMap((f) => (f.localVideo ? [f.localVideo.shown] : [])))];
    const session = await this.deps.service.sessions.open({
      videos: jobs.length,
      uploads,
      endpoint: [...new Set(jobs.map((job) => job.request.endpoint))].join(', '),
      requests: jobs.map((job) => ({ endpoint: job.request.endpoint, input: job.request.input })),
      label: files.length === 1
        ? vscode.l10n.t('Parameter file: {0}', displayPath(files[0].uri))
        : vscode.l10n.t('Parameter files: {0}', files.map((f) => displayPath(f.uri)).join(', ')),
    });
    if (!session) {
      return { started: false, reason: 'not allowed to start', items: skippedItems };
    }
    if (problems.length > 0) {
      // The others run; say at once which files do not.
      void this.deps.interaction.warning(vscode.l10n.t('Not run: {0}', problems.map((p) => p.message).join(' · ')), {});
    }

    const run = new ActiveRun(jobs.length, () => this.changeEmitter.fire());
    files.forEach((file) => this.runs.set(file.uri.toString(), run));
    this.changeEmitter.fire();
    const batch = jobs.length > 1;
    const title = files.length === 1
      ? vscode.l10n.t('{0} — {1} videos', files[0].name, jobs.length)
      : vscode.l10n.t('{0} parameter files — {1} videos', files.length, jobs.length);
    const grid = new BatchGrid(this.deps.panels, this.deps.service, title, jobs.map((job) => job.label), batch);
    let results;
    try {
      results = await runBatch(jobs, session, concurrency.value, run, grid, this.deps);
    } finally {
      grid.dispose();
      files.forEach((file) => {
        if (this.runs.get(file.uri.toString()) === run) {
          this.runs.delete(file.uri.toString());
        }
      });
      this.changeEmitter.fire();
    }
    grid.finish((index) => {
      const { item } = results[index];
      return item.state === 'cancelled' ? vscode.l10n.t('Cancelled before it started.') : item.reason ?? vscode.l10n.t('Not run.');
    });
    announce(jobs, results, batch, this.deps);
    return { started: true, items: [...results.map(({ item }) => item), ...skippedItems] };
  }

  private async reportProblems(problems: ReadonlyArray<Extract<PreparedOrProblem, { ok: false }>>): Promise<void> {
    if (problems.length === 1) {
      const [problem] = problems;
      // Instead of sending: show where the problem is (a file that cannot be read cannot be shown; the message says why).
      await Promise.resolve(vscode.commands.executeCommand('animateDiff.showParamsProblem', problem.uri)).catch(() => undefined);
      void this.deps.interaction.error(vscode.l10n.t('{0} Nothing was sent.', problem.message));
      return;
    }
    void this.deps.interaction.error(vscode.l10n.t('Nothing was sent. {0}', problems.map((p) => p.message).join(' · ')));
  }

  private async reportSetting(setting: string, message: string): Promise<void> {
    const openSettings = vscode.l10n.t('Open Settings');
    const choice = await this.deps.interaction.error(message, openSettings);
    if (choice === openSettings) {
      await vscode.commands.executeCommand('workbench.action.openSettings', setting);
    }
  }
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
