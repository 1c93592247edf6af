import * as vscode from 'vscode';
import type * as CoreModule from './core';

/**
 * Activation stays light: this shim only registers commands and the panel serializer. The core — zod, the fal
 * client, the panel — is required on first use, so opening VS Code or a JSON file costs (almost) nothing.
 */

const PANEL_VIEW_TYPE = 'animateDiff.videoPanel';

let core: CoreModule.Core | undefined;

function contributedCommandIds(context: vscode.ExtensionContext): string[] {
  const contributes = (context.extension.packageJSON as { contributes?: { commands?: Array<{ command: string }> } }).contributes;
  return (contributes?.commands ?? []).map((c) => c.command);
}

export function activate(context: vscode.ExtensionContext) {
  const load = (): CoreModule.Core => {
    if (!core) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const module = require('./core') as typeof CoreModule;
      core = module.createCore(context);
    }
    return core;
  };

  for (const id of contributedCommandIds(context)) {
    context.subscriptions.push(vscode.commands.registerCommand(id, (...args: unknown[]) => load().commands.execute(id, ...args)));
  }
  context.subscriptions.push(
    vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, {
      deserializeWebviewPanel: (panel, state: unknown) => load().panels.deserializeWebviewPanel(panel, state),
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
