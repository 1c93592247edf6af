import * as vscode from 'vscode';
import type * as CoreModule from './core';
import { historyHasUnfinishedJobs, panelWasOpen } from './activationProbes';
import { DeferredHistoryView } from './history/view/deferredHistoryView';
import { VIDEO_PANEL_VIEW_TYPE } from './panel/ids';
import { PARAMS_FILE_SUFFIX } from './params/ids';

/**
 * Activation stays light: it only registers commands, the History view and the panel serializer. The core — zod,
 * the fal client, the panel — is required on first use, so opening VS Code or a JSON file costs (almost) nothing.
 */

let core: CoreModule.Core | undefined;

function contributedCommandIds(context: vscode.ExtensionContext): string[] {
  const contributes = (context.extension.packageJSON as { contributes?: { commands?: Array<{ command: string }> } }).contributes;
  return (contributes?.commands ?? []).map((c) => c.command);
}

export function activate(context: vscode.ExtensionContext) {
  // The History view is registered now; its items come from the core, loaded when the view is first shown.
  const historyView = new DeferredHistoryView(() => load());
  context.subscriptions.push(historyView);
  const load = (): CoreModule.Core => {
    if (!core) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const module = require('./core') as typeof CoreModule;
      core = module.createCore(context);
      historyView.connect(core.historyView);
    }
    return core;
  };

  for (const id of contributedCommandIds(context)) {
    context.subscriptions.push(vscode.commands.registerCommand(id, (...args: unknown[]) => load().commands.execute(id, ...args)));
  }
  // Once active (at the end of start-up), only opening a parameter file loads the core, which then checks it, adds
  // its lenses and keeps the Problems panel current.
  const isParamsFile = (document: vscode.TextDocument) => document.uri.path.toLowerCase().endsWith(PARAMS_FILE_SUFFIX);
  if (vscode.workspace.textDocuments.some(isParamsFile)) {
    load();
  } else {
    const watch = vscode.workspace.onDidOpenTextDocument((document) => {
      if (isParamsFile(document)) {
        watch.dispose();
        load();
      }
    });
    context.subscriptions.push(watch);
  }
  // A window reload interrupted a generation (onStartupFinished): load the core to pick it up from fal's queue.
  // The video panel was open: load the core to open it again if VS Code lost it.
  void Promise.all([historyHasUnfinishedJobs(context.globalStorageUri), panelWasOpen(context.storageUri)]).then(([unfinished, panelOpen]) => {
    if (unfinished || panelOpen) {
      const loaded = load();
      if (panelOpen) {
        void loaded.reopenLostPanel();
      }
    }
  });
  context.subscriptions.push(
    vscode.window.registerWebviewPanelSerializer(VIDEO_PANEL_VIEW_TYPE, {
      deserializeWebviewPanel: (panel, state: unknown) => load().deserializeVideoPanel(panel, state),
    }),
    { dispose: () => core?.dispose() },
  );

  return {
    /** Present only when ANIMATEDIFF_TEST_HOOKS=1 (the integration suite). */
    get testHooks(): CoreModule.TestHooks | undefined {
      return process.env.ANIMATEDIFF_TEST_HOOKS === '1' ? load().testHooks : undefined;
    },
    /** Whether the core has been loaded (zod and the fal client); lets tests prove activation stays light. */
    get isCoreLoaded(): boolean {
      return core !== undefined;
    },
  };
}

export function deactivate(): void {
  core?.dispose();
  core = undefined;
}
