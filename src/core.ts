import * as vscode from 'vscode';
import { CancelGenerationCommand, GenerateFromPromptCommand, GenerateFromSelectionCommand } from './commands/generateCommands';
import { ClearApiKeyCommand, SetApiKeyCommand, ShowLogCommand } from './commands/keyCommands';
import { CommandManager } from './commands/commandManager';
import { ApiKeyStore } from './fal/apiKey';
import { GenerationService, type GenerationRecord } from './generation/generationService';
import { ResultActions, toGenerationView, type GenerationLookup } from './generation/resultActions';
import { VideoPanelManager } from './panel/videoPanel';
import { RecordingInteraction, windowInteraction, type Interaction } from './ui/interaction';
import { Disposable } from './util/dispose';

export interface TestHooks {
  readonly interaction: RecordingInteraction;
  readonly service: GenerationService;
  readonly panels: VideoPanelManager;
  readonly results: ReadonlyMap<string, GenerationRecord>;
  readonly log: vscode.LogOutputChannel;
  readonly keys: ApiKeyStore;
  readonly actions: ResultActions;
  readonly logUri: vscode.Uri;
  readonly globalStorageUri: vscode.Uri;
  /** Set to false to act as in Restricted Mode (the suite runs with workspace trust disabled). */
  readonly trust: { override: boolean | undefined };
}

/** Finished generations of this window, by id (the history replaces this with a persistent store). */
class SessionResults implements GenerationLookup {
  readonly records = new Map<string, GenerationRecord>();

  add(record: GenerationRecord): void {
    this.records.set(record.id, record);
  }

  get(id: string): GenerationRecord | undefined {
    return this.records.get(id);
  }

  videoUri(record: GenerationRecord): vscode.Uri {
    return vscode.Uri.parse(record.videoUrl, true);
  }
}

export class Core extends Disposable {
  readonly commands: CommandManager;
  readonly panels: VideoPanelManager;
  readonly testHooks: TestHooks | undefined;

  constructor(context: vscode.ExtensionContext) {
    super();
    const log = this._register(vscode.window.createOutputChannel('AnimateDiff', { log: true }));
    const recording = process.env.ANIMATEDIFF_TEST_HOOKS === '1' ? new RecordingInteraction() : undefined;
    const interaction: Interaction = recording ?? windowInteraction;
    const keys = new ApiKeyStore(context.secrets);
    const results = new SessionResults();

    const trust = { override: undefined as boolean | undefined };
    const service = this._register(new GenerationService({
      keys,
      log,
      interaction,
      isTrusted: () => trust.override ?? vscode.workspace.isTrusted,
      presenter: {
        // The panel is created below; results only arrive after construction.
        showResult: (record) => {
          results.add(record);
          this.panels.showGeneration(toGenerationView(record), results.videoUri(record), { preserveFocus: true });
        },
      },
    }));
    this._register(service.onDidChangeJobs(() => {
      void vscode.commands.executeCommand('setContext', 'animateDiff.generating', service.runningJobs.length > 0);
    }));
    const resultActions = new ResultActions(results, service, interaction, log, async (record) => {
      const target = await vscode.window.showSaveDialog({
        title: 'Save Parameters as .animate.json',
        defaultUri: vscode.workspace.workspaceFolders?.[0]
          ? vscode.Uri.joinPath(vscode.workspace.workspaceFolders[0].uri, `video-${record.seed ?? 'random'}.animate.json`)
          : undefined,
        filters: { 'AnimateDiff parameters': ['animate.json'] },
      });
      if (target) {
        const body = { endpoint: record.endpoint, ...record.input, seed: record.seed ?? undefined };
        await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(`${JSON.stringify(body, null, 2)}\n`));
      }
    });
    this.panels = this._register(new VideoPanelManager(context.extensionUri, {
      handleMessage: (message) => resultActions.handle(message),
      resolveGeneration: async (id) => {
        const record = results.get(id);
        return record ? { view: toGenerationView(record), video: results.videoUri(record) } : undefined;
      },
      localVideoRoots: () => [context.globalStorageUri, ...(vscode.workspace.workspaceFolders ?? []).map((f) => f.uri)],
      logWarning: (text) => log.warn(text),
    }));

    this.commands = this._register(new CommandManager());
    this.commands.register(new GenerateFromSelectionCommand(service, interaction));
    this.commands.register(new GenerateFromPromptCommand(service, interaction));
    this.commands.register(new CancelGenerationCommand(service, interaction));
    this.commands.register(new SetApiKeyCommand(service, interaction));
    this.commands.register(new ClearApiKeyCommand(keys, interaction));
    this.commands.register(new ShowLogCommand(log));

    this.testHooks = recording
      ? {
        interaction: recording,
        service,
        panels: this.panels,
        results: results.records,
        log,
        keys,
        actions: resultActions,
        logUri: context.logUri,
        globalStorageUri: context.globalStorageUri,
        trust,
      }
      : undefined;
  }
}

export function createCore(context: vscode.ExtensionContext): Core {
  return new Core(context);
}
