import * as vscode from 'vscode';
import { CancelGenerationCommand, GenerateFromPromptCommand, GenerateFromSelectionCommand } from './commands/generateCommands';
import { ClearApiKeyCommand, SetApiKeyCommand, ShowLogCommand } from './commands/keyCommands';
import {
  CancelParamsFileRunCommand,
  DryRunParamsFileCommand,
  GenerateFromParamsFileCommand,
  NewParamsFileCommand,
  SaveParametersCommand,
  ShowParamsProblemCommand,
} from './commands/paramFileCommands';
import { CommandManager } from './commands/commandManager';
import { ApiKeyStore } from './fal/apiKey';
import { GenerationService } from './generation/generationService';
import { ResultActions, toGenerationView } from './panel/resultActions';
import { HistoryFeature, type HistoryTestHooks } from './history/historyFeature';
import type { HistoryViewBackend } from './activationProbes';
import { VideoPanelManager } from './panel/videoPanel';
import { ParamsEditorFeatures } from './params/editor';
import { RecordingInteraction, windowInteraction, type Interaction } from './ui/interaction';
import { Disposable } from './util/dispose';

export interface TestHooks {
  readonly interaction: RecordingInteraction;
  readonly service: GenerationService;
  readonly panels: VideoPanelManager;
  /** The generation history: store, History view, resume. */
  readonly history: HistoryTestHooks;
  readonly log: vscode.LogOutputChannel;
  readonly keys: ApiKeyStore;
  readonly actions: ResultActions;
  readonly logUri: vscode.Uri;
  readonly globalStorageUri: vscode.Uri;
  /** Set to false to act as in Restricted Mode (the suite runs with workspace trust disabled). */
  readonly trust: { override: boolean | undefined };
  /** `.animate.json` support: diagnostics, runner, dry runs. */
  readonly params: ParamsEditorFeatures;
}

export class Core extends Disposable {
  readonly commands: CommandManager;
  readonly panels: VideoPanelManager;
  /** The History view's items and actions, handed to the view the activation shim registered. */
  readonly historyView: HistoryViewBackend;
  private readonly history: HistoryFeature;
  readonly testHooks: TestHooks | undefined;

  constructor(context: vscode.ExtensionContext) {
    super();
    const log = this._register(vscode.window.createOutputChannel('AnimateDiff', { log: true }));
    const recording = process.env.ANIMATEDIFF_TEST_HOOKS === '1' ? new RecordingInteraction() : undefined;
    const interaction: Interaction = recording ?? windowInteraction;
    const keys = new ApiKeyStore(context.secrets);
    const history = this._register(new HistoryFeature({ globalStorageUri: context.globalStorageUri, workspaceStorageUri: context.storageUri, log, interaction }));
    this.history = history;
    const results = history.lookup;
    this.historyView = history.tree;

    const trust = { override: undefined as boolean | undefined };
    const service = this._register(new GenerationService({
      keys,
      log,
      interaction,
      isTrusted: () => trust.override ?? vscode.workspace.isTrusted,
      presenter: {
        // The panel is created below; results only arrive after construction. The journal has kept the local copy by now.
        showResult: (record) => {
          results.remember(record);
          this.panels.showGeneration(toGenerationView(record), results.videoUri(record), { preserveFocus: true });
        },
      },
      journal: history.journal,
    }));
    this._register(service.onDidChangeJobs(() => {
      void vscode.commands.executeCommand('setContext', 'animateDiff.generating', service.runningJobs.length > 0);
    }));
    const saveParameters = new SaveParametersCommand({
      find: (id) => results.get(id),
      visibleGenerationId: () => this.panels.visibleGenerationId,
    }, interaction);
    const resultActions = new ResultActions(results, service, interaction, log, async (record) => {
      await saveParameters.save(record);
    });
    this.panels = this._register(new VideoPanelManager(context.extensionUri, {
      handleMessage: (message) => resultActions.handle(message),
      resolveGeneration: (id) => results.resolveGeneration(id),
      localVideoRoots: () => [context.globalStorageUri, ...(vscode.workspace.workspaceFolders ?? []).map((f) => f.uri)],
      logWarning: (text) => log.warn(text),
    }));

    const manifest = context.extension.packageJSON as { name?: unknown; version?: unknown };
    const params = this._register(new ParamsEditorFeatures({
      service,
      panels: this.panels,
      interaction,
      log,
      remember: (record, savedVideo) => results.remember(record, savedVideo),
      localCopyOf: (record) => results.localCopy(record.id),
      saveVideoAs: (record) => resultActions.saveVideo(record),
      generatedBy: `${String(manifest.name ?? 'animatediff-turbo')} ${String(manifest.version ?? '')}`.trim(),
    }));

    this.commands = this._register(new CommandManager());
    this.commands.register(new GenerateFromSelectionCommand(service, interaction));
    this.commands.register(new GenerateFromPromptCommand(service, interaction));
    this.commands.register(new CancelGenerationCommand(service, interaction, (job) => params.runner.batchOf(job.request)));
    this.commands.register(new SetApiKeyCommand(service, interaction));
    this.commands.register(new ClearApiKeyCommand(keys, interaction));
    this.commands.register(new ShowLogCommand(log));
    this.commands.register(new GenerateFromParamsFileCommand(params, interaction));
    this.commands.register(new DryRunParamsFileCommand(params, interaction));
    this.commands.register(new NewParamsFileCommand(interaction));
    this.commands.register(saveParameters);
    this.commands.register(new CancelParamsFileRunCommand(params));
    this.commands.register(new ShowParamsProblemCommand(params));
    for (const command of history.connect({
      service,
      panels: this.panels,
      actions: resultActions,
      saveParameters: (record, target) => saveParameters.save(record, target),
      onDidChangeKey: (listener) => keys.onDidChange(listener),
    })) {
      this.commands.register(command);
    }

    this.testHooks = recording
      ? {
        interaction: recording,
        service,
        panels: this.panels,
        history: history.testHooks,
        log,
        keys,
        actions: resultActions,
        logUri: context.logUri,
        globalStorageUri: context.globalStorageUri,
        trust,
        params,
      }
      : undefined;
  }

  /** Restores the video panel after a reload; VS Code's saved state can be missing in a web or remote window. */
  async deserializeVideoPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    await this.panels.deserializeWebviewPanel(panel, await this.history.panelStateForRestore(state));
  }

  /** Opens the video panel again when it was open as the window went away and VS Code did not restore it. */
  reopenLostPanel(): Promise<boolean> {
    return this.history.reopenLostPanel();
  }
}

export function createCore(context: vscode.ExtensionContext): Core {
  return new Core(context);
}
