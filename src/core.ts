import * as vscode from 'vscode';
import * as z from 'zod/mini';
import { en } from 'zod/v4/locales';
import type { ChatFeature } from './chat/chatFeature';
import type * as ChatFeatureModule from './chat/chatFeature';
import type { VideoRunDeps } from './chat/videoRuns';
import { CancelGenerationCommand, GenerateFromPromptCommand, GenerateFromSelectionCommand } from './commands/generateCommands';
import { ExportCommand } from './commands/exportCommands';
import { GetStartedCommand } from './commands/getStarted';
import { ClearApiKeyCommand, SetApiKeyCommand, ShowLogCommand } from './commands/keyCommands';
import {
  CancelParamsFileRunCommand,
  CopyDryRunAsCodeCommand,
  DryRunParamsFileCommand,
  GenerateFromParamsFileCommand,
  NewParamsFileCommand,
  SaveParametersCommand,
  ShowParamsProblemCommand,
} from './commands/paramFileCommands';
import { readSettings } from './config/reader';
import { readDownloadMaxBytes } from './config/settings';
import { ApiKeyStore } from './fal/apiKey';
import { GenerationService } from './generation/generationService';
import type { FalPrices } from './generation/prices';
import { FalSessions } from './generation/session';
import { SpendStatus } from './generation/spendStatus';
import { HistoryFeature, type HistoryTestHooks } from './history/historyFeature';
import { HistoryJournal } from './history/jobs/journal';
import { HistoryResults } from './history/results';
import { HistoryStorage } from './history/storage';
import type { HistoryViewBackend } from './history/view/deferredHistoryView';
import { useTranslator } from './l10n/l10n';
import type { GenerationRecord } from './model/generation';
import { toGenerationView } from './panel/generationView';
import { PanelMemory } from './panel/panelMemory';
import { GenerationPresenter } from './panel/presenter';
import { ResultActions } from './panel/resultActions';
import type * as VideoExportModule from './panel/videoExport';
import { VideoPanelManager } from './panel/videoPanel';
import { ParamsEditorFeatures } from './params/editor';
import { saveParametersFile } from './params/editor/paramsFileWriter';
import { ParamsDiagnostics } from './params/editor/paramsDiagnostics';
import { DryRunDocuments } from './runs/dryRun';
import { ParamsRunner } from './runs/runner';
import { RecordingInteraction, redactingInteraction, windowInteraction, type Interaction } from './ui/interaction';
import { redactingLog } from './ui/log';
import { CommandManager } from './util/commandManager';
import { Disposable } from './util/dispose';
import { secrets } from './util/redaction';

export interface TestHooks {
  readonly interaction: RecordingInteraction;
  readonly service: GenerationService;
  readonly panels: VideoPanelManager;
  /** The generation history: store, History view, resume, and the video panel's memory. */
  readonly history: HistoryTestHooks & {
    /** The state a video panel restored after a reload is given (VS Code's, or the generation it showed last). */
    panelStateForRestore(state: unknown): Promise<unknown>;
    /** Opens the video panel again if it was open as the window went away and VS Code did not restore it. */
    reopenLostPanel(): Promise<boolean>;
    /** Where the video panel's memory is kept (this workspace's storage). */
    readonly panelMemoryFile: string | undefined;
  };
  readonly log: vscode.LogOutputChannel;
  readonly keys: ApiKeyStore;
  readonly actions: ResultActions;
  /** Export GIF or WebM… and Insert as Markdown (loads their bundle). */
  exporter(): VideoExportModule.VideoExporter;
  readonly commands: CommandManager;
  /** How many paid jobs this window started (the status bar says so). */
  readonly spend: vscode.StatusBarItem;
  readonly logUri: vscode.Uri;
  readonly globalStorageUri: vscode.Uri;
  /** Set to false to act as in Restricted Mode (the suite runs with workspace trust disabled). */
  readonly trust: { override: boolean | undefined };
  /** `.animate.json` runs and their problems. */
  readonly params: { readonly runner: ParamsRunner; readonly diagnostics: ParamsDiagnostics };
  /** `@animatediff` and the language-model tools, as registered (the participant's handler, the tools' objects). */
  readonly chat: ChatFeature;
  /** fal's prices as this window knows them (`clear()` forgets them). */
  readonly prices: FalPrices;
  /** The status bar item with this window's paid jobs and their expected total. */
  readonly spendStatus: vscode.StatusBarItem;
}

// zod/mini comes without messages; these are the English ones the log and the checker's last resort quote.
z.config(en());

/**
 * The composition root, loaded on first use (see extension.ts): builds each part once, from the bottom up, so
 * every part gets what it needs when it is made.
 */
export class Core extends Disposable {
  readonly commands: CommandManager;
  /** The History view's items and actions, handed to the view activation registered. */
  readonly historyView: HistoryViewBackend;
  readonly testHooks: TestHooks | undefined;
  private readonly panels: VideoPanelManager;
  private readonly panelMemory: PanelMemory | undefined;
  private readonly chatDeps: VideoRunDeps;
  private chatFeature: ChatFeature | undefined;

  constructor(context: vscode.ExtensionContext) {
    super();
    // Secrets never leave in text: every message and log line is redacted (util/redaction.ts), keys registered as met.
    secrets.add(process.env.FAL_KEY);
    const log = redactingLog(this._register(vscode.window.createOutputChannel('AnimateDiff', { log: true })));
    const recording = process.env.ANIMATEDIFF_TEST_HOOKS === '1' ? new RecordingInteraction() : undefined;
    const interaction: Interaction = redactingInteraction(recording ?? windowInteraction);
    const keys = new ApiKeyStore(context.secrets);
    const registerStoredKey = () => void keys.resolve().then((resolved) => secrets.add(resolved?.key), () => undefined);
    registerStoredKey();
    this._register(keys.onDidChange(registerStoredKey));
    const trust = { override: undefined as boolean | undefined };

    // The history first: the service records every job in it from the moment it starts.
    const storage = this._register(new HistoryStorage({ globalStorageUri: context.globalStorageUri, log, interaction }));
    const downloadLimits = () => ({ maxBytes: readDownloadMaxBytes(readSettings()) });
    const journal = this._register(new HistoryJournal({ store: () => storage.ready(), log, onWriteProblem: (error) => storage.reportWriteProblem(error), downloadLimits }));
    const results = new HistoryResults(() => storage.current(), () => storage.ready());

    const sessions = new FalSessions({ keys, log, interaction, isTrusted: () => trust.override ?? vscode.workspace.isTrusted });
    // fal's prices are per account: another key or proxy may see others.
    const prices = this._register(sessions.prices);
    this._register(keys.onDidChange(() => prices.clear()));
    this._register(vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('animateDiff.proxyUrl')) {
        prices.clear();
      }
    }));
    const service = this._register(new GenerationService({ sessions, log, interaction, journal }));
    this._register(service.onDidChangeJobs(() => {
      void vscode.commands.executeCommand('setContext', 'animateDiff.generating', service.runningJobs.length > 0);
    }));
    const spend = this._register(new SpendStatus(service));

    const saveParameters = (record: GenerationRecord, target?: vscode.Uri) => saveParametersFile(record, interaction, target);
    const actions = new ResultActions(results, service, interaction, log, async (record) => {
      await saveParameters(record);
    }, downloadLimits, () => exporter());
    this.panels = this._register(new VideoPanelManager(context.extensionUri, {
      handleMessage: (message) => actions.handle(message),
      resolveGeneration: (id) => results.resolveGeneration(id),
      localVideoRoots: () => [context.globalStorageUri, ...(vscode.workspace.workspaceFolders ?? []).map((f) => f.uri)],
      logWarning: (text) => log.warn(text),
    }));
    const presenter = new GenerationPresenter(this.panels, results);
    let videoExporter: VideoExportModule.VideoExporter | undefined;
    const exporter = (): VideoExportModule.VideoExporter => {
      // Its own bundle (dist/video-export.js), read at the first export rather than with the core.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const module = require('./panel/videoExport') as typeof VideoExportModule;
      videoExporter ??= new module.VideoExporter(this.panels, presenter, toGenerationView, interaction, log);
      return videoExporter;
    };
    this._register(service.onDidGenerate((record) => presenter.show(record, { preserveFocus: true })));
    // Only in a workspace: windows without a folder would share one memory, and VS Code's own state serves there.
    this.panelMemory = context.storageUri ? this._register(new PanelMemory(context.storageUri, this.panels, log)) : undefined;

    const diagnostics = this._register(new ParamsDiagnostics());
    const manifest = context.extension.packageJSON as { name?: unknown; version?: unknown };
    const runner = this._register(new ParamsRunner({
      service,
      panels: this.panels,
      presenter,
      copies: results,
      interaction,
      log,
      diagnostics,
      generatedBy: `${String(manifest.name ?? 'animatediff-turbo')} ${String(manifest.version ?? '')}`.trim(),
      localCopyOf: (record) => results.localCopy(record.id),
      downloadLimits,
      saveVideoAs: (record) => actions.saveVideo(record),
    }));
    const paramsEditor = this._register(new ParamsEditorFeatures(diagnostics, runner, prices));
    this.chatDeps = { service, panels: this.panels, presenter, copies: results };
    const dryRuns = this._register(new DryRunDocuments());

    const history = this._register(new HistoryFeature({
      storage,
      journal,
      results,
      service,
      panels: this.panels,
      presenter,
      actions,
      exporter,
      interaction,
      log,
      saveParameters,
      onDidChangeKey: (listener) => keys.onDidChange(listener),
    }));
    this.historyView = history.tree;

    const params = { runner, dryRuns, diagnostics, refreshLenses: () => paramsEditor.refreshLenses() };
    this.commands = this._register(new CommandManager());
    for (const command of [
      new GenerateFromSelectionCommand(service, interaction),
      new GenerateFromPromptCommand(service, interaction),
      new CancelGenerationCommand(service, interaction, (job) => runner.batchOf(job.request)),
      new SetApiKeyCommand(sessions, interaction),
      new ClearApiKeyCommand(keys, interaction),
      new ShowLogCommand(log),
      new GenerateFromParamsFileCommand(params, interaction),
      new DryRunParamsFileCommand(params, interaction),
      new CopyDryRunAsCodeCommand(params, interaction),
      new NewParamsFileCommand(interaction),
      new SaveParametersCommand({ find: (id) => results.get(id), visibleGenerationId: () => this.panels.visibleGenerationId }, interaction),
      new CancelParamsFileRunCommand(params),
      new ShowParamsProblemCommand(params),
      new GetStartedCommand(context.extension.id),
      ...(['file', 'markdown'] as const).map((what) => new ExportCommand(what, { find: (id) => results.get(id), visibleGenerationId: () => this.panels.visibleGenerationId, exporter }, interaction)),
      ...history.commands,
    ]) {
      this.commands.register(command);
    }

    const chatFeature = () => this.chat;
    this.testHooks = recording
      ? {
        interaction: recording,
        service,
        panels: this.panels,
        history: {
          ...history.testHooks,
          panelStateForRestore: (state) => this.panelStateForRestore(state),
          reopenLostPanel: () => this.reopenLostPanel(),
          panelMemoryFile: this.panelMemory?.file.fsPath,
        },
        log,
        keys,
        actions,
        exporter,
        commands: this.commands,
        spend: spend.item,
        logUri: context.logUri,
        globalStorageUri: context.globalStorageUri,
        trust,
        params: { runner, diagnostics },
        get chat() {
          return chatFeature();
        },
        prices,
        spendStatus: spend.item,
      }
      : undefined;
  }

  /**
   * What `@animatediff` and the language-model tools do (registered at activation, see chat/registration.ts): loaded
   * on the first chat request or tool call, from dist/chat.js (see esbuild.js), with what it needs from the core.
   */
  get chat(): ChatFeature {
    if (!this.chatFeature) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { ChatFeature: Feature } = require('./chat/chatFeature') as typeof ChatFeatureModule;
      this.chatFeature = new Feature(this.chatDeps);
    }
    return this.chatFeature;
  }

  /** Restores the video panel after a reload; VS Code's saved state can be missing in a web or remote window. */
  async deserializeVideoPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    await this.panels.deserializeWebviewPanel(panel, await this.panelStateForRestore(state));
  }

  /** Opens the video panel again when it was open as the window went away and VS Code did not restore it. */
  reopenLostPanel(): Promise<boolean> {
    return this.panelMemory?.reopenIfLost() ?? Promise.resolve(false);
  }

  private panelStateForRestore(state: unknown): Promise<unknown> {
    return this.panelMemory?.stateForRestore(state) ?? Promise.resolve(state);
  }
}

export function createCore(context: vscode.ExtensionContext): Core {
  useTranslator(vscode.l10n, vscode.env.language);
  return new Core(context);
}
