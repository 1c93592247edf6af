import * as vscode from 'vscode';
import type { HistoryStore } from './store/historyStore';
import type { PruneResult } from './store/prunePlan';
import type { Interaction } from '../ui/interaction';
import { formatBytes } from './view/format';
import { readSettings } from '../config/reader';
import { readHistoryLimits } from '../config/settings';

export interface PrunerDeps {
  store(): Promise<HistoryStore | undefined>;
  interaction: Interaction;
  log: vscode.LogOutputChannel;
  /** Generations whose local video must stay whatever the limits (e.g. what the video panel shows). */
  protectedIds(): Iterable<string>;
}

/** Keeps the local videos within the settings' limits: the oldest go first, entries stay; says so once per prune. */
export class HistoryPruner {
  private chain: Promise<unknown> = Promise.resolve();
  private reportedProblems = '';

  constructor(private readonly deps: PrunerDeps) {}

  /** Prunes now (after any prune already running); resolves with what was deleted, or undefined when nothing was. */
  prune(alsoProtect: readonly string[] = []): Promise<PruneResult | undefined> {
    const run = this.chain.then(() => this.pruneNow(alsoProtect));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async pruneNow(alsoProtect: readonly string[]): Promise<PruneResult | undefined> {
    const store = await this.deps.store();
    if (!store) {
      return undefined;
    }
    const { limits, description, problems } = readHistoryLimits(readSettings());
    const problemText = problems.join(' ');
    if (problemText && problemText !== this.reportedProblems) {
      this.deps.log.warn(problemText);
      void this.deps.interaction.warning(problemText, {});
    }
    this.reportedProblems = problemText;
    if (limits.maxVideos === undefined && limits.maxTotalBytes === undefined) {
      return undefined;
    }
    let result: PruneResult;
    try {
      result = await store.prune(limits, { protect: [...alsoProtect, ...this.deps.protectedIds()] });
    } catch (error) {
      this.deps.log.error(`Could not delete old history videos: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
    if (result.pruned.length === 0) {
      return undefined;
    }
    const count = result.pruned.length;
    const message = count === 1
      ? vscode.l10n.t('Deleted the local copy of the oldest video ({0}) to keep the AnimateDiff history within {1}. Its prompt and parameters stay in the history; Re-run makes a video again.', formatBytes(result.freedBytes), description)
      : vscode.l10n.t('Deleted the local copies of the {0} oldest videos ({1}) to keep the AnimateDiff history within {2}. Their prompts and parameters stay in the history; Re-run makes a video again.', count, formatBytes(result.freedBytes), description);
    this.deps.log.info(`${message} Deleted: ${result.pruned.map((video) => video.file).join(', ')}`);
    const openSettings = vscode.l10n.t('Open Settings');
    void this.deps.interaction.info(message, openSettings).then((choice) => {
      if (choice === openSettings) {
        void vscode.commands.executeCommand('workbench.action.openSettings', 'animateDiff.history');
      }
    });
    return result;
  }
}
