import * as vscode from 'vscode';
import type { GenerationService } from '../../generation/generationService';
import { jobStateText } from '../../generation/jobText';
import type { RunningJob } from '../../model/generation';
import type { Interaction } from '../../ui/interaction';
import { Disposable } from '../../util/dispose';
import { formatDuration } from './format';
import { HISTORY_COMMANDS } from '../ids';

/** `AnimateDiff: 2 running · queue #3`: how many jobs this window follows, and the best queue position among them. */
export function statusBarText(jobs: readonly RunningJob[]): string {
  const positions = jobs.flatMap((job) => (job.state === 'queued' && job.queuePosition !== undefined ? [job.queuePosition] : []));
  const text = positions.length > 0
    ? vscode.l10n.t('AnimateDiff: {0} running · queue #{1}', jobs.length, Math.min(...positions) + 1)
    : vscode.l10n.t('AnimateDiff: {0} running', jobs.length);
  return `$(sync~spin) ${text}`;
}

export interface RunningJobsDeps {
  service: GenerationService;
  interaction: Interaction;
  /** Reveals the job's entry in the History view. */
  reveal(jobId: string): Promise<void>;
}

/** The status bar item for running jobs (hidden when there are none) and its quick pick: Show or Cancel a job. */
export class RunningJobsStatus extends Disposable {
  readonly item: vscode.StatusBarItem;

  constructor(private readonly deps: RunningJobsDeps) {
    super();
    this.item = this._register(vscode.window.createStatusBarItem('animateDiff.runningJobs', vscode.StatusBarAlignment.Left, 10));
    this.item.name = vscode.l10n.t('AnimateDiff Generations');
    this.item.command = HISTORY_COMMANDS.showRunningJobs;
    this._register(deps.service.onDidChangeJobs(() => this.update()));
    this.update();
  }

  update(): void {
    const jobs = this.deps.service.runningJobs;
    if (jobs.length === 0) {
      this.item.hide();
      return;
    }
    this.item.text = statusBarText(jobs);
    const tooltip = new vscode.MarkdownString('', true);
    tooltip.appendMarkdown(`**${vscode.l10n.t('AnimateDiff generations')}** — ${vscode.l10n.t('click to show or cancel one')}\n\n`);
    for (const job of jobs) {
      tooltip.appendMarkdown('- ');
      tooltip.appendText(vscode.l10n.t('{0} — {1}, {2}', job.label, jobStateText(job), formatDuration(Date.now() - job.startedAt)));
      tooltip.appendMarkdown('\n');
    }
    this.item.tooltip = tooltip;
    this.item.accessibilityInformation = {
      label: jobs.length === 1 ? vscode.l10n.t('AnimateDiff: 1 generation running') : vscode.l10n.t('AnimateDiff: {0} generations running', jobs.length),
    };
    this.item.show();
  }

  /** The status bar item's click: pick a running job (when there are several), then Show or Cancel it. */
  async pickAndAct(): Promise<'shown' | 'cancelled' | undefined> {
    const jobs = this.deps.service.runningJobs;
    if (jobs.length === 0) {
      void this.deps.interaction.info(vscode.l10n.t('No AnimateDiff generation is running.'));
      return undefined;
    }
    let job: RunningJob | undefined = jobs[0];
    if (jobs.length > 1) {
      const picked = await this.deps.interaction.pick(
        jobs.map((candidate) => ({
          label: candidate.label,
          description: jobStateText(candidate),
          detail: candidate.requestId
            ? vscode.l10n.t('started {0} ago · fal request {1}', formatDuration(Date.now() - candidate.startedAt), candidate.requestId)
            : vscode.l10n.t('started {0} ago', formatDuration(Date.now() - candidate.startedAt)),
          id: candidate.id,
        })),
        { title: vscode.l10n.t('Running AnimateDiff Generations'), placeHolder: vscode.l10n.t('Pick a generation to show or cancel') },
      );
      job = picked ? jobs.find((candidate) => candidate.id === picked.id) : undefined;
    }
    if (!job) {
      return undefined;
    }
    const show = `$(list-selection) ${vscode.l10n.t('Show in History')}`;
    const cancel = `$(debug-stop) ${vscode.l10n.t('Cancel Generation')}`;
    const action = await this.deps.interaction.pick(
      [{ label: show, description: vscode.l10n.t('select it in the History view') }, { label: cancel, description: vscode.l10n.t('ask fal to cancel it') }],
      { title: job.label, placeHolder: vscode.l10n.t('“{0}” is {1}: show or cancel it?', job.label, jobStateText(job)) },
    );
    if (action?.label === show) {
      await this.deps.reveal(job.id);
      return 'shown';
    }
    if (action?.label === cancel) {
      return this.deps.service.cancel(job.id) ? 'cancelled' : undefined;
    }
    return undefined;
  }
}
