import * as vscode from 'vscode';
import * as path from 'node:path';
import type { GenerationRecord } from '../model/generation';
import type { GenerationPresenter, VideoCopies } from '../panel/presenter';
import type { ParamsDiagnostics } from '../params/editor/paramsDiagnostics';
import { displayPath } from '../params/editor/paramsDocuments';
import type { Interaction } from '../ui/interaction';
import type { JobResult } from './batch';
import { summarizeBatch, type BatchItemSummary } from './batchRunner';
import type { PlannedJob } from './outputPlan';

export interface AnnounceDeps {
  interaction: Interaction;
  log: vscode.LogOutputChannel;
  presenter: GenerationPresenter;
  copies: VideoCopies;
  diagnostics: ParamsDiagnostics;
  /** Asks where to save a generation's video and writes it there (the panel's Save Video…). */
  saveVideoAs?(record: GenerationRecord): Promise<unknown>;
}

/** The last step of a run: tells the user how it went — the single video in the panel, or the batch's summary. */
export function announce(jobs: readonly PlannedJob[], results: readonly JobResult[], batch: boolean, deps: AnnounceDeps): void {
  const LOG_ACTION = vscode.l10n.t('Open Log');
  const SAVE_VIDEO_ACTION = vscode.l10n.t('Save Video…');
  if (batch) {
    announceBatch(jobs, results, deps);
    return;
  }
  const { interaction, log, presenter } = deps;
  const [{ item, record, videoNotSaved }] = results;
  const [job] = jobs;
  if (item.state === 'done' && record && item.video) {
    presenter.show(record);
    const videoName = path.posix.basename(vscode.Uri.parse(item.video).path);
    const openRecord = vscode.l10n.t('Open Result Record');
    const saved = job.file.params.output
      ? vscode.l10n.t('Saved {0} and its result record in {1}.', videoName, displayPath(job.file.outputFolder))
      : vscode.l10n.t('Saved {0} and its result record next to {1}.', videoName, job.file.name);
    void Promise.resolve(interaction.info(saved, openRecord))
      .then((choice) => {
        if (choice === openRecord && item.record) {
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
    presenter.show(record);
    const actions = deps.saveVideoAs ? [SAVE_VIDEO_ACTION, LOG_ACTION] : [LOG_ACTION];
    const reason = (item.reason ?? vscode.l10n.t('the video was not saved')).replace(/\.\s*$/, '');
    const message = deps.copies.localCopy(record.id)
      ? vscode.l10n.t('{0}: {1}. A copy is in the AnimateDiff history.', job.file.name, reason)
      : vscode.l10n.t('{0}: {1}.', job.file.name, reason);
    void Promise.resolve(interaction.error(message, ...actions))
      .then((choice) => {
        if (choice === SAVE_VIDEO_ACTION) {
          void deps.saveVideoAs?.(record);
        } else if (choice === LOG_ACTION) {
          log.show(true);
        }
      });
    return;
  }
  const hasProblems = deps.diagnostics.errorsOf(job.file.uri).length > 0;
  // Retry spends credits again: not offered when fal made the video (only its record could not be written).
  const showProblem = vscode.l10n.t('Show Problem');
  const retry = vscode.l10n.t('Retry');
  const actions = hasProblems ? [showProblem, LOG_ACTION] : record ? [LOG_ACTION] : [retry, LOG_ACTION];
  void Promise.resolve(interaction.error(vscode.l10n.t('{0}: {1}', job.file.name, item.reason ?? vscode.l10n.t('the video was not generated')), ...actions)).then((choice) => {
    if (choice === showProblem) {
      void vscode.commands.executeCommand('animateDiff.showParamsProblem', job.file.uri);
    } else if (choice === retry) {
      void vscode.commands.executeCommand('animateDiff.generateFromParamsFile', job.file.uri);
    } else if (choice === LOG_ACTION) {
      log.show(true);
    }
  });
}

function announceBatch(jobs: readonly PlannedJob[], results: readonly JobResult[], deps: AnnounceDeps): void {
  const { interaction, log } = deps;
  const REVEAL_ACTION = vscode.l10n.t('Reveal in Explorer');
  const LOG_ACTION = vscode.l10n.t('Open Log');
  const summary = summarizeBatch(results.map(({ item }): BatchItemSummary => ({ label: item.label, state: item.state, reason: item.reason })));
  log.info(`Batch finished: ${summary.text}`);
  const firstVideo = results.find(({ item }) => item.video)?.item.video;
  const where = savedWhere(jobs.filter((_, index) => results[index].item.state === 'done'));
  const text = where ? vscode.l10n.t('{0} {1}', summary.text, where) : summary.text;
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
}

/** Where a batch's videos were saved, for its summary: beside one file, in one folder, or beside each file. */
function savedWhere(done: readonly PlannedJob[]): string {
  const [first] = done;
  if (!first) {
    return '';
  }
  if (done.every((job) => job.file.uri.toString() === first.file.uri.toString())) {
    return first.file.params.output
      ? vscode.l10n.t('Saved in {0}.', displayPath(first.file.outputFolder))
      : vscode.l10n.t('Saved next to {0}.', first.file.name);
  }
  if (done.every((job) => job.file.outputFolder.toString() === first.file.outputFolder.toString())) {
    const folder = first.file.outputFolder;
    const root = vscode.workspace.getWorkspaceFolder(folder);
    return root && root.uri.toString() === folder.toString()
      ? vscode.l10n.t('Saved in the workspace folder {0}.', root.name)
      : vscode.l10n.t('Saved in {0}.', displayPath(folder));
  }
  return vscode.l10n.t('Each is saved next to its parameter file (or in its "output" folder).');
}
