import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { GenerationOutcome } from '../../src/model/generation';
import type { ParamsRunReport } from '../../src/runs/runReport';
import { ECHO_SHAPES } from '../fal-imitation/types';
import { editorWithSelection, freshState, generateFromSelection, imitation, submits, waitFor } from './support';

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
    assert.ok(hooks.interaction.shown.some((m) => /input rejected: A fal key is key_id:key_secret: two parts around one colon, with no spaces\./.test(m.message)));

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

  it('without a key, dismissing the key box says nothing was sent, with a Set API Key button that asks again', async () => {
    const hooks = await freshState({ key: undefined });
    hooks.interaction.script(/Paste your fal API key/, undefined);
    hooks.interaction.script(/Generation not started: a fal API key is needed/, 'Set API Key');
    hooks.interaction.script(/Paste your fal API key/, KEY);
    await editorWithSelection('a koi pond at dusk', 'a koi pond at dusk');
    assert.equal((await generateFromSelection()).kind, 'notStarted');
    const told = hooks.interaction.shown.find((m) => /Generation not started: a fal API key is needed/.test(m.message));
    assert.deepEqual(told?.actions, ['Set API Key']);
    assert.equal((await submits()).length, 0);
    await waitFor(async () => (await hooks.keys.resolve())?.key === KEY, 'the button to ask for the key and store it');
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

  it('a key fal echoes back in any answer appears in no message, diagnostic, log line, tile or file', async function () {
    this.timeout(240_000);
    const hooks = await freshState({ key: KEY });
    const secret = KEY.split(':')[1];
    const texts: string[] = [];
    const seen = hooks.interaction.onDidShow((message) => texts.push(message.message, message.detail ?? '', ...message.actions));
    try {
      // The submit, in every shape fal's errors come in.
      for (const shape of ECHO_SHAPES) {
        await imitation().addFault({ at: 'submit', kind: 'echoKey', shape, status: 400 });
        await editorWithSelection('an echo in a canyon', 'an echo in a canyon');
        assert.equal((await generateFromSelection()).kind, 'failed', shape);
      }
      // The result, as 422 field errors mapped onto a parameter file (the Problems panel).
      const folder = path.join(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '', 'key-echo');
      fs.mkdirSync(folder, { recursive: true });
      const file = path.join(folder, 'echo.animate.json');
      fs.writeFileSync(file, '{\n  "prompt": "an echo in a canyon"\n}\n');
      await imitation().addFault({ at: 'result', kind: 'echoKey', shape: 'detailList', status: 422 });
      const failedRun = (await vscode.commands.executeCommand('animateDiff.generateFromParamsFile', vscode.Uri.file(file))) as ParamsRunReport;
      texts.push(...failedRun.items.map((item) => item.reason ?? ''));
      texts.push(...vscode.languages.getDiagnostics(vscode.Uri.file(file)).map((d) => d.message));
      // An upload of a local video.
      fs.copyFileSync(path.resolve(__dirname, '../../../test/fixtures/clip.mp4'), path.join(folder, 'input.mp4'));
      const upload = path.join(folder, 'upload.animate.json');
      fs.writeFileSync(upload, JSON.stringify({ endpoint: 'fal-ai/fast-animatediff/turbo/video-to-video', video_url: 'input.mp4', prompt: 'an echo' }));
      await imitation().addFault({ at: 'upload', kind: 'echoKey', shape: 'text', status: 500 });
      const uploadRun = (await vscode.commands.executeCommand('animateDiff.generateFromParamsFile', vscode.Uri.file(upload))) as ParamsRunReport;
      assert.equal(uploadRun.items[0]?.state, 'failed');
      texts.push(...uploadRun.items.map((item) => item.reason ?? ''), JSON.stringify(hooks.panels.latestMessage ?? null));
      // A cancel whose answer quotes the key (it goes to the log).
      await imitation().addFault({ at: 'submit', kind: 'neverFinish' });
      await imitation().addFault({ at: 'cancel', kind: 'echoKey', shape: 'html', status: 500 });
      hooks.interaction.script(/Describe the video/, 'an echo that never ends');
      const running = vscode.commands.executeCommand('animateDiff.generate') as Thenable<GenerationOutcome>;
      await waitFor(() => hooks.service.runningJobs.some((job) => job.requestId !== undefined), 'the job to be accepted');
      assert.equal(await hooks.service.cancel(hooks.service.runningJobs[0].id), true);
      assert.equal((await running).kind, 'cancelled');
      await waitFor(async () => (await imitation().requests()).some((r) => r.stage === 'cancel'), 'fal\'s cancel to be sent');
    } finally {
      seen.dispose();
    }
    hooks.log.info('flush marker: key echo');
    const logsFolder = path.dirname(path.dirname(hooks.logUri.fsPath));
    await waitFor(() => filesUnder(logsFolder).some((file) => fs.readFileSync(file, 'utf8').includes('flush marker: key echo')), 'the log to be written');
    const fileLeaks = [...filesUnder(logsFolder), ...filesUnder(hooks.globalStorageUri.fsPath), ...filesUnder(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '')]
      .filter((file) => fs.statSync(file).size < 20_000_000 && fs.readFileSync(file).includes(secret));
    assert.deepEqual(fileLeaks, []);
    assert.ok(texts.length > 8, 'messages were shown');
    assert.deepEqual(texts.filter((text) => text.includes(secret)), []);
    assert.ok((await imitation().requests()).filter((r) => r.fault === 'echoKey').length >= 7, 'fal did echo the key each time');
  });
});
