import * as vscode from 'vscode';
import { HistoryStore, OWNER_HEARTBEAT_MS, type HistoryChange, type IndexRecovery } from './store/historyStore';
import type { Command } from '../commands/commandManager';
import type { GenerationRecord, GenerationService } from '../generation/generationService';
import { toGenerationView, type ResultActions } from '../panel/resultActions';
import type { VideoPanelManager } from '../panel/videoPanel';
import type { Interaction } from '../ui/interaction';
import { Disposable } from '../util/dispose';
import { createHistoryCommands } from './view/commands';
import { HISTORY_VIEW_ID, PANEL_MEMORY_FILE_NAME } from './ids';
import { HistoryJournal } from './jobs/journal';
import { HistoryLogDocuments } from './view/logDocuments';
import { HistoryLookup } from './results';
import { HistoryPruner } from './pruner';
import { recordOf } from './records';
import { ResumeManager, type ResumeReport } from './jobs/resume';
import { RunningJobsStatus } from './view/runningJobs';
import { WindowPresence } from './jobs/windowPresence';
import { PanelMemory } from '../panel/panelMemory';
import { historyFolder } from '../activationProbes';
import { HistoryTree } from './view/tree';

export interface HistoryFeatureOptions {
  globalStorageUri: vscode.Uri;
  /** The workspace's own storage (undefined without a workspace): where the panel's last generation is remembered. */
  workspaceStorageUri: vscode.Uri | undefined;
  log: vscode.LogOutputChannel;
  interaction: Interaction;
}

/** What the history needs of the rest of the core, once that exists (the service needs the journal first). */
export interface HistoryConnections {
  service: GenerationService;
  panels: VideoPanelManager;
  actions: ResultActions;
  saveParameters(record: GenerationRecord, target?: vscode.Uri): Promise<vscode.Uri | undefined>;
  /** Fires when the stored fal key changes. */
  onDidChangeKey(listener: () => void): vscode.Disposable;
}

/** What the integration suite looks at and drives. */
export interface HistoryTestHooks {
  /** The history folder (index.json, videos/). */
  readonly folder: string;
  ready(): Promise<HistoryStore | undefined>;
  readonly tree: HistoryTree;
  readonly lookup: HistoryLookup;
  readonly statusBar: vscode.StatusBarItem | undefined;
  /** What a window start does: claim the jobs no live window follows and resume them. */
  resumeUnfinished(): Promise<ResumeReport>;
  /** What a window start (or focus) does: download again the local copies that could not be kept. */
  retryMissingCopies(): Promise<number>;
  /** Reads the history from disk again as a window start does (a corrupt index is set aside and reported). */
  reopen(): Promise<IndexRecovery | undefined>;
  /** The state a video panel restored after a reload is given (VS Code's, or the generation it showed last). */
  panelStateForRestore(state: unknown): Promise<unknown>;
  /** Opens the video panel again if it was open as the window went away and VS Code did not restore it. */
  reopenLostPanel(): Promise<boolean>;
  /** Where the video panel's memory is kept (this workspace's storage). */
  readonly panelMemoryFile: string | undefined;
  /** Acts as when the window stops answering (`false`, as after a page reload in a remote window) or answers again. */
  windowReachabilityChanged(reachable: boolean): Promise<void>;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The generation history in VS Code: the journal that records every job, the local copies the panel plays, the
 * History view and its commands, the running-jobs status bar item, and resuming jobs after a reload.
 */
export class HistoryFeature extends Disposable {
  readonly journal: HistoryJournal;
  readonly lookup: HistoryLookup;
  readonly tree: HistoryTree;
  readonly folder: vscode.Uri;
  private readonly logs: HistoryLogDocuments;
  private readonly pruner: HistoryPruner;
  private store: HistoryStore | undefined;
  private opening: Promise<HistoryStore | undefined>;
  private storeSubscriptions: vscode.Disposable[] = [];
  private connections: HistoryConnections | undefined;
  private resume: ResumeManager | undefined;
  private runningJobs: RunningJobsStatus | undefined;
  private writeProblemReported = false;
  private panelMemory: PanelMemory | undefined;
  private windowReachable = true;

  constructor(private readonly options: HistoryFeatureOptions) {
    super();
    this.folder = historyFolder(options.globalStorageUri);
    this.pruner = new HistoryPruner({
      store: () => this.ready(),
      interaction: options.interaction,
      log: options.log,
      protectedIds: () => this.connections?.panels.shownGenerationIds ?? [],
    });
    this.journal = this._register(new HistoryJournal({
      store: () => this.ready(),
      log: options.log,
      pruner: this.pruner,
      onWriteProblem: (error) => this.reportWriteProblem(error),
    }));
    this.lookup = new HistoryLookup(() => this.store, () => this.ready());
    this.logs = this._register(new HistoryLogDocuments(() => this.store));
    this.tree = this._register(new HistoryTree({
      current: () => this.store,
      ready: () => this.ready(),
      hasVideo: (entry) => recordOf(entry) !== undefined,
    }));
    this._register({ dispose: () => this.closeStore() });
    this.opening = this.open();
  }

  /** The opened history; undefined when it could not be opened (generations still work, unrecorded). */
  ready(): Promise<HistoryStore | undefined> {
    return this.opening;
  }

  /** Second step of construction: commands, status bar, pruning on settings changes, resuming interrupted jobs. */
  connect(connections: HistoryConnections): Command[] {
    this.connections = connections;
    const { service } = connections;
    const { interaction } = this.options;
    this.runningJobs = this._register(new RunningJobsStatus({ service, interaction, reveal: (id) => this.revealInHistory(id) }));
    // Only in a workspace: windows without a folder would share one memory, and VS Code's own state serves there.
    if (this.options.workspaceStorageUri) {
      this.panelMemory = this._register(new PanelMemory(this.options.workspaceStorageUri, connections.panels, this.options.log));
    }
    // Other windows take over a job whose owner has not marked it for a while (its process id may have been reused).
    const heartbeat = setInterval(() => {
      this.store?.touchOwned((id) => this.resume?.followsHere(id) ?? false).catch((error: unknown) => this.reportWriteProblem(error));
    }, OWNER_HEARTBEAT_MS / 2);
    this._register({ dispose: () => clearInterval(heartbeat) });
    const presence = this._register(new WindowPresence(() => service.runningJobs.length > 0, this.options.log));
    this._register(service.onDidChangeJobs(() => presence.update()));
    this._register(presence.onDidChange((reachable) => void this.windowReachabilityChanged(reachable)));
    this.resume = this._register(new ResumeManager({
      store: () => this.ready(),
      windowReachable: () => this.windowReachable,
      service,
      interaction,
      log: this.options.log,
      present: (record) => this.present(record),
      openLog: async (id) => {
        await vscode.commands.executeCommand('animateDiff.history.openLog', id);
      },
      rerun: (id) => Promise.resolve(vscode.commands.executeCommand('animateDiff.history.rerun', id)),
      revealInHistory: (id) => this.revealInHistory(id),
    }));
    const retryWaiting = () => void this.resume?.retryWaiting().catch((error: unknown) => {
      this.options.log.warn(`Could not pick up waiting generations again: ${error instanceof Error ? error.message : String(error)}`);
    });
    this._register(connections.onDidChangeKey(retryWaiting));
    this._register(vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('animateDiff.history')) {
        void this.pruner.prune();
      }
      if (event.affectsConfiguration('animateDiff')) {
        retryWaiting();
      }
    }));
    this._register(vscode.window.onDidChangeWindowState((state) => {
      if (state.focused) {
        // Other windows share the history: show what they did meanwhile. And the network may be back.
        void this.store?.refresh().catch(() => undefined);
        void this.journal.retryMissingCopies();
      }
    }));
    void this.opening.then((store) => {
      this.startResuming(store);
      void this.journal.retryMissingCopies();
    });
    return createHistoryCommands({
      current: () => this.store,
      service,
      panels: connections.panels,
      actions: connections.actions,
      lookup: this.lookup,
      tree: this.tree,
      logs: this.logs,
      runningJobs: this.runningJobs,
      interaction,
      saveParameters: connections.saveParameters,
      isWaitingForKey: (id) => this.resume?.isWaiting(id) ?? false,
      followAgain: (id) => this.resume?.followAgain(id) ?? Promise.resolve(undefined),
    });
  }

  /** The window stopped answering (its jobs are left to the next window) or answers again (they are claimed back). */
  private async windowReachabilityChanged(reachable: boolean): Promise<void> {
    this.windowReachable = reachable;
    await this.journal.setWindowReachable(reachable);
    if (reachable) {
      this.resume?.scheduleCheck();
    }
  }

  /** The state a restored video panel shows: VS Code's saved state, or the generation it showed last. */
  async panelStateForRestore(state: unknown): Promise<unknown> {
    return this.panelMemory ? this.panelMemory.stateForRestore(state) : state;
  }

  /** Opens the video panel again if VS Code forgot it over a reload; only in a workspace (see PanelMemory). */
  async reopenLostPanel(): Promise<boolean> {
    if (!this.options.workspaceStorageUri || !this.panelMemory) {
      return false;
    }
    try {
      return await this.panelMemory.reopenIfLost();
    } catch (error) {
      this.options.log.warn(`Could not open the video panel again: ${error instanceof Error ? error.message : String(error)}`);
      return false;
    }
  }

  /** Shows a finished generation in the video panel, from its local copy when there is one. */
  present(record: GenerationRecord): void {
    this.lookup.remember(record);
    this.connections?.panels.showGeneration(toGenerationView(record), this.lookup.videoUri(record), { preserveFocus: true });
  }

  async revealInHistory(id: string): Promise<void> {
    await vscode.commands.executeCommand(`${HISTORY_VIEW_ID}.focus`);
    await this.tree.reveal(id);
  }

  get testHooks(): HistoryTestHooks {
    return {
      folder: this.folder.fsPath,
      ready: () => this.ready(),
      tree: this.tree,
      lookup: this.lookup,
      statusBar: this.runningJobs?.item,
      panelStateForRestore: (state) => this.panelStateForRestore(state),
      reopenLostPanel: () => this.reopenLostPanel(),
      panelMemoryFile: this.options.workspaceStorageUri && vscode.Uri.joinPath(this.options.workspaceStorageUri, PANEL_MEMORY_FILE_NAME).fsPath,
      windowReachabilityChanged: (reachable) => this.windowReachabilityChanged(reachable),
      retryMissingCopies: () => this.journal.retryMissingCopies(),
      resumeUnfinished: () => this.resume?.resumeUnfinished() ?? Promise.resolve({ resumed: [], interrupted: [], outcomes: Promise.resolve([]) }),
      reopen: async () => {
        await this.store?.flush().catch(() => undefined);
        this.closeStore();
        let recovery: IndexRecovery | undefined;
        this.opening = this.open((found) => {
          recovery = found;
        });
        await this.startResuming(await this.opening, false);
        return recovery;
      },
    };
  }

  private async startResuming(store: HistoryStore | undefined, resumeNow = true): Promise<void> {
    if (!store || !this.resume || this.isDisposed) {
      return;
    }
    this.resume.watchOtherWindows(store);
    if (resumeNow) {
      await this.resume.resumeUnfinished().catch((error: unknown) => {
        this.options.log.error(`Could not pick up the generations that were running before the reload: ${messageOf(error)}`);
      });
    }
  }

  private async open(onRecovery?: (recovery: IndexRecovery) => void): Promise<HistoryStore | undefined> {
    const { log, interaction } = this.options;
    if (this.folder.scheme !== 'file') {
      log.warn(`The generation history needs a local folder; the extension's storage is ${this.folder.toString()}. Generations are not kept.`);
      return undefined;
    }
    try {
      const { store, recovery } = await HistoryStore.open(this.folder.fsPath);
      if (this.isDisposed) {
        store.dispose();
        return undefined;
      }
      this.store = store;
      this.storeSubscriptions = [
        store.onDidChange((change) => this.onStoreChange(change)),
        store.onDidFailToWrite((error) => this.reportWriteProblem(error)),
      ];
      log.info(`Generation history: ${store.list().length} entries in ${this.folder.fsPath}`);
      this.tree.refresh('all');
      if (recovery) {
        onRecovery?.(recovery);
        this.reportRecovery(recovery);
      }
      return store;
    } catch (error) {
      log.error(`Could not open the generation history in ${this.folder.fsPath}: ${messageOf(error)}`);
      void interaction.error(`Could not open the AnimateDiff history (${messageOf(error)}). Generations still work, but they are not kept.`, 'Show Log')
        .then((choice) => {
          if (choice === 'Show Log') {
            log.show(true);
          }
        });
      return undefined;
    }
  }

  private closeStore(): void {
    for (const subscription of this.storeSubscriptions.splice(0)) {
      subscription.dispose();
    }
    this.store?.dispose();
    this.store = undefined;
  }

  private onStoreChange(change: HistoryChange): void {
    switch (change.kind) {
      case 'updated':
        this.tree.refresh([change.entry.id]);
        this.logs.entriesChanged([change.entry.id]);
        return;
      case 'added':
      case 'deleted':
      case 'synced': {
        // Synced entries that are gone were deleted by another window.
        const deleted = change.kind === 'deleted' ? change.ids
          : change.kind === 'synced' ? change.ids.filter((id) => this.store?.get(id) === undefined) : [];
        if (deleted.length > 0) {
          this.connections?.panels.generationsDeleted(deleted);
        }
        this.tree.refresh('all');
        this.logs.entriesChanged('all');
        return;
      }
      case 'recovered':
        this.tree.refresh('all');
        this.reportRecovery(change.recovery);
        return;
    }
  }

  private reportRecovery(recovery: IndexRecovery): void {
    const { log, interaction } = this.options;
    log.warn(`${recovery.message} (${recovery.movedTo})`);
    // Revealing in the OS file manager only works where VS Code runs on this machine; elsewhere open the file.
    const local = vscode.env.remoteName === undefined && vscode.env.uiKind === vscode.UIKind.Desktop;
    const action = local ? 'Reveal Moved File' : 'Open Moved File';
    Promise.resolve(interaction.warning(recovery.message, {}, action)).then(async (choice) => {
      if (choice !== action) {
        return;
      }
      const moved = vscode.Uri.file(recovery.movedTo);
      if (local) {
        await vscode.commands.executeCommand('revealFileInOS', moved);
      } else {
        await vscode.window.showTextDocument(moved, { preview: true });
      }
    }).catch((error: unknown) => log.warn(`Could not show the moved index: ${error instanceof Error ? error.message : String(error)}`));
  }

  private reportWriteProblem(error: unknown): void {
    this.options.log.error(`Could not save the generation history: ${messageOf(error)}`);
    if (!this.writeProblemReported) {
      this.writeProblemReported = true;
      void this.options.interaction.warning(
        `Could not save the AnimateDiff history (${messageOf(error)}). Generations still work; the history tries again with the next change.`,
        {},
      );
    }
  }
}
