// The extension's keyboard shortcuts against VS Code's own: read from the "Default Keyboard Shortcuts (JSON)"
// document of this VS Code (code-server, i.e. the Linux bindings), which lists the defaults of VS Code and of
// every installed extension. Windows and macOS were checked against published dumps of the same document.
import * as assert from 'node:assert/strict';
import { parse } from 'jsonc-parser';
import * as vscode from 'vscode';
import { EXTENSION_ID, waitFor } from './support';

const DEFAULT_KEYBINDINGS = 'vscode://defaultsettings/keybindings.json';

interface Keybinding {
  key: string;
  command: string;
  when?: string;
  mac?: string;
}

/** A chord's first part with its modifiers in a fixed order: `ctrl+shift+alt+v` and `ctrl+alt+shift+v` compare equal. */
function firstPress(key: string): string {
  const [press] = key.trim().toLowerCase().split(/\s+/);
  const parts = press.split('+');
  const last = parts.pop() ?? '';
  return [...parts.sort(), last].join('+');
}

async function defaultKeybindings(): Promise<Keybinding[]> {
  await vscode.commands.executeCommand('workbench.action.openDefaultKeybindingsFile');
  let document: vscode.TextDocument | undefined;
  await waitFor(() => {
    document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === DEFAULT_KEYBINDINGS);
    return document !== undefined;
  }, 'the default keybindings document', 20_000);
  assert.ok(document);
  const bindings = parse(document.getText(), [], { allowTrailingComma: true }) as unknown;
  await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  assert.ok(Array.isArray(bindings) && bindings.length > 500, 'the document lists VS Code\'s default keybindings');
  return bindings as Keybinding[];
}

describe('keyboard shortcuts', () => {
  const ours = (vscode.extensions.getExtension(EXTENSION_ID)?.packageJSON as { contributes: { keybindings: Keybinding[] } }).contributes.keybindings;

  it('the manifest binds generate from the selection, run the parameter file and re-run the last generation', () => {
    assert.deepEqual(ours.map(({ command, key, mac }) => ({ command, key, mac })), [
      { command: 'animateDiff.generateFromSelection', key: 'ctrl+alt+shift+v', mac: 'cmd+alt+shift+v' },
      { command: 'animateDiff.generateFromParamsFile', key: 'ctrl+alt+shift+p', mac: 'cmd+alt+shift+p' },
      { command: 'animateDiff.rerunLast', key: 'ctrl+alt+shift+y', mac: 'cmd+alt+shift+y' },
    ]);
  });

  it('no default keybinding of VS Code uses our chords, not even as the start of a two-key chord', async function () {
    this.timeout(60_000);
    const bindings = await defaultKeybindings();
    const ourCommands = new Set(ours.map((binding) => binding.command));
    for (const binding of ours) {
      const press = firstPress(binding.key);
      const listed = bindings.filter((other) => typeof other.key === 'string' && firstPress(other.key) === press);
      assert.ok(listed.some((other) => other.command === binding.command), `${binding.key} is listed for ${binding.command}: the document includes ours`);
      assert.deepEqual(listed.filter((other) => !ourCommands.has(other.command)).map((other) => `${other.key} → ${other.command}`), [], `${binding.key} is free`);
    }
  });
});
