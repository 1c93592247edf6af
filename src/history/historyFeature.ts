import * as vscode from 'vscode';
import type { Command } from '../util/commandManager';
import type { GenerationService } from '../generation/generationService';
import type { GenerationRecord } from '../model/generation';
import type { GenerationPresenter } from '../panel/presenter';
import type { ResultActions } from '../panel/resultActions';
import type { VideoExporter } from '../panel/videoExport';
import type { VideoPanelManager } from '../panel/videoPanel';
import type { Interaction } from '../ui/interaction';
import { Disposable } from '../util/dispose';
import { HISTORY_VIEW_ID } from './ids';
import type { HistoryJournal } from './jobs/journal';
import { ResumeManager, type ResumeReport } from './jobs/resume';
import { WindowPresence } from './jobs/windowPresence';
import { HistoryPruner } from './pruner';
import { recordOf } from './records';
import type { HistoryResults } from './results';
import type { HistoryStorage } from './storage';
import { OWNER_HEARTBEAT_MS, type HistoryChange, type HistoryStore } from './store/historyStore';
import type { IndexRecovery } from './store/legacyIndex';
import { createHistoryCommands } from './view/commands';
import { HistoryLogDocuments } from './view/logDocuments';
import { RunningJobsStatus } from './view/runningJobs';
import { HistoryThumbnails } from './thumbnails';
import { HistoryTree } from './view/tree';

export interface HistoryFeatureDeps {
  storage: HistoryStorage;
  journal: HistoryJournal;
  results: HistoryResults;
  service: GenerationService;
  panels: VideoPanelManager;
  presenter: GenerationPresenter;
  actions: ResultActions;
  /** Loads the exporter (its own bundle) at first use. */
  exporter(): VideoExporter;
  interaction: Interaction;
  log: vscode.LogOutputChannel;
  /** "Save Parameters as .animate.json" (a save dialog unless `target` is given). */
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
  readonly thumbnails: HistoryThumbnails;
  readonly lookup: HistoryResults;
  readonly statusBar: vscode.StatusBarItem;
  /** What a window start does: claim the jobs no live window follows and resume them. */
  resumeUnfinished(): Promise<ResumeReport>;
  /** What a window start (or focus) does: download again the local copies that could not be kept. */
  retryMissingCopies(): Promise<number>;
  /** Reads the history from disk again as a window start does (a corrupt index is set aside and reported). */
  reopen(): Promise<IndexRecovery | undefined>;
  /** Acts as when the window stops answering (`false`, as after a page reload in a remote window) or answers again. */
  windowReachabilityChanged(reachable: boolean): Promise<void>;
  /** Holds the timed checks of other windows' jobs until disposed, so a test decides when a left job is claimed. */
  holdOtherWindowChecks(): Promise<vscode.Disposable>;
}

/**
 * The generation history in VS Code, around the store and the journal the service writes to: the History view
 * and its commands, the running-jobs status bar item, keeping local copies within the limits, and following the
 * jobs other windows left (after a reload) or this window must hand over (when it stops answering).
 */
export class HistoryFeature extends Disposable {
  readonly tree: HistoryTree;
  readonly thumbnails: HistoryThumbnails;
  readonly commands: readonly Command[];
  private readonly pruner: HistoryPruner;
  private readonly logs: HistoryLogDocuments;
  private readonly runningJobs: RunningJobsStatus;
  private readonly resume: ResumeManager;
  private windowReachable = true;
  /** The newest generation this window started or followed again (by start time): what "Re-run Last" re-runs. */
  private lastHere: { id: string; startedAt: number } | undefined;

  constructor(private readonly deps: HistoryFeatureDeps) {
    super();
    const { storage, journal, service, panels, interaction, log } = deps;
    this.pruner = new HistoryPruner({
      store: () => storage.ready(),
      interaction,
      log,
      protectedIds: () => panels.shownGenerationIds,
    });
    this._register(journal.onDidKeepCopy((id) => void this.pruner.prune(id ? [id] : [])));
    this.logs = this._register(new HistoryLogDocuments(() => storage.current()));
    this.thumbnails = this._register(new HistoryThumbnails(() => storage.current(), panels, log));
    this.tree = this._register(new HistoryTree({
      current: () => storage.current(),
      ready: () => storage.ready(),
      hasVideo: (entry) => recordOf(entry) !== undefined,
      posterOf: (entry) => this.thumbnails.posterOf(entry.id),
    }));
    this._register(this.thumbnails.onDidMakePoster((id) => this.tree.refresh([id])));
    this.runningJobs = this._register(new RunningJobsStatus({ service, interaction, reveal: (id) => this.revealInHistory(id) }));
    this.resume = this._register(new ResumeManager({
      store: () => storage.ready(),
      windowReachable: () => this.windowReachable,
      service,
      interaction,
      log,
      present: (record) => deps.presenter.show(record),
      openLog: async (id) => {
        await vscode.commands.executeCommand('animateDiff.history.openLog', id);
      },
      rerun: (id) => Promise.resolve(vscode.commands.executeCommand('animateDiff.history.rerun', id)),
      revealInHistory: (id) => this.revealInHistory(id),
      setApiKey: () => void vscode.commands.executeCommand('animateDiff.setApiKey'),
    }));
    this._register(service.onDidChangeJobs(() => {
      for (const job of service.runningJobs) {
        if (!this.lastHere || job.startedAt >= this.lastHere.startedAt) {
          this.lastHere = { id: job.id, startedAt: job.startedAt };
        }
      }
    }));
    this.commands = createHistoryCommands({
      current: () => storage.current(),
      ready: () => storage.ready(),
      lastGenerationHere: () => this.lastHere?.id,
      service,
      presenter: deps.presenter,
      actions: deps.actions,
      exporter: deps.exporter,
      tree: this.tree,
      logs: this.logs,
      runningJobs: this.runningJobs,
      interaction,
      saveParameters: deps.saveParameters,
      isWaitingForKey: (id) => this.resume.isWaiting(id),
      followAgain: (id) => this.resume.followAgain(id),
    });

    this._register(storage.onDidChange((change) => this.onStoreChange(change)));
    this._register(storage.onDidOpen(() => this.tree.refresh('all')));
    // Other windows take over a job whose owner has not marked it for a while (its process id may have been reused).
    const heartbeat = setInterval(() => {
      storage.current()?.touchOwned((id) => this.resume.followsHere(id)).catch((error: unknown) => storage.reportWriteProblem(error));
    }, OWNER_HEARTBEAT_MS / 2);
    this._register({ dispose: () => clearInterval(heartbeat) });
    const presence = this._register(new WindowPresence(() => service.runningJobs.length > 0, log));
    this._register(service.onDidChangeJobs(() => presence.update()));
    this._register(presence.onDidChange((reachable) => void this.windowReachabilityChanged(reachable)));
    const retryWaiting = () => void this.resume.retryWaiting().catch((error: unknown) => {
      log.warn(`Could not pick up waiting generations again: ${error instanceof Error ? error.message : String(error)}`);
    });
    this._register(deps.onDidChangeKey(retryWaiting));
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
        void storage.current()?.refresh().catch(() => undefined);
        void journal.retryMissingCopies();
      }
    }));
    void storage.ready().then((store) => {
      void this.startResuming(store);
      void journal.retryMissingCopies();
    });
  }

  async revealInHistory(id: string): Promise<void> {
    await vscode.commands.executeCommand(`${HISTORY_VIEW_ID}.focus`);
    await this.tree.reveal(id);
  }

  get testHooks(): HistoryTestHooks {
    const { storage, journal, results } = this.deps;
    return {
      folder: storage.folder.fsPath,
      ready: () => storage.ready(),
      tree: this.tree,
      thumbnails: this.thumbnails,
      lookup: results,
      statusBar: this.runningJobs.item,
      windowReachabilityChanged: (reachable) => this.windowReachabilityChanged(reachable),
      retryMissingCopies: () => journal.retryMissingCopies(),
      resumeUnfinished: () => this.resume.resumeUnfinished(),
      holdOtherWindowChecks: () => this.resume.holdChecks(),
      reopen: async () => {
        const { store, recovery } = await storage.reopen();
        await this.startResuming(store, false);
        return recovery;
      },
    };
  }

  /** The window stopped answering (its jobs are left to the next window) or answers again (they are claimed back). */
  private async windowReachabilityChanged(reachable: boolean): Promise<void> {
    this.windowReachable = reachable;
    await this.deps.journal.setWindowReachable(reachable);
    if (reachable) {
      this.resume.scheduleCheck();
    }
  }

  private async startResuming(store: HistoryStore | undefined, resumeNow = true): Promise<void> {
    if (!store || this.isDisposed) {
      return;
    }
    this.resume.watchOtherWindows(store);
    if (resumeNow) {
      await this.resume.resumeUnfinished().catch((error: unknown) => {
        this.deps.log.error(`Could not pick up the generations that were running before the reload: ${error instanceof Error ? error.message : String(error)}`);
      });
    }
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
          : change.kind === 'synced' ? change.ids.filter((id) => this.deps.storage.current()?.get(id) === undefined) : [];
        if (deleted.length > 0) {
          this.deps.panels.generationsDeleted(deleted);
        }
        this.tree.refresh('all');
        this.logs.entriesChanged('all');
        return;
      }
      case 'recovered':
        this.tree.refresh('all');
        return;
    }
  }
}
