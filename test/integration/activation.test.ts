// Runs first (files load in name order): nothing has used a command yet.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { extensionApi } from './support';

describe('activation', () => {
  it('activating registers the commands without loading the core (zod, fal client)', async () => {
    const api = await extensionApi();
    assert.equal(api.isCoreLoaded, false);
    const commands = new Set(await vscode.commands.getCommands(true));
    assert.ok(commands.has('animateDiff.generateFromSelection'));
    assert.equal(api.isCoreLoaded, false, 'listing commands does not load the core either');
  });

  it('the first command loads the core', async () => {
    await vscode.commands.executeCommand('animateDiff.showLog');
    assert.equal((await extensionApi()).isCoreLoaded, true);
  });
});
