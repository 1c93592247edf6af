import { vscodeStub } from './stubbedVscode';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import type * as vscode from 'vscode';
import { Core } from '../../src/core';
import type { GenerationOutcome } from '../../src/model/generation';
import type { ParamsRunReport } from '../../src/runs/runReport';
import { REPO_ROOT, StubTextDocument, StubTextEditor, StubUri, type StubWebviewPanel } from './vscodeStub';

/*
 * The product as a window runs it — its composition root (src/core.ts) with every room — on plain Node against the
 * fal imitation, with the stub vscode module standing in for VS Code. A command is executed the way the activation
 * shim forwards a key press to it.
 */

export const BENCH_KEY = 'bench-key-id:bench-key-secret';

export interface ProductOptions {
  /** The folder standing in for the extension's global storage (the history goes to `<it>/history`). */
  globalStorage: string;
  /** The workspace folder (parameter files, saved videos). */
  workspace: string;
  imitationUrl: string;
}

export interface Product {
  readonly core: Core;
  readonly workspace: string;
  /** The command a key press runs, on a selection of `prompt` in an editor; resolves once the panel shows the video. */
  generateFromSelection(prompt: string): Promise<Extract<GenerationOutcome, { kind: 'done' }>>;
  /** Runs a parameter file as its lens or the palette does. */
  runParamsFile(file: string): Promise<ParamsRunReport>;
  dispose(): void;
}

let sandboxEnvSet = false;

/** The environment the product reads at start: the imitation in place of fal, a key in FAL_KEY. */
export function useImitation(url: string): void {
  if (sandboxEnvSet && process.env.ANIMATEDIFF_FAL_SANDBOX_URL !== url) {
    throw new Error('one imitation per process: the product reads its URL at start');
  }
  process.env.ANIMATEDIFF_FAL_SANDBOX_URL = url;
  process.env.FAL_KEY = BENCH_KEY;
  sandboxEnvSet = true;
}

/** The panel content set last, as text (its HTML, or the message posted to it). */
function lastContent(panel: StubWebviewPanel): string {
  const posted = panel.webview.posted.at(-1);
  return `${panel.webview.html}\n${posted === undefined ? '' : JSON.stringify(posted)}`;
}

export function startProduct(options: ProductOptions): Product {
  useImitation(options.imitationUrl);
  mkdirSync(options.workspace, { recursive: true });
  const logs = path.join(options.globalStorage, '..', 'logs');
  mkdirSync(logs, { recursive: true });
  const context = vscodeStub.context({ extensionPath: REPO_ROOT, globalStorage: options.globalStorage, logs });
  vscodeStub.workspaceFolders = [{ uri: StubUri.file(options.workspace), name: 'bench', index: 0 }];
  const core = new Core(context as unknown as vscode.ExtensionContext);
  return {
    core,
    workspace: options.workspace,
    async generateFromSelection(prompt) {
      const document = new StubTextDocument(StubUri.file(path.join(options.workspace, 'prompts.md')), `# prompts\n\n${prompt}\n`, 'markdown');
      const start = document.getText().indexOf(prompt);
      vscodeStub.activeTextEditor = new StubTextEditor(document, { start, end: start + prompt.length });
      const outcome = await core.commands.execute('animateDiff.generateFromSelection') as GenerationOutcome;
      if (outcome.kind !== 'done') {
        throw new Error(`the generation did not finish: ${JSON.stringify(outcome)}`);
      }
      // A video panel (this core's) has been given the video to play.
      if (!vscodeStub.panels.some((panel) => lastContent(panel).includes(outcome.record.id))) {
        throw new Error('the video panel was not given the generation');
      }
      return outcome;
    },
    async runParamsFile(file) {
      return await core.commands.execute('animateDiff.generateFromParamsFile', StubUri.file(file)) as ParamsRunReport;
    },
    dispose() {
      core.dispose();
      for (const subscription of context.subscriptions) {
        subscription.dispose();
      }
    },
  };
}
