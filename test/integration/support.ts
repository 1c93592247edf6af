// Shared helpers of the integration suite (runs inside VS Code's extension host).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TestHooks } from '../../src/core';
import type { GenerationOutcome } from '../../src/model/generation';
import { FalImitationControl } from '../fal-imitation/control';

export const EXTENSION_ID = 'animatediff-vscode.animatediff-turbo';
export const TEST_KEY = 'integration-key-id:integration-secret-4f9a2c';

interface ExtensionApi {
  readonly testHooks: TestHooks | undefined;
  readonly isCoreLoaded: boolean;
}

export async function extensionApi(): Promise<ExtensionApi> {
  const extension = vscode.extensions.getExtension<ExtensionApi>(EXTENSION_ID);
  assert.ok(extension, `${EXTENSION_ID} is installed`);
  return extension.activate();
}

export async function hooks(): Promise<TestHooks> {
  const api = await extensionApi();
  const testHooks = api.testHooks;
  assert.ok(testHooks, 'ANIMATEDIFF_TEST_HOOKS=1 exposes the test hooks');
  return testHooks;
}

export function imitation(): FalImitationControl {
  const url = process.env.ANIMATEDIFF_FAL_SANDBOX_URL;
  assert.ok(url, 'the harness starts the fal imitation');
  return new FalImitationControl(url);
}

/** Waits for a condition that the extension or the imitation makes true; checked on each event-loop turn. */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 15000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) {
      throw new Error(`Timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Puts a clean state in place: no faults or jobs at the imitation, no recorded messages, the test key stored. */
export async function freshState(options: { key?: string | undefined } = { key: TEST_KEY }): Promise<TestHooks> {
  const testHooks = await hooks();
  await imitation().reset();
  testHooks.interaction.reset();
  await testHooks.keys.clear();
  if (options.key) {
    await testHooks.keys.store(options.key);
  }
  return testHooks;
}

/** Opens an editor with the text and selects `selected` (the first occurrence). */
export async function editorWithSelection(text: string, selected: string): Promise<vscode.TextEditor> {
  const document = await vscode.workspace.openTextDocument({ content: text, language: 'markdown' });
  const editor = await vscode.window.showTextDocument(document, vscode.ViewColumn.One);
  const start = text.indexOf(selected);
  assert.ok(start >= 0);
  editor.selection = new vscode.Selection(document.positionAt(start), document.positionAt(start + selected.length));
  return editor;
}

export async function generateFromSelection(): Promise<GenerationOutcome> {
  return (await vscode.commands.executeCommand('animateDiff.generateFromSelection')) as GenerationOutcome;
}

/** Sets a user setting for the duration of `body`, then removes it again. */
export async function withSettings<T>(values: Record<string, unknown>, body: () => Promise<T>): Promise<T> {
  const configuration = vscode.workspace.getConfiguration('animateDiff');
  for (const [name, value] of Object.entries(values)) {
    await configuration.update(name, value, vscode.ConfigurationTarget.Global);
  }
  try {
    return await body();
  } finally {
    for (const name of Object.keys(values)) {
      await vscode.workspace.getConfiguration('animateDiff').update(name, undefined, vscode.ConfigurationTarget.Global);
    }
  }
}

export async function submits(): Promise<Array<{ body: unknown; keyId: string | null; viaProxy: boolean; authorizationPresent: boolean; keyInjectedByProxy: boolean }>> {
  return (await imitation().requests()).filter((r) => r.stage === 'submit');
}

/** Resolves with the next `videoPlaying` (or rejects with the next `videoError`) the panel reports for the generation. */
export function nextPlayback(hooks: TestHooks, id: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const subscription = hooks.panels.onDidReceiveMessage((message) => {
      if (message.type === 'videoPlaying' && message.id === id) {
        subscription.dispose();
        resolve();
      } else if (message.type === 'videoError' && message.id === id) {
        subscription.dispose();
        reject(new Error(`the panel could not play ${id}: ${message.message}`));
      }
    });
  });
}
