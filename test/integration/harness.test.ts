// Proves the harness: this suite runs inside a genuine VS Code's extension host, with the extension
// under development, the sample workspace, the caller's environment and the fal imitation reachable.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { FalImitationControl } from '../fal-imitation/control';

const EXTENSION_ID = 'animatediff-vscode.animatediff-turbo';
const PRODUCT_COMMANDS = [
  'animateDiff.generateFromSelection',
  'animateDiff.generate',
  'animateDiff.setApiKey',
  'animateDiff.clearApiKey',
  'animateDiff.showLog',
];

describe('harness: the suite runs in VS Code with the extension under development', () => {
  it('runs in the extension host of a VS Code that satisfies the manifest', () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is loaded from the development path`);
    assert.match(vscode.version, /^\d+\.\d+\.\d+/);
    const manifest = extension.packageJSON as { engines?: { vscode?: string } };
    const minimum = /(\d+)\.(\d+)/.exec(manifest.engines?.vscode ?? '');
    assert.ok(minimum, 'package.json declares engines.vscode');
    const [major, minor] = vscode.version.split('.').map(Number);
    assert.ok(major > Number(minimum[1]) || (major === Number(minimum[1]) && minor >= Number(minimum[2])),
      `VS Code ${vscode.version} satisfies engines.vscode ${manifest.engines?.vscode}`);
  });

  it('opens a copy of the sample workspace', async () => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'a workspace folder is open');
    const prompts = await vscode.workspace.fs.stat(vscode.Uri.joinPath(folder.uri, 'prompts.md'));
    assert.equal(prompts.type, vscode.FileType.File);
  });

  it('activates the extension when "AnimateDiff: Show Log" runs', async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension);
    await vscode.commands.executeCommand('animateDiff.showLog');
    assert.equal(extension.isActive, true);
  });

  it('registers every product command', async () => {
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = PRODUCT_COMMANDS.filter((command) => !registered.has(command));
    assert.deepEqual(missing, [], 'commands missing from the command registry');
  });

  it('passes the runner\'s environment to the extension host and reaches the fal imitation', async () => {
    assert.equal(process.env.ANIMATEDIFF_TEST_HOOKS, '1');
    const sandboxUrl = process.env.ANIMATEDIFF_FAL_SANDBOX_URL;
    assert.ok(sandboxUrl, 'ANIMATEDIFF_FAL_SANDBOX_URL is set by test/harness/run-integration.js');
    const health = await new FalImitationControl(sandboxUrl).health();
    assert.equal(health.ok, true);
  });
});
