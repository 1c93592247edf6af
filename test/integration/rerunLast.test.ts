// "AnimateDiff: Re-run Last Generation" (animateDiff.rerunLast, Ctrl+Alt+Shift+Y): the newest generation of this
// window, else the history's, sent again exactly as the History's Re-run sends it.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TestHooks } from '../../src/core';
import type { HistoryStore } from '../../src/history/store/historyStore';
import type { GenerationOutcome } from '../../src/model/generation';
import { freshState, imitation, submits, waitFor, withSettings } from './support';

const ENDPOINT = 'fal-ai/fast-animatediff/turbo/text-to-video';

async function storeOf(hooks: TestHooks): Promise<HistoryStore> {
  const store = await hooks.history.ready();
  assert.ok(store, 'the history opened');
  return store;
}

async function generate(hooks: TestHooks, prompt: string): Promise<Extract<GenerationOutcome, { kind: 'done' }>['record']> {
  hooks.interaction.script(/Describe the video/, prompt);
  const outcome = (await vscode.commands.executeCommand('animateDiff.generate')) as GenerationOutcome;
  assert.equal(outcome.kind, 'done', JSON.stringify(outcome));
  assert.ok(outcome.kind === 'done');
  return outcome.record;
}

function rerunLast(): Promise<GenerationOutcome> {
  return Promise.resolve(vscode.commands.executeCommand<GenerationOutcome>('animateDiff.rerunLast'));
}

describe('re-run last generation', () => {
  it('sends this window\'s last generation again: the same request body, through the history as a re-run', async () => {
    const hooks = await freshState();
    const store = await storeOf(hooks);
    const record = await withSettings({ 'defaults.seed': 4711 }, () => generate(hooks, 'rerun-last: a lantern swinging in the wind on a pier'));
    // Another window's generation, newer than this window's: this window's own comes first.
    const elsewhere = await store.add({
      endpoint: ENDPOINT,
      input: { prompt: 'rerun-last: from another window, a kite over dunes' },
      source: { kind: 'prompt' },
      status: 'failed',
      createdAt: Date.now() + 60_000,
      error: { kind: 'server', message: 'fal had a server problem (500).' },
    });
    const [first] = await submits();
    await imitation().reset();

    const outcome = await rerunLast();
    assert.equal(outcome.kind, 'done', JSON.stringify(outcome));
    const again = await submits();
    assert.equal(again.length, 1);
    assert.deepEqual(again[0].body, first.body, 'the same body as the first time');
    assert.equal((again[0].body as { seed?: unknown }).seed, 4711);
    assert.ok(outcome.kind === 'done');
    assert.equal(outcome.record.seed, record.seed);
    assert.equal(store.get(outcome.record.id)?.source.kind, 'rerun', 'recorded in the history as a re-run');
    await Promise.all([record.id, outcome.record.id, elsewhere.id].map((id) => store.delete(id)));
  });

  it('a generation without a seed is re-run with the seed fal used (the same video)', async () => {
    const hooks = await freshState();
    const store = await storeOf(hooks);
    const record = await generate(hooks, 'rerun-last: a spinning top on a wooden table');
    const [first] = await submits();
    assert.equal('seed' in (first.body as object), false, 'the first request let fal pick the seed');
    await imitation().reset();

    const outcome = await rerunLast();
    assert.equal(outcome.kind, 'done', JSON.stringify(outcome));
    const [again] = await submits();
    assert.deepEqual(again.body, { ...(first.body as object), seed: record.seed });
    assert.ok(outcome.kind === 'done');
    await Promise.all([record.id, outcome.record.id].map((id) => store.delete(id)));
  });

  it('when this window\'s last generation is gone, the history\'s newest is re-run', async () => {
    const hooks = await freshState();
    const store = await storeOf(hooks);
    await store.clear();
    const input = { prompt: 'rerun-last: another window made this, a heron in reeds', num_frames: 16, num_inference_steps: 4, video_size: 'square' as const, seed: 99 };
    const older = await store.add({ endpoint: ENDPOINT, input: { ...input, prompt: 'rerun-last: older' }, source: { kind: 'prompt' }, status: 'cancelled', createdAt: Date.now() - 60_000 });
    const newest = await store.add({ endpoint: ENDPOINT, input, source: { kind: 'prompt' }, status: 'failed', error: { kind: 'server', message: 'fal had a server problem (500).' } });

    const outcome = await rerunLast();
    assert.equal(outcome.kind, 'done', JSON.stringify(outcome));
    const sent = await submits();
    assert.deepEqual(sent.map((submit) => submit.body), [input]);
    assert.ok(outcome.kind === 'done');
    await Promise.all([older.id, newest.id, outcome.record.id].map((id) => store.delete(id)));
  });

  it('nothing to re-run: a clear message with a way to start, and nothing is sent', async () => {
    const hooks = await freshState();
    const store = await storeOf(hooks);
    await store.clear();
    assert.equal(store.size, 0);

    const outcome = await rerunLast();
    assert.deepEqual(outcome, { kind: 'notStarted', reason: 'nothing to re-run' });
    const message = hooks.interaction.shown.find((m) => /re-run/i.test(m.message));
    assert.ok(message, JSON.stringify(hooks.interaction.shown));
    assert.equal(message.kind, 'info');
    assert.match(message.message, /^Nothing to re-run yet: there is no generation in this window or in the AnimateDiff history\. Generate a video first\.$/);
    assert.deepEqual(message.actions, ['Generate Video…']);
    assert.equal((await submits()).length, 0);
  });

  it('while the last generation still runs: says so, and does not pay for the same video twice', async () => {
    const hooks = await freshState();
    const store = await storeOf(hooks);
    await imitation().addFault({ at: 'submit', kind: 'neverFinish' });
    hooks.interaction.script(/Describe the video/, 'rerun-last: a windmill at dusk');
    const running = Promise.resolve(vscode.commands.executeCommand<GenerationOutcome>('animateDiff.generate'));
    await waitFor(() => hooks.service.runningJobs.some((job) => job.requestId !== undefined), 'the generation to reach fal');
    const [job] = hooks.service.runningJobs;
    await waitFor(() => store.get(job.id)?.requestId !== undefined, 'the history to record fal\'s request id');

    const outcome = await rerunLast();
    assert.deepEqual(outcome, { kind: 'notStarted', reason: 'still running' });
    assert.ok(hooks.interaction.shown.some((m) => m.kind === 'info' && /^“rerun-last: a win(dmill at dusk|…)” is still running\. Re-run it when it has finished\.$/.test(m.message)), JSON.stringify(hooks.interaction.shown));
    assert.equal((await submits()).length, 1, 'only the first request went to fal');

    hooks.service.cancel(job.id);
    assert.equal((await running).kind, 'cancelled');
    await store.delete(job.id);
  });
});
