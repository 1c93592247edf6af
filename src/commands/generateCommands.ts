import * as vscode from 'vscode';
import type { GenerationService } from '../generation/generationService';
import type { GenerationOutcome, RunningJob } from '../model/generation';
import { jobStateText } from '../generation/jobText';
import type { RunningBatch } from '../runs/runner';
import type { Interaction } from '../ui/interaction';
import type { Command } from '../util/commandManager';
import { generateFromPrompt, promptProblem } from './promptGeneration';

function selectedText(editor: vscode.TextEditor | undefined): string | undefined {
  if (!editor) {
    return undefined;
  }
  const texts = editor.selections.filter((s) => !s.isEmpty).map((s) => editor.document.getText(s));
  return texts.length > 0 ? texts.join('\n') : undefined;
}

export class GenerateFromSelectionCommand implements Command {
  readonly id = 'animateDiff.generateFromSelection';

  constructor(private readonly service: GenerationService, private readonly interaction: Interaction) {}

  async execute(): Promise<GenerationOutcome> {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      void this.interaction.warning(vscode.l10n.t('Open a file and select the prompt text first.'), {});
      return { kind: 'notStarted', reason: 'no editor' };
    }
    const prompt = selectedText(editor)?.trim();
    if (!prompt) {
      void this.interaction.warning(vscode.l10n.t('The selection is empty or only whitespace. Select the prompt text, then run Generate Video from Selection again.'), {});
      return { kind: 'notStarted', reason: 'empty selection' };
    }
    return generateFromPrompt(this.service, this.interaction, prompt, 'selection');
  }
}

export class GenerateFromPromptCommand implements Command {
  readonly id = 'animateDiff.generate';

  constructor(private readonly service: GenerationService, private readonly interaction: Interaction) {}

  async execute(): Promise<GenerationOutcome> {
    const prompt = await this.interaction.input({
      title: vscode.l10n.t('Generate Video'),
      prompt: vscode.l10n.t('Describe the video. Be as descriptive as possible.'),
      value: selectedText(vscode.window.activeTextEditor)?.trim() ?? '',
      placeHolder: vscode.l10n.t('masterpiece, best quality, a red fox running through snow, cinematic lighting'),
      ignoreFocusOut: true,
      validateInput: (text) => (text.trim() === '' ? vscode.l10n.t('Enter a prompt.') : promptProblem(text.trim())),
    });
    if (prompt === undefined || prompt.trim() === '') {
      return { kind: 'notStarted', reason: 'no prompt' };
    }
    return generateFromPrompt(this.service, this.interaction, prompt, 'prompt');
  }
}

export class CancelGenerationCommand implements Command {
  readonly id = 'animateDiff.cancelGeneration';

  constructor(
    private readonly service: GenerationService,
    private readonly interaction: Interaction,
    private readonly batchOf: (job: RunningJob) => RunningBatch | undefined = () => undefined,
  ) {}

  async execute(jobId?: unknown): Promise<boolean> {
    const jobs = this.service.runningJobs;
    if (typeof jobId === 'string') {
      return this.service.cancel(jobId);
    }
    if (jobs.length === 0) {
      void this.interaction.info(vscode.l10n.t('No generation is running.'));
      return false;
    }
    const batches = new Map<string, RunningBatch>();
    for (const job of jobs) {
      const batch = this.batchOf(job);
      if (batch && !batches.has(batch.key)) {
        batches.set(batch.key, batch);
      }
    }
    if (jobs.length === 1 && batches.size === 0) {
      return this.service.cancel(jobs[0].id);
    }
    // Stopping a whole batch comes first: cancelling one of its jobs only lets it start the next.
    const picked = await this.interaction.pick(
      [
        ...[...batches.values()].map((batch) => ({
          label: `$(close-all) ${vscode.l10n.t('All of {0}', batch.label)}`,
          description: batch.left === 1 ? vscode.l10n.t('1 video left') : vscode.l10n.t('{0} videos left', batch.left),
          cancel: () => batch.cancel(),
        })),
        ...jobs.map((job) => ({ label: job.label, description: jobStateText(job), cancel: () => this.service.cancel(job.id) })),
      ],
      { placeHolder: vscode.l10n.t('Cancel which generation?') },
    );
    return picked ? picked.cancel() : false;
  }
}
