// Runs first (files load in name order): nothing has used a command or opened a parameter file yet.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID, extensionApi, hooks, waitFor } from './support';

describe('activation', () => {
  it('activating registers the commands without loading the core (zod, fal client)', async () => {
    const api = await extensionApi();
    assert.equal(api.isCoreLoaded, false);
    const commands = new Set(await vscode.commands.getCommands(true));
    assert.ok(commands.has('animateDiff.generateFromSelection'));
    assert.equal(api.isCoreLoaded, false, 'listing commands does not load the core either');
  });

  it('an ordinary JSON file does not load the core', async () => {
    const document = await vscode.workspace.openTextDocument({ language: 'json', content: '{ "name": "not a parameter file" }' });
    await vscode.window.showTextDocument(document);
    assert.equal(document.languageId, 'json');
    assert.equal((await extensionApi()).isCoreLoaded, false);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('opening a .animate.json file loads the core, which checks the file', async () => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder);
    const document = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder.uri, 'fox-in-snow.animate.json'));
    await vscode.window.showTextDocument(document);
    await waitFor(async () => (await extensionApi()).isCoreLoaded, 'the core to load for a parameter file');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('every command the manifest contributes is handled by the core, and the core handles no other', async () => {
    const manifest = vscode.extensions.getExtension(EXTENSION_ID)?.packageJSON as { contributes: { commands: Array<{ command: string }> } };
    const contributed = manifest.contributes.commands.map((command) => command.command).sort();
    const { commands } = await hooks();
    assert.deepEqual(contributed.filter((id) => !commands.has(id)), [], 'contributed but not handled');
    assert.deepEqual([...commands.ids].sort(), contributed);
  });
});
