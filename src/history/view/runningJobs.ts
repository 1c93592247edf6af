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
  const queue = positions.length > 0 ? ` · queue #${Math.min(...positions) + 1}` : '';
  return `$(sync~spin) AnimateDiff: ${jobs.length} running${queue}`;
}

const SHOW = '$(list-selection) Show in History';
const CANCEL = '$(debug-stop) Cancel Generation';

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
    this.item.name = 'AnimateDiff Generations';
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
    tooltip.appendMarkdown('**AnimateDiff generations** — click to show or cancel one\n\n');
    for (const job of jobs) {
      tooltip.appendMarkdown('- ');
      tooltip.appendText(`${job.label} — ${jobStateText(job)}, ${formatDuration(Date.now() - job.startedAt)}`);
      tooltip.appendMarkdown('\n');
    }
    this.item.tooltip = tooltip;
    this.item.accessibilityInformation = { label: `AnimateDiff: ${jobs.length} ${jobs.length === 1 ? 'generation' : 'generations'} running` };
    this.item.show();
  }

  /** The status bar item's click: pick a running job (when there are several), then Show or Cancel it. */
  async pickAndAct(): Promise<'shown' | 'cancelled' | undefined> {
    const jobs = this.deps.service.runningJobs;
    if (jobs.length === 0) {
      void this.deps.interaction.info('No AnimateDiff generation is running.');
      return undefined;
    }
    let job: RunningJob | undefined = jobs[0];
    if (jobs.length > 1) {
      const picked = await this.deps.interaction.pick(
        jobs.map((candidate) => ({
          label: candidate.label,
          description: jobStateText(candidate),
          detail: `started ${formatDuration(Date.now() - candidate.startedAt)} ago${candidate.requestId ? ` · fal request ${candidate.requestId}` : ''}`,
          id: candidate.id,
        })),
        { title: 'Running AnimateDiff Generations', placeHolder: 'Pick a generation to show or cancel' },
      );
      job = picked ? jobs.find((candidate) => candidate.id === picked.id) : undefined;
    }
    if (!job) {
      return undefined;
    }
    const action = await this.deps.interaction.pick(
      [{ label: SHOW, description: 'select it in the History view' }, { label: CANCEL, description: 'ask fal to cancel it' }],
      { title: job.label, placeHolder: `“${job.label}” is ${jobStateText(job)}: show or cancel it?` },
    );
    if (action?.label === SHOW) {
      await this.deps.reveal(job.id);
      return 'shown';
    }
    if (action?.label === CANCEL) {
      return this.deps.service.cancel(job.id) ? 'cancelled' : undefined;
    }
    return undefined;
  }
}
