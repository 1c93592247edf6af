import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { editorWithSelection, freshState, generateFromSelection, imitation, submits, TEST_KEY, waitFor, withSettings } from './support';
import type { GenerationOutcome } from '../../src/model/generation';

const PROMPT = 'masterpiece, best quality, a red fox running through fresh snow, cinematic light';
const DOC = `# Ideas\n\n${PROMPT}\n\nAnother line that is not the prompt.\n`;

describe('generate from the selection', () => {
  it('sends every turbo field with the defaults, reports progress, and the panel plays the video', async () => {
    const hooks = await freshState();
    await editorWithSelection(DOC, PROMPT);
    const states: string[] = [];
    const subscription = hooks.service.onDidChangeJobs(() => {
      for (const job of hooks.service.runningJobs) {
        states.push(job.state === 'queued' ? `queued:${job.queuePosition}` : job.state === 'running' ? `running:${job.lastLog ?? ''}` : job.state);
      }
    });
    const outcome = await generateFromSelection();
    subscription.dispose();

    assert.equal(outcome.kind, 'done');
    const sent = await submits();
    assert.equal(sent.length, 1);
    assert.deepEqual(sent[0].body, {
      prompt: PROMPT,
      negative_prompt: '(bad quality, worst quality:1.2), ugly faces, bad anime',
      num_frames: 16,
      num_inference_steps: 4,
      guidance_scale: 1,
      fps: 8,
      video_size: 'square',
    });
    assert.equal(sent[0].keyId, TEST_KEY.split(':')[0]);
    assert.ok(states.some((s) => s.startsWith('queued:')), `queue position shown: ${states.join(' | ')}`);
    assert.ok(states.some((s) => /^running:.*step/i.test(s)), `latest fal log shown while running: ${states.join(' | ')}`);

    const record = outcome.record;
    assert.equal(hooks.panels.visibleGenerationId, record.id);
    await waitFor(() => hooks.panels.playbackOf(record.id) !== undefined, 'the webview reports playback');
    assert.deepEqual(hooks.panels.playbackOf(record.id), { state: 'playing' });
    assert.ok(record.sandbox, 'a result of the imitation is marked as a sandbox result');
    assert.equal(typeof record.inferenceSeconds, 'number');
  });

  it('a whitespace-only selection gets a clear message and sends nothing', async () => {
    const hooks = await freshState();
    await editorWithSelection('before     after', '     ');
    const outcome = await generateFromSelection();
    assert.equal(outcome.kind, 'notStarted');
    assert.ok(hooks.interaction.shown.some((m) => m.kind === 'warning' && /empty or only whitespace/.test(m.message)));
    assert.equal((await submits()).length, 0);
  });

  it('a selection longer than a prompt may be gets a clear message and sends nothing', async () => {
    const hooks = await freshState();
    const tooLong = 'a fox in the snow, '.repeat(600);
    await editorWithSelection(`# Notes\n\n${tooLong}\n`, tooLong);
    const outcome = await generateFromSelection();
    assert.equal(outcome.kind, 'notStarted');
    const warning = hooks.interaction.shown.find((m) => m.kind === 'warning');
    assert.match(warning?.message ?? '', /The prompt is 11,399 characters; at most 10,000 are sent to fal\. Select a shorter text.*Nothing was sent/);
    assert.equal((await submits()).length, 0);
  });

  it('"Generate Video…" asks for the prompt and sends it', async () => {
    const hooks = await freshState();
    hooks.interaction.script(/Describe the video/, 'a paper boat on a rainy street');
    const outcome = (await vscode.commands.executeCommand('animateDiff.generate')) as GenerationOutcome;
    assert.equal(outcome.kind, 'done');
    assert.equal(((await submits())[0].body as { prompt: string }).prompt, 'a paper boat on a rainy street');
  });

  it('user settings override the defaults', async () => {
    await freshState();
    await editorWithSelection(DOC, PROMPT);
    await withSettings({ 'defaults.numFrames': 24, 'defaults.videoSize': 'landscape_16_9', 'defaults.seed': 77, 'defaults.motions': ['zoom-in'] }, async () => {
      assert.equal((await generateFromSelection()).kind, 'done');
    });
    const body = (await submits())[0].body as Record<string, unknown>;
    assert.equal(body.num_frames, 24);
    assert.equal(body.video_size, 'landscape_16_9');
    assert.equal(body.seed, 77);
    assert.deepEqual(body.motions, ['zoom-in']);
  });

  it('an invalid setting is named and nothing is sent', async () => {
    const hooks = await freshState();
    await editorWithSelection(DOC, PROMPT);
    await withSettings({ 'defaults.numFrames': 64 }, async () => {
      assert.equal((await generateFromSelection()).kind, 'notStarted');
    });
    const error = hooks.interaction.shown.find((m) => m.kind === 'error');
    assert.match(error?.message ?? '', /animateDiff\.defaults\.numFrames must be a whole number from 1 to 32, but it is 64/);
    assert.deepEqual(error?.actions, ['Open Settings']);
    assert.equal((await submits()).length, 0);
  });

  it('cancel aborts, sends fal\'s queue cancel and says a started job may still be billed', async () => {
    const hooks = await freshState();
    await imitation().addFault({ at: 'submit', kind: 'neverFinish' });
    await editorWithSelection(DOC, PROMPT);
    const running = generateFromSelection();
    await waitFor(() => hooks.service.runningJobs.some((j) => j.state === 'running'), 'the job to run');
    const requestId = hooks.service.runningJobs[0].requestId;
    assert.ok(requestId);
    assert.equal(await vscode.commands.executeCommand('animateDiff.cancelGeneration'), true);
    assert.equal((await running).kind, 'cancelled');
    await waitFor(async () => (await imitation().job(requestId))?.cancelRequested === true, 'fal to receive the cancel');
    assert.ok(hooks.interaction.shown.some((m) => m.kind === 'info' && /may still finish and be billed/.test(m.message)));
    assert.equal(hooks.service.runningJobs.length, 0);
  });

  it('a team proxy carries every call and adds the key; none is needed in VS Code', async () => {
    await freshState({ key: undefined });
    await editorWithSelection(DOC, PROMPT);
    const proxyUrl = `${process.env.ANIMATEDIFF_FAL_SANDBOX_URL}/api/fal/proxy`;
    const outcome = await withSettings({ proxyUrl }, () => generateFromSelection());
    assert.equal(outcome.kind, 'done');
    const calls = (await imitation().requests()).filter((r) => r.stage !== 'other');
    assert.ok(calls.length >= 2);
    for (const call of calls) {
      assert.ok(call.viaProxy, `${call.stage} went through the proxy`);
      assert.equal(call.authorizationPresent, false, 'VS Code sent no key');
      assert.equal(call.keyInjectedByProxy, true);
    }
  });

  it('the panel actions: copy seed, re-run with the seed, save the video', async () => {
    const hooks = await freshState();
    await editorWithSelection(DOC, PROMPT);
    const first = await generateFromSelection();
    assert.equal(first.kind, 'done');
    const record = first.record;
    assert.equal(typeof record.seed, 'number');

    await hooks.actions.handle({ type: 'copySeed', id: record.id });
    assert.equal(await vscode.env.clipboard.readText(), String(record.seed));

    await hooks.actions.handle({ type: 'rerunWithSeed', id: record.id });
    const bodies = (await submits()).map((s) => s.body as Record<string, unknown>);
    assert.equal(bodies.length, 2);
    assert.deepEqual(bodies[1], { ...bodies[0], seed: record.seed });

    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder);
    const target = vscode.Uri.joinPath(folder.uri, 'saved-video.mp4');
    await hooks.actions.writeVideoTo(record, target);
    const saved = await vscode.workspace.fs.readFile(target);
    const served = new Uint8Array(await (await fetch(record.videoUrl)).arrayBuffer());
    assert.ok(saved.byteLength > 1000);
    assert.deepEqual(Buffer.from(saved), Buffer.from(served));
    assert.equal(fs.existsSync(target.fsPath), true);
    await vscode.workspace.fs.delete(target);
  });
});
