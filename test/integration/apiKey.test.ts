import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { editorWithSelection, freshState, generateFromSelection, submits, waitFor } from './support';

const KEY = 'key-test-id-7781:s3cr3t-value-never-written-4411';

function filesUnder(folder: string): string[] {
  if (!fs.existsSync(folder)) {
    return [];
  }
  return fs.readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

describe('the fal key', () => {
  it('Set fal API Key uses a password box, rejects a malformed key and stores a good one', async () => {
    const hooks = await freshState({ key: undefined });
    hooks.interaction.script(/Paste your fal API key/, 'not-a-key');
    assert.equal(await vscode.commands.executeCommand('animateDiff.setApiKey'), false);
    assert.equal(await hooks.keys.resolve(), undefined);
    const box = hooks.interaction.shown.find((m) => m.kind === 'input');
    assert.equal(box?.password, true);
    assert.ok(hooks.interaction.shown.some((m) => /input rejected: A fal key looks like key_id:key_secret/.test(m.message)));

    hooks.interaction.script(/Paste your fal API key/, KEY);
    assert.equal(await vscode.commands.executeCommand('animateDiff.setApiKey'), true);
    assert.deepEqual(await hooks.keys.resolve(), { key: KEY, source: 'secretStorage' });
  });

  it('Clear fal API Key removes it', async () => {
    const hooks = await freshState({ key: KEY });
    await vscode.commands.executeCommand('animateDiff.clearApiKey');
    assert.equal(await hooks.keys.resolve(), undefined);
    assert.ok(hooks.interaction.shown.some((m) => /removed from secret storage/.test(m.message)));
  });

  it('with no key, generating asks for one and then goes on; dismissing sends nothing', async () => {
    const hooks = await freshState({ key: undefined });
    await editorWithSelection('a koi pond at dawn', 'a koi pond at dawn');
    assert.equal((await generateFromSelection()).kind, 'notStarted');
    assert.ok(hooks.interaction.shown.some((m) => m.kind === 'input' && m.password === true && /No fal API key is set yet/.test(m.message)));
    assert.equal((await submits()).length, 0);

    hooks.interaction.script(/No fal API key is set yet/, KEY);
    assert.equal((await generateFromSelection()).kind, 'done');
    assert.equal((await submits())[0].keyId, KEY.split(':')[0]);
    assert.deepEqual(await hooks.keys.resolve(), { key: KEY, source: 'secretStorage' });
  });

  it('the key appears in no log, setting, storage or workspace file', async () => {
    const hooks = await freshState({ key: KEY });
    await editorWithSelection('a koi pond at dusk', 'a koi pond at dusk');
    assert.equal((await generateFromSelection()).kind, 'done');
    hooks.log.info('flush marker');
    const secret = KEY.split(':')[1];
    const userFolder = path.dirname(path.dirname(hooks.globalStorageUri.fsPath));
    const logsFolder = path.dirname(path.dirname(hooks.logUri.fsPath));
    const workspace = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';
    const candidates = [
      ...filesUnder(logsFolder),
      ...filesUnder(hooks.globalStorageUri.fsPath),
      ...filesUnder(workspace),
      path.join(userFolder, 'settings.json'),
    ].filter((file) => fs.existsSync(file) && fs.statSync(file).size < 20_000_000);
    await waitFor(
      () => filesUnder(logsFolder).some((file) => fs.readFileSync(file, 'utf8').includes('accepted by fal')),
      `the AnimateDiff log to be written under ${logsFolder}`,
    );
    const leaks = candidates.filter((file) => fs.readFileSync(file).includes(secret));
    assert.deepEqual(leaks, []);
  });
});
