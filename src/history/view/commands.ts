import * as vscode from 'vscode';
import type { GenerationService } from '../../generation/generationService';
import type { GenerationOutcome, GenerationRecord } from '../../model/generation';
import { copyRequestAsCode, isCodeLanguage } from '../../panel/copyAsCode';
import type { GenerationPresenter } from '../../panel/presenter';
import type { ResultActions } from '../../panel/resultActions';
import { isExportChoice } from '../../panel/exportText';
import type { VideoExporter } from '../../panel/videoExport';
import type { Interaction } from '../../ui/interaction';
import type { Command } from '../../util/commandManager';
import { HISTORY_COMMANDS } from '../ids';
import { canFollowAgain, parametersRecordOf, recordOf, rerunRequestOf } from '../records';
import { isUnfinished, isUnfinishedStatus, type HistoryEntry } from '../store/entry';
import type { HistoryStore } from '../store/historyStore';
import { entryName, promptOf } from './format';
import type { HistoryLogDocuments } from './logDocuments';
import type { RunningJobsStatus } from './runningJobs';
import type { HistoryTree } from './tree';

export interface HistoryCommandDeps {
  current(): HistoryStore | undefined;
  /** The history once it has been read (undefined if it cannot be). */
  ready(): Promise<HistoryStore | undefined>;
  /** The id of the newest generation this window started (or followed again), if any. */
  lastGenerationHere(): string | undefined;
  service: GenerationService;
  presenter: GenerationPresenter;
  actions: ResultActions;
  /** Loads the exporter (its own bundle) at first use. */
  exporter(): VideoExporter;
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

/** A command on history entries: the clicked item, the selection, or (from the palette) the view's selection. */
abstract class HistoryEntryCommand implements Command {
  abstract readonly id: string;

  constructor(protected readonly deps: HistoryCommandDeps) {}

  abstract execute(...args: unknown[]): unknown;

  protected entriesOf(args: readonly unknown[]): HistoryEntry[] {
    const store = this.deps.current();
    return targetIds(args, this.deps.tree.selection).flatMap((id) => {
      const entry = store?.get(id);
      return entry ? [entry] : [];
    });
  }

  protected firstEntry(args: readonly unknown[]): HistoryEntry | undefined {
    const [entry] = this.entriesOf(args);
    if (!entry) {
      void this.deps.interaction.info(vscode.l10n.t('Select a generation in the AnimateDiff History view first.'));
    }
    return entry;
  }
}

class OpenCommand extends HistoryEntryCommand {
  readonly id = HISTORY_COMMANDS.open;

  /** Plays a finished generation in the panel; anything else opens its log. */
  execute(...args: unknown[]): boolean {
    const entry = this.firstEntry(args);
    if (!entry) {
      return false;
    }
    const record = recordOf(entry);
    if (!record) {
      void this.deps.logs.open(entry);
      return false;
    }
    this.deps.presenter.show(record, { preserveFocus: true });
    return true;
  }
}

class RerunCommand extends HistoryEntryCommand {
  readonly id: string;

  /** `same`: the seed fal used (the same video); `new`: no seed (fal picks one). */
  constructor(deps: HistoryCommandDeps, private readonly seed: 'same' | 'new') {
    super(deps);
    this.id = seed === 'same' ? HISTORY_COMMANDS.rerun : HISTORY_COMMANDS.rerunWithNewSeed;
  }

  async execute(...args: unknown[]): Promise<GenerationOutcome | undefined> {
    const entry = this.firstEntry(args);
    return entry ? this.deps.service.generate(rerunRequestOf(entry, this.seed)) : undefined;
  }
}

/**
 * "Re-run Last Generation" (a key, the palette): the newest generation of this window — or, when it has none (or
 * it was deleted), the history's newest — sent again exactly as the History's Re-run sends it: same request, same seed.
 */
class RerunLastCommand implements Command {
  readonly id = HISTORY_COMMANDS.rerunLast;

  constructor(private readonly deps: HistoryCommandDeps) {}

  async execute(): Promise<GenerationOutcome> {
    const { interaction, service } = this.deps;
    const store = await this.deps.ready();
    const here = this.deps.lastGenerationHere();
    const entry = (here !== undefined ? store?.get(here) : undefined) ?? newestEntry(store);
    if (!entry) {
      const generate = vscode.l10n.t('Generate Video…');
      void interaction.info(vscode.l10n.t('Nothing to re-run yet: there is no generation in this window or in the AnimateDiff history. Generate a video first.'), generate).then((choice) => {
        if (choice === generate) {
          void vscode.commands.executeCommand('animateDiff.generate');
        }
      });
      return { kind: 'notStarted', reason: 'nothing to re-run' };
    }
    if (isUnfinished(entry)) {
      // The same request and seed would make the same video again, and be billed again.
      void interaction.info(vscode.l10n.t('“{0}” is still running. Re-run it when it has finished.', entryName(entry)));
      return { kind: 'notStarted', reason: 'still running' };
    }
    return service.generate(rerunRequestOf(entry, 'same'));
  }
}

/** The history's newest readable entry. */
function newestEntry(store: HistoryStore | undefined): HistoryEntry | undefined {
  for (const id of store?.ids() ?? []) {
    const entry = store?.get(id);
    if (entry) {
      return entry;
    }
  }
  return undefined;
}

class SaveVideoCommand extends HistoryEntryCommand {
  readonly id = HISTORY_COMMANDS.saveVideo;

  async execute(...args: unknown[]): Promise<vscode.Uri | undefined> {
    const entry = this.firstEntry(args);
    if (!entry) {
      return undefined;
    }
    const record = recordOf(entry);
    if (!record) {
      const name = entryName(entry);
      void this.deps.interaction.info(entry.status === 'done'
        ? vscode.l10n.t('“{0}” has no video: its video is no longer available. Re-run it to make one.', name)
        : entry.status === 'failed'
          ? vscode.l10n.t('“{0}” has no video: it is a failed generation. Re-run it to make one.', name)
          : entry.status === 'cancelled'
            ? vscode.l10n.t('“{0}” has no video: it is a cancelled generation. Re-run it to make one.', name)
            : vscode.l10n.t('“{0}” has no video: it is an unfinished generation. Re-run it to make one.', name));
      return undefined;
    }
    const target = targetUri(args);
    return target ? this.deps.actions.writeVideoTo(record, target) : this.deps.actions.saveVideo(record);
  }
}

/** Export GIF or WebM… and Insert as Markdown: the video is opened in the panel, which encodes it. */
class ExportCommand extends HistoryEntryCommand {
  readonly id: string;

  constructor(deps: HistoryCommandDeps, private readonly what: 'file' | 'markdown') {
    super(deps);
    this.id = what === 'file' ? HISTORY_COMMANDS.exportVideo : HISTORY_COMMANDS.insertMarkdown;
  }

  async execute(...args: unknown[]): Promise<vscode.Uri | undefined> {
    // The menus offer it on finished entries with a video only.
    const entry = this.firstEntry(args);
    const record = entry ? recordOf(entry) : undefined;
    if (!record) {
      return undefined;
    }
    const choice = args.find(isExportChoice);
    return this.what === 'file' ? this.deps.exporter().exportVideo(record, choice) : this.deps.exporter().insertAsMarkdown(record);
  }
}

class SaveParametersCommand extends HistoryEntryCommand {
  readonly id = HISTORY_COMMANDS.saveParameters;

  async execute(...args: unknown[]): Promise<vscode.Uri | undefined> {
    const entry = this.firstEntry(args);
    return entry ? this.deps.saveParameters(parametersRecordOf(entry), targetUri(args)) : undefined;
  }
}

class CopyPromptCommand extends HistoryEntryCommand {
  readonly id = HISTORY_COMMANDS.copyPrompt;

  async execute(...args: unknown[]): Promise<string | undefined> {
    const entry = this.firstEntry(args);
    if (!entry) {
      return undefined;
    }
    const prompt = promptOf(entry);
    await vscode.env.clipboard.writeText(prompt);
    void this.deps.interaction.info(vscode.l10n.t('Prompt copied.'));
    return prompt;
  }
}

/** How many videos Compare shows at once: beyond that, tiles are too small to compare. */
export const COMPARE_MAX = 8;

class CompareCommand extends HistoryEntryCommand {
  readonly id = HISTORY_COMMANDS.compare;

  /** The selected finished generations (2 to 8) side by side in the panel; returns the ids shown. */
  execute(...args: unknown[]): string[] {
    const records = this.entriesOf(args).flatMap((entry) => {
      const record = recordOf(entry);
      return record ? [record] : [];
    });
    if (records.length < 2) {
      void this.deps.interaction.info(vscode.l10n.t('Select 2 to 8 finished generations in the AnimateDiff History view (Ctrl+click or Cmd+click), then Compare Side by Side.'));
      return [];
    }
    if (records.length > COMPARE_MAX) {
      void this.deps.interaction.info(vscode.l10n.t('Compare shows {0} videos at once: the first {0} selected are shown.', COMPARE_MAX));
    }
    const shown = records.slice(0, COMPARE_MAX);
    this.deps.presenter.compare(shown, { preserveFocus: true });
    return shown.map((record) => record.id);
  }
}

class CopyAsCodeCommand extends HistoryEntryCommand {
  readonly id = HISTORY_COMMANDS.copyAsCode;

  /** The entry's request (with the seed fal used) as cURL, JavaScript or Python; a language may follow the id. */
  async execute(...args: unknown[]): Promise<string | undefined> {
    const entry = this.firstEntry(args);
    if (!entry) {
      return undefined;
    }
    const request = rerunRequestOf(entry, 'same');
    return copyRequestAsCode({ endpoint: entry.endpoint, input: request.input }, this.deps.interaction, args.find(isCodeLanguage));
  }
}

class OpenLogCommand extends HistoryEntryCommand {
  readonly id = HISTORY_COMMANDS.openLog;

  async execute(...args: unknown[]): Promise<vscode.Uri | undefined> {
    const entry = this.firstEntry(args);
    return entry ? (await this.deps.logs.open(entry)).document.uri : undefined;
  }
}

class CancelCommand extends HistoryEntryCommand {
  readonly id = HISTORY_COMMANDS.cancel;

  execute(...args: unknown[]): boolean {
    const entry = this.firstEntry(args);
    if (!entry) {
      return false;
    }
    const { service, interaction } = this.deps;
    if (service.cancel(entry.id)) {
      return true;
    }
    if (service.isRunning(entry.id)) {
      return false; // fal has made it already; the service said so
    }
    if (this.deps.isWaitingForKey(entry.id)) {
      const setKey = vscode.l10n.t('Set API Key');
      void interaction.info(vscode.l10n.t('“{0}” waits for a fal API key (or valid settings) to be followed again; with a key set it can be cancelled.', entryName(entry)), setKey).then((choice) => {
        if (choice === setKey) {
          void vscode.commands.executeCommand('animateDiff.setApiKey');
        }
      });
      return false;
    }
    void interaction.info(isUnfinished(entry)
      ? vscode.l10n.t('“{0}” is followed by another VS Code window; cancel it there.', entryName(entry))
      : vscode.l10n.t('“{0}” is not running.', entryName(entry)));
    return false;
  }
}

class FollowAgainCommand extends HistoryEntryCommand {
  readonly id = HISTORY_COMMANDS.followAgain;

  async execute(...args: unknown[]): Promise<GenerationOutcome | undefined> {
    const entry = this.firstEntry(args);
    if (!entry) {
      return undefined;
    }
    if (!canFollowAgain(entry)) {
      void this.deps.interaction.info(vscode.l10n.t('“{0}” did not fail for want of a connection to fal; Re-run it instead.', entryName(entry)));
      return undefined;
    }
    return this.deps.followAgain(entry.id);
  }
}

class DeleteCommand extends HistoryEntryCommand {
  readonly id = HISTORY_COMMANDS.delete;

  async execute(...args: unknown[]): Promise<number> {
    const store = this.deps.current();
    const entries = this.entriesOf(args);
    if (!store || entries.length === 0) {
      return 0;
    }
    const running = entries.filter((entry) => this.deps.service.isRunning(entry.id));
    if (running.length > 0) {
      void this.deps.interaction.info(running.length === 1
        ? vscode.l10n.t('“{0}” is still running: cancel first, then delete.', entryName(running[0]))
        : vscode.l10n.t('{0} of them are still running: cancel first, then delete.', running.length));
    }
    const deletable = entries.filter((entry) => !running.includes(entry));
    // Started together, the deletions are written as one change.
    const deleted = await Promise.all(deletable.map((entry) => store.delete(entry.id)));
    return deleted.filter(Boolean).length;
  }
}

class FilterCommand implements Command {
  readonly id = HISTORY_COMMANDS.filter;

  constructor(private readonly deps: HistoryCommandDeps) {}

  async execute(): Promise<string | undefined> {
    const text = await this.deps.interaction.input({
      title: vscode.l10n.t('Filter AnimateDiff History'),
      prompt: vscode.l10n.t('Show generations whose prompt, seed, status, error or request id contains every word. Empty shows all.'),
      value: this.deps.tree.filter,
      placeHolder: vscode.l10n.t('e.g. fox snow, or failed'),
    });
    if (text === undefined) {
      return undefined;
    }
    this.deps.tree.setFilter(text);
    return this.deps.tree.filter;
  }
}

class ShowMoreCommand implements Command {
  readonly id = HISTORY_COMMANDS.showMore;

  constructor(private readonly deps: HistoryCommandDeps) {}

  execute(): void {
    this.deps.tree.showMore();
  }
}

class ClearFilterCommand implements Command {
  readonly id = HISTORY_COMMANDS.clearFilter;

  constructor(private readonly deps: HistoryCommandDeps) {}

  execute(): void {
    this.deps.tree.setFilter('');
  }
}

class ClearCommand implements Command {
  readonly id = HISTORY_COMMANDS.clear;

  constructor(private readonly deps: HistoryCommandDeps) {}

  async execute(): Promise<number> {
    const { interaction, service } = this.deps;
    const store = this.deps.current();
    const runningIds = new Set(service.runningJobs.map((job) => job.id));
    const finished = (store?.summaries() ?? []).filter((summary) => !runningIds.has(summary.id) && !isUnfinishedStatus(summary.status));
    if (!store || finished.length === 0) {
      void interaction.info(vscode.l10n.t('The AnimateDiff history has no finished generations to clear.'));
      return 0;
    }
    const videos = finished.filter((summary) => summary.videoFile !== '').length;
    const clear = vscode.l10n.t('Clear History');
    const choice = await interaction.warning(
      finished.length === 1
        ? vscode.l10n.t('Delete the 1 finished generation from the AnimateDiff history?')
        : vscode.l10n.t('Delete all {0} finished generations from the AnimateDiff history?', finished.length),
      {
        modal: true,
        detail: videos === 0
          ? vscode.l10n.t('Their parameters are deleted. Running generations stay. This cannot be undone.')
          : videos === 1
            ? vscode.l10n.t('Their parameters and 1 local video are deleted. Running generations stay. This cannot be undone.')
            : vscode.l10n.t('Their parameters and {0} local videos are deleted. Running generations stay. This cannot be undone.', videos),
      },
      clear,
    );
    if (choice !== clear) {
      return 0;
    }
    const deleted = await Promise.all(finished.map((entry) => store.delete(entry.id)));
    return deleted.filter(Boolean).length;
  }
}

class ShowRunningJobsCommand implements Command {
  readonly id = HISTORY_COMMANDS.showRunningJobs;

  constructor(private readonly deps: HistoryCommandDeps) {}

  execute(): Promise<'shown' | 'cancelled' | undefined> {
    return this.deps.runningJobs.pickAndAct();
  }
}

/** Every command of the History view and the running-jobs status bar item. */
export function createHistoryCommands(deps: HistoryCommandDeps): Command[] {
  return [
    new OpenCommand(deps),
    new RerunCommand(deps, 'same'),
    new RerunCommand(deps, 'new'),
    new RerunLastCommand(deps),
    new SaveVideoCommand(deps),
    new ExportCommand(deps, 'file'),
    new ExportCommand(deps, 'markdown'),
    new SaveParametersCommand(deps),
    new CopyPromptCommand(deps),
    new CopyAsCodeCommand(deps),
    new CompareCommand(deps),
    new OpenLogCommand(deps),
    new CancelCommand(deps),
    new FollowAgainCommand(deps),
    new DeleteCommand(deps),
    new FilterCommand(deps),
    new ClearFilterCommand(deps),
    new ShowMoreCommand(deps),
    new ClearCommand(deps),
    new ShowRunningJobsCommand(deps),
  ];
}
