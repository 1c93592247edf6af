import * as vscode from 'vscode';
import { isUnfinished, type HistoryEntry } from '../store/entry';
import type { HistoryStore } from '../store/historyStore';
import type { Command } from '../../commands/commandManager';
import type { GenerationOutcome, GenerationRecord, GenerationService } from '../../generation/generationService';
import type { ResultActions } from '../../panel/resultActions';
import { toGenerationView } from '../../panel/resultActions';
import type { VideoPanelManager } from '../../panel/videoPanel';
import type { Interaction } from '../../ui/interaction';
import { entryLabel, promptOf } from './format';
import { HISTORY_COMMANDS } from '../ids';
import type { HistoryLogDocuments } from './logDocuments';
import type { HistoryLookup } from '../results';
import { canFollowAgain, parametersRecordOf, recordOf, rerunRequestOf } from '../records';
import type { RunningJobsStatus } from './runningJobs';
import type { HistoryTree } from './tree';

export interface HistoryCommandDeps {
  current(): HistoryStore | undefined;
  service: GenerationService;
  panels: VideoPanelManager;
  actions: ResultActions;
  lookup: HistoryLookup;
  tree: HistoryTree;
  logs: HistoryLogDocuments;
  runningJobs: RunningJobsStatus;
  interaction: Interaction;
  /** Whether this window holds the unfinished job but waits for a key or valid settings to follow it. */
  isWaitingForKey(id: string): boolean;
  /** Follows a job again that failed because fal could not be reached. */
  followAgain(id: string): Promise<GenerationOutcome | undefined>;
  /** "Save Parameters as .animate.json" (a save dialog unless `target` is given). */
  saveParameters(record: GenerationRecord, target?: vscode.Uri): Promise<vscode.Uri | undefined>;
}

/**
 * The entries a command acts on. From the view's menus: the clicked item, or the whole selection when the
 * clicked item is part of it; from an item's own command: its id; from the palette: the view's selection.
 */
function targetIds(args: readonly unknown[], selection: readonly string[]): string[] {
  const [clicked, selected] = args;
  if (typeof clicked === 'string') {
    if (Array.isArray(selected) && selected.length > 1 && selected.every((id): id is string => typeof id === 'string') && selected.includes(clicked)) {
      return selected;
    }
    return [clicked];
  }
  return [...selection];
}

/** An optional target file passed after the id (tests; other extensions). */
function targetUri(args: readonly unknown[]): vscode.Uri | undefined {
  return args.find((arg): arg is vscode.Uri => arg instanceof vscode.Uri);
}

class HistoryCommand implements Command {
  constructor(readonly id: string, private readonly run: (...args: unknown[]) => unknown) {}

  execute(...args: unknown[]): unknown {
    return this.run(...args);
  }
}

/** Every command of the History view and the running-jobs status bar item. */
export function createHistoryCommands(deps: HistoryCommandDeps): Command[] {
  const entriesOf = (args: readonly unknown[]): HistoryEntry[] => {
    const store = deps.current();
    return targetIds(args, deps.tree.selection).flatMap((id) => {
      const entry = store?.get(id);
      return entry ? [entry] : [];
    });
  };
  const firstEntry = (args: readonly unknown[]): HistoryEntry | undefined => {
    const [entry] = entriesOf(args);
    if (!entry) {
      void deps.interaction.info('Select a generation in the AnimateDiff History view first.');
    }
    return entry;
  };
  const noVideo = (entry: HistoryEntry) => {
    const why = entry.status === 'done' ? 'its video is no longer available' : `it is ${entry.status === 'failed' ? 'a failed' : entry.status === 'cancelled' ? 'a cancelled' : 'an unfinished'} generation`;
    void deps.interaction.info(`“${entryLabel(entry)}” has no video: ${why}. Re-run it to make one.`);
  };

  const open = (...args: unknown[]): boolean => {
    const entry = firstEntry(args);
    if (!entry) {
      return false;
    }
    const record = recordOf(entry);
    if (!record) {
      void deps.logs.open(entry);
      return false;
    }
    deps.panels.showGeneration(toGenerationView(record), deps.lookup.videoUri(record), { preserveFocus: true });
    return true;
  };

  const rerun = (seed: 'same' | 'new') => async (...args: unknown[]): Promise<GenerationOutcome | undefined> => {
    const entry = firstEntry(args);
    return entry ? deps.service.generate(rerunRequestOf(entry, seed)) : undefined;
  };

  const saveVideo = async (...args: unknown[]): Promise<vscode.Uri | undefined> => {
    const entry = firstEntry(args);
    if (!entry) {
      return undefined;
    }
    const record = recordOf(entry);
    if (!record) {
      noVideo(entry);
      return undefined;
    }
    const target = targetUri(args);
    return target ? deps.actions.writeVideoTo(record, target) : deps.actions.saveVideo(record);
  };

  const saveParameters = async (...args: unknown[]): Promise<vscode.Uri | undefined> => {
    const entry = firstEntry(args);
    return entry ? deps.saveParameters(parametersRecordOf(entry), targetUri(args)) : undefined;
  };

  const copyPrompt = async (...args: unknown[]): Promise<string | undefined> => {
    const entry = firstEntry(args);
    if (!entry) {
      return undefined;
    }
    const prompt = promptOf(entry);
    await vscode.env.clipboard.writeText(prompt);
    void deps.interaction.info('Prompt copied.');
    return prompt;
  };

  const openLog = async (...args: unknown[]): Promise<vscode.Uri | undefined> => {
    const entry = firstEntry(args);
    return entry ? (await deps.logs.open(entry)).document.uri : undefined;
  };

  const cancel = (...args: unknown[]): boolean => {
    const entry = firstEntry(args);
    if (!entry) {
      return false;
    }
    if (deps.service.cancel(entry.id)) {
      return true;
    }
    if (deps.service.isRunning(entry.id)) {
      return false; // fal has made it already; the service said so
    }
    if (deps.isWaitingForKey(entry.id)) {
      void deps.interaction.info(`“${entryLabel(entry)}” waits for a fal API key (or valid settings) to be followed again; with a key set it can be cancelled.`, 'Set API Key').then((choice) => {
        if (choice === 'Set API Key') {
          void vscode.commands.executeCommand('animateDiff.setApiKey');
        }
      });
      return false;
    }
    void deps.interaction.info(isUnfinished(entry)
      ? `“${entryLabel(entry)}” is followed by another VS Code window; cancel it there.`
      : `“${entryLabel(entry)}” is not running.`);
    return false;
  };

  const followAgain = async (...args: unknown[]): Promise<GenerationOutcome | undefined> => {
    const entry = firstEntry(args);
    if (!entry) {
      return undefined;
    }
    if (!canFollowAgain(entry)) {
      void deps.interaction.info(`“${entryLabel(entry)}” did not fail for want of a connection to fal; Re-run it instead.`);
      return undefined;
    }
    return deps.followAgain(entry.id);
  };

  const remove = async (...args: unknown[]): Promise<number> => {
    const store = deps.current();
    const entries = entriesOf(args);
    if (!store || entries.length === 0) {
      return 0;
    }
    const running = entries.filter((entry) => deps.service.isRunning(entry.id));
    if (running.length > 0) {
      void deps.interaction.info(`${running.length === 1 ? `“${entryLabel(running[0])}” is` : `${running.length} of them are`} still running: cancel first, then delete.`);
    }
    const deletable = entries.filter((entry) => !running.includes(entry));
    // Started together, the deletions are written as one change.
    const deleted = await Promise.all(deletable.map((entry) => store.delete(entry.id)));
    return deleted.filter(Boolean).length;
  };

  const filter = async (): Promise<string | undefined> => {
    const text = await deps.interaction.input({
      title: 'Filter AnimateDiff History',
      prompt: 'Show generations whose prompt, seed, status, error or request id contains every word. Empty shows all.',
      value: deps.tree.filter,
      placeHolder: 'e.g. fox snow, or failed',
    });
    if (text === undefined) {
      return undefined;
    }
    deps.tree.setFilter(text);
    return deps.tree.filter;
  };

  const clearFilter = (): void => {
    deps.tree.setFilter('');
  };

  const clear = async (): Promise<number> => {
    const store = deps.current();
    const runningIds = new Set(deps.service.runningJobs.map((job) => job.id));
    const finished = (store?.list() ?? []).filter((entry) => !runningIds.has(entry.id) && !isUnfinished(entry));
    if (!store || finished.length === 0) {
      void deps.interaction.info('The AnimateDiff history has no finished generations to clear.');
      return 0;
    }
    const videos = finished.filter((entry) => entry.video).length;
    const choice = await deps.interaction.warning(
      `Delete all ${finished.length} finished ${finished.length === 1 ? 'generation' : 'generations'} from the AnimateDiff history?`,
      {
        modal: true,
        detail: `Their parameters${videos > 0 ? ` and ${videos} local ${videos === 1 ? 'video' : 'videos'}` : ''} are deleted. Running generations stay. This cannot be undone.`,
      },
      'Clear History',
    );
    if (choice !== 'Clear History') {
      return 0;
    }
    const deleted = await Promise.all(finished.map((entry) => store.delete(entry.id)));
    return deleted.filter(Boolean).length;
  };

  return [
    new HistoryCommand(HISTORY_COMMANDS.open, open),
    new HistoryCommand(HISTORY_COMMANDS.rerun, rerun('same')),
    new HistoryCommand(HISTORY_COMMANDS.rerunWithNewSeed, rerun('new')),
    new HistoryCommand(HISTORY_COMMANDS.saveVideo, saveVideo),
    new HistoryCommand(HISTORY_COMMANDS.saveParameters, saveParameters),
    new HistoryCommand(HISTORY_COMMANDS.copyPrompt, copyPrompt),
    new HistoryCommand(HISTORY_COMMANDS.openLog, openLog),
    new HistoryCommand(HISTORY_COMMANDS.cancel, cancel),
    new HistoryCommand(HISTORY_COMMANDS.followAgain, followAgain),
    new HistoryCommand(HISTORY_COMMANDS.delete, remove),
    new HistoryCommand(HISTORY_COMMANDS.filter, filter),
    new HistoryCommand(HISTORY_COMMANDS.clearFilter, clearFilter),
    new HistoryCommand(HISTORY_COMMANDS.clear, clear),
    new HistoryCommand(HISTORY_COMMANDS.showRunningJobs, () => deps.runningJobs.pickAndAct()),
  ];
}
