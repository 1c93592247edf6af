// The generation history in a genuine VS Code: the journal's entries and states, local copies that play after
// fal's URL is gone, pruning by the settings' limits, a corrupt index, and resuming jobs a reload interrupted.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TestHooks } from '../../src/core';
import type { HistoryEntry, HistoryStatus } from '../../src/history/store/entry';
import type { HistoryStore } from '../../src/history/store/historyStore';
import type { GenerationOutcome } from '../../src/model/generation';
import { WindowPresence } from '../../src/history/jobs/windowPresence';
import { createEntry } from '../../src/history/store/entry';
import { historyOnDisk, legacyIndexText } from '../unit/history/support';
import { editorWithSelection, freshState, hooks as extensionHooks, imitation, nextPlayback, submits, TEST_KEY, waitFor, withSettings } from './support';

const ENDPOINT = 'fal-ai/fast-animatediff/turbo/text-to-video';
const PROMPT = 'masterpiece, a lighthouse on a cliff at dusk, waves crashing, cinematic';

async function storeOf(hooks: TestHooks): Promise<HistoryStore> {
  const store = await hooks.history.ready();
  assert.ok(store, 'the history opened');
  return store;
}

/** The history's current file (the newest generation). */
function historyFileOf(hooks: TestHooks): string {
  const folder = hooks.history.folder;
  return path.join(folder, `history.${historyOnDisk(folder).generation}.jsonl`);
}

async function generate(hooks: TestHooks, prompt: string): Promise<Extract<GenerationOutcome, { kind: 'done' }>> {
  hooks.interaction.script(/Describe the video/, prompt);
  const outcome = (await vscode.commands.executeCommand('animateDiff.generate')) as GenerationOutcome;
  assert.equal(outcome.kind, 'done', `generated "${prompt}": ${JSON.stringify(outcome)}`);
  return outcome as Extract<GenerationOutcome, { kind: 'done' }>;
}

/** Submits a job to the imitation's queue directly, as a window before a reload did; returns fal's request id. */
async function submitDirectly(prompt: string): Promise<string> {
  const sandbox = process.env.ANIMATEDIFF_FAL_SANDBOX_URL;
  assert.ok(sandbox);
  const response = await fetch(`${sandbox}/${ENDPOINT}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Key ${TEST_KEY}`, 'x-fal-imitation-host': 'queue.fal.run' },
    body: JSON.stringify({ prompt, num_inference_steps: 4, video_size: 'square' }),
  });
  assert.equal(response.status, 200);
  const body = (await response.json()) as { request_id?: unknown };
  assert.equal(typeof body.request_id, 'string');
  return String(body.request_id);
}

/** An unfinished entry left by a window that is gone (no owner), as a reload leaves it. */
const heldUntilTestEnds: vscode.Disposable[] = [];
afterEach(() => heldUntilTestEnds.splice(0).forEach((hold) => hold.dispose()));

/**
 * Stages a job as a closed window leaves it: unfinished and owned by nobody. Other-window checks are held until
 * the test ends, so it is the test's own `resumeUnfinished` that claims it, not a timed check in between.
 */
async function leftByAReload(store: HistoryStore, init: { prompt: string; status: HistoryStatus; requestId?: string }): Promise<HistoryEntry> {
  const hold = await (await extensionHooks()).history.holdOtherWindowChecks();
  heldUntilTestEnds.push(hold);
  const entry = await store.add({
    endpoint: ENDPOINT,
    input: { prompt: init.prompt, num_inference_steps: 4, video_size: 'square' },
    source: { kind: 'prompt' },
    status: init.status,
    ...(init.requestId ? { requestId: init.requestId } : {}),
  });
  const orphaned = await store.update(entry.id, { ownerPid: undefined });
  assert.ok(orphaned);
  return orphaned;
}

function localPathOf(store: HistoryStore, id: string): string {
  const entry = store.get(id);
  assert.ok(entry?.video, `entry ${id} has a local video`);
  const file = store.videoPath(entry);
  assert.ok(file);
  return file;
}

async function closeVideoPanel(hooks: TestHooks): Promise<void> {
  const panelTabs = vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) => tab.input instanceof vscode.TabInputWebview);
  await vscode.window.tabGroups.close(panelTabs);
  await waitFor(() => hooks.panels.shownGenerationIds.length === 0, 'the video panel to close');
}

describe('history: every generation is kept with its video', () => {
  it('records the job from the moment it starts: submitting → queued (request id stored) → running → done, with seed, size, timings and logs', async () => {
    const hooks = await freshState();
    const store = await storeOf(hooks);
    const seen: Array<{ status: HistoryStatus; requestId: string | undefined; hasVideo: boolean }> = [];
    let jobId: string | undefined;
    const subscription = store.onDidChange((change) => {
      // Only this job's entry: a job of an earlier test may still be settling.
      if (change.kind === 'added' && change.entry.input.prompt === PROMPT) {
        jobId ??= change.entry.id;
      }
      if ((change.kind === 'added' || change.kind === 'updated') && change.entry.id === jobId) {
        const { status, requestId, video } = change.entry;
        const last = seen[seen.length - 1];
        if (!last || last.status !== status || last.requestId !== requestId || last.hasVideo !== Boolean(video)) {
          seen.push({ status, requestId, hasVideo: Boolean(video) });
        }
      }
    });
    await editorWithSelection(`# Ideas\n\n${PROMPT}\n`, PROMPT);
    const outcome = (await vscode.commands.executeCommand('animateDiff.generateFromSelection')) as GenerationOutcome;
    subscription.dispose();
    assert.equal(outcome.kind, 'done');
    const record = outcome.kind === 'done' ? outcome.record : undefined;
    assert.ok(record);

    const statuses = seen.map((step) => step.status);
    assert.equal(statuses[0], 'submitting', `first recorded state: ${statuses.join(' → ')}`);
    assert.equal(seen[0].requestId, undefined);
    const firstWithId = seen.find((step) => step.requestId !== undefined);
    assert.ok(firstWithId, 'the request id was stored');
    assert.notEqual(firstWithId.status, 'done', 'the request id is stored while the job is unfinished');
    assert.ok(statuses.includes('queued') && statuses.includes('running'), `states: ${statuses.join(' → ')}`);
    assert.ok(statuses.indexOf('queued') < statuses.indexOf('running'));
    const done = seen.findIndex((step) => step.status === 'done');
    assert.equal(done, seen.length - 1, 'done is the last state');
    assert.ok(seen[done].hasVideo, 'done only once the local copy is there');

    const entry = store.get(record.id);
    assert.ok(entry);
    assert.equal(entry.status, 'done');
    assert.equal(entry.endpoint, ENDPOINT);
    assert.deepEqual(entry.input, (await submits())[0].body);
    assert.deepEqual(entry.source.kind, 'selection');
    assert.equal(entry.requestId, record.requestId);
    assert.equal(typeof entry.seed, 'number');
    assert.equal(entry.seed, record.seed);
    assert.equal(entry.remoteVideoUrl, record.videoUrl);
    assert.equal(entry.ownerPid, undefined, 'a finished job has no owner');
    assert.equal(entry.queuePosition, undefined);
    assert.equal(entry.error, undefined);
    assert.equal(typeof entry.timings.totalMs, 'number');
    assert.equal(typeof entry.timings.inferenceSeconds, 'number');
    assert.ok(entry.timings.startedAt !== undefined && entry.timings.completedAt !== undefined);
    assert.ok((entry.logs ?? []).some((line) => /step/i.test(line)), `logs: ${JSON.stringify(entry.logs)}`);

    const file = localPathOf(store, record.id);
    assert.ok(file.startsWith(hooks.history.folder), 'the video is in the history folder under global storage');
    assert.equal(fs.statSync(file).size, entry.video?.bytes);
    const served = Buffer.from(await (await fetch(record.videoUrl)).arrayBuffer());
    assert.deepEqual(fs.readFileSync(file), served, 'the local copy is the video fal served');
    assert.equal(hooks.panels.visibleGenerationId, record.id);
    assert.equal(hooks.history.lookup.videoUri(record).fsPath, file, 'the panel plays the local copy');
  });

  it('the local copy plays in the panel after fal\'s result URL is gone', async () => {
    const hooks = await freshState();
    const store = await storeOf(hooks);
    const { record } = await generate(hooks, 'a paper lantern drifting over a dark lake');
    const deleted = await imitation().deleteResultVideos([record.requestId]);
    assert.deepEqual(deleted, [record.videoUrl]);
    assert.equal((await fetch(record.videoUrl)).status, 404, 'fal\'s URL answers 404 now');

    await closeVideoPanel(hooks);
    const playing = nextPlayback(hooks, record.id);
    assert.equal(await vscode.commands.executeCommand('animateDiff.history.open', record.id), true);
    await playing;
    assert.equal(hooks.panels.visibleGenerationId, record.id);
    assert.deepEqual(hooks.panels.playbackOf(record.id), { state: 'playing' });
    assert.ok(fs.existsSync(localPathOf(store, record.id)));
  });

  it('falls back to fal\'s URL (and says so in the log) when the local copy cannot be downloaded', async () => {
    const hooks = await freshState();
    const store = await storeOf(hooks);
    const sandbox = process.env.ANIMATEDIFF_FAL_SANDBOX_URL;
    const missingVideo = `${sandbox}/files/videos/no-such-video.mp4`;
    // fal's result names a video that is already gone: the download fails, the result still shows.
    await imitation().addFault({
      at: 'result',
      kind: 'http',
      status: 200,
      body: { video: { url: missingVideo, content_type: 'video/mp4' }, seed: 4242 },
    });
    const { record } = await generate(hooks, 'a red kite over a windy beach');
    assert.equal(record.videoUrl, missingVideo);
    const entry = store.get(record.id);
    assert.ok(entry);
    assert.equal(entry.status, 'done');
    assert.equal(entry.seed, 4242);
    assert.equal(entry.video, undefined);
    assert.equal(entry.remoteVideoUrl, missingVideo);
    assert.equal(entry.error?.kind, 'download');
    assert.match(entry.error?.message ?? '', /HTTP 404/);
    assert.equal(hooks.panels.visibleGenerationId, entry.id, 'the panel still shows the result');
    assert.equal(hooks.history.lookup.videoUri(record).toString(true), missingVideo, 'from fal\'s URL');

    // Tried again when the window starts or gets the focus: while fal's URL fails, nothing changes.
    assert.equal(await hooks.history.retryMissingCopies(), 0);
    assert.equal(store.get(record.id)?.error?.kind, 'download');
    // Once it serves the video (here: pointed at one the imitation serves), the copy is kept and the error goes.
    const { record: served } = await generate(hooks, 'a second kite, whose video fal serves');
    await store.update(record.id, { remoteVideoUrl: served.videoUrl });
    assert.equal(await hooks.history.retryMissingCopies(), 1);
    assert.equal(store.get(record.id)?.error, undefined);
    assert.ok(fs.existsSync(localPathOf(store, record.id)), 'the local copy is on disk');
    assert.equal(hooks.history.lookup.videoUri(record).scheme, 'file', 'the panel plays it from there now');
  });

  it('Cancel on a job fal has already finished says there is nothing left to cancel, and its video is still kept', async () => {
    const hooks = await freshState();
    const store = await storeOf(hooks);
    // A video host that answers only when told to, so the job stays in its saving phase.
    let release: (() => void) | undefined;
    const host = http.createServer((_request, response) => {
      release = () => response.writeHead(200, { 'content-type': 'video/mp4' }).end(fs.readFileSync(path.resolve(__dirname, '../../../test/fixtures/clip.mp4')));
    });
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
    try {
      const videoUrl = `http://127.0.0.1:${(host.address() as AddressInfo).port}/slow.mp4`;
      await imitation().addFault({ at: 'result', kind: 'http', status: 200, body: { video: { url: videoUrl, content_type: 'video/mp4' }, seed: 99 } });
      hooks.interaction.script(/Describe the video/, 'a slow download of a finished video');
      const running = vscode.commands.executeCommand('animateDiff.generate');
      await waitFor(() => release !== undefined, 'the local copy to be downloading');
      const [job] = hooks.service.runningJobs;
      assert.equal(job?.resultReady, true);
      assert.equal(await vscode.commands.executeCommand('animateDiff.cancelGeneration', job.id), false);
      assert.ok(hooks.interaction.shown.some((m) => m.kind === 'info' && /already made .*nothing left to cancel/.test(m.message)));
      // The same from the History view's Cancel, which says nothing about another window.
      const said = hooks.interaction.shown.length;
      assert.equal(await vscode.commands.executeCommand('animateDiff.history.cancel', job.id), false);
      assert.deepEqual(hooks.interaction.shown.slice(said).map((m) => m.message), [hooks.interaction.shown[said - 1].message]);
      release?.();
      const outcome = (await running) as GenerationOutcome;
      assert.equal(outcome.kind, 'done');
      assert.equal(store.get(job.id)?.status, 'done');
      assert.ok(fs.existsSync(localPathOf(store, job.id)), 'the video was kept');
    } finally {
      host.close();
    }
  });

  it('pruning by animateDiff.history.maxVideos deletes the oldest videos only, keeps their entries, and says so once per prune', async () => {
    const hooks = await freshState();
    const store = await storeOf(hooks);
    await store.clear();
    const first = await generate(hooks, 'prune one: a snail on a leaf');
    const second = await generate(hooks, 'prune two: a heron in the reeds');
    await withSettings({ 'history.maxVideos': 2 }, async () => {
      hooks.interaction.reset();
      const third = await generate(hooks, 'prune three: a comet over mountains');
      const prunedMessage = (message: { message: string }) => /Deleted the local cop/.test(message.message);
      await waitFor(() => hooks.interaction.shown.some(prunedMessage), 'the message about the prune');
      const withVideo = store.list().filter((entry) => entry.video).map((entry) => entry.id);
      assert.deepEqual(withVideo, [third.record.id, second.record.id], 'the two newest keep their videos');

      const oldest = store.get(first.record.id);
      assert.ok(oldest, 'the pruned entry stays in the history');
      assert.equal(oldest.video, undefined);
      assert.equal(oldest.videoPruned, true);
      assert.equal(oldest.input.prompt, 'prune one: a snail on a leaf', 'its parameters stay');
      // (Beside them may be their poster frames, which the panel makes as it plays them.)
      const onDisk = fs.readdirSync(path.join(hooks.history.folder, 'videos'));
      assert.equal(onDisk.filter((name) => !name.endsWith('.poster.png')).length, 2, 'only two video files remain on disk');
      assert.ok(onDisk.every((name) => !name.startsWith(first.record.id)), 'no poster of the pruned video either');

      const told = hooks.interaction.shown.filter(prunedMessage);
      assert.equal(told.length, 1, `one message for the prune: ${JSON.stringify(hooks.interaction.shown.map((m) => m.message))}`);
      assert.match(told[0].message, /^Deleted the local copy of the oldest video \(\d+(\.\d)? KB\) to keep the AnimateDiff history within 2 videos and 1024 MB\./);
      assert.deepEqual(told[0].actions, ['Open Settings']);
    });
  });

  it('pruning by animateDiff.history.maxVideoMegabytes keeps only what fits, and never the video the panel shows', async () => {
    const hooks = await freshState();
    const store = await storeOf(hooks);
    await generate(hooks, 'size zero: a lamp in the fog');
    const first = await generate(hooks, 'size one: a moth at a lamp');
    const clipBytes = store.get(first.record.id)?.video?.bytes ?? 0;
    assert.ok(clipBytes > 0);
    // Room for one video and a half: the newest stays, every older one goes, except the one on screen.
    await withSettings({ 'history.maxVideoMegabytes': (clipBytes * 1.5) / (1024 * 1024) }, async () => {
      await waitFor(() => store.list().filter((entry) => entry.video).length === 1, 'the change of setting to prune');
      assert.ok(store.get(first.record.id)?.video, 'the video the panel shows is kept');
      const newest = await generate(hooks, 'size two: a fox in tall grass');
      await waitFor(() => store.get(first.record.id)?.video === undefined, 'the prune after the new result replaced it in the panel');
      assert.deepEqual(store.list().filter((entry) => entry.video).map((entry) => entry.id), [newest.record.id]);
    });
  });

  it('a damaged history record is set aside with a message and a button that opens it; the history carries on', async () => {
    const hooks = await freshState();
    const store = await storeOf(hooks);
    await store.clear();
    const damaged = await generate(hooks, 'to be damaged: a bell tower');
    const kept = await generate(hooks, 'kept: a bell tower at dawn');
    await store.flush();
    const file = historyFileOf(hooks);
    // Every record of the entry damaged where nothing can read it (not even its summary).
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replaceAll(`{"id":"${damaged.record.id}","rev":`, `{"id":"${damaged.record.id}","rev";`));
    hooks.interaction.script(/damaged history record/, 'Open Moved File');
    const recovery = await hooks.history.reopen();
    assert.equal(recovery?.reason, 'invalidEntries');
    const message = hooks.interaction.shown.find((m) => /damaged history record/.test(m.message));
    assert.ok(message, `a message: ${JSON.stringify(hooks.interaction.shown)}`);
    assert.equal(message.kind, 'warning');
    assert.match(message.message, /\d+ damaged history records? (was|were) left out and set aside in history\.corrupt\.jsonl/);
    assert.deepEqual(message.actions, ['Open Moved File'], 'code-server runs VS Code remotely: the file opens in an editor');
    const aside = path.join(hooks.history.folder, 'history.corrupt.jsonl');
    await waitFor(() => vscode.window.activeTextEditor?.document.uri.fsPath === aside, 'the button to open the set-aside records');
    assert.match(fs.readFileSync(aside, 'utf8'), new RegExp(damaged.record.id));
    assert.deepEqual(await hooks.history.tree.getChildren(), [kept.record.id]);
    assert.equal(await hooks.history.reopen(), undefined, 'set aside once: the history no longer holds the damage');
    const after = await generate(hooks, 'after the damage: a bell tower at night');
    assert.deepEqual((await storeOf(hooks)).ids(), [after.record.id, kept.record.id]);
  });

  it('a first-version index found at start is moved into the history, and set aside', async () => {
    const hooks = await freshState();
    await (await storeOf(hooks)).clear();
    const old = createEntry({ endpoint: 'fal-ai/fast-animatediff/turbo/text-to-video', input: { prompt: 'from the first version: a lighthouse' }, source: { kind: 'prompt' }, status: 'failed', error: { kind: 'server', message: 'boom' } }, Date.now() - 60_000);
    fs.writeFileSync(path.join(hooks.history.folder, 'index.json'), legacyIndexText([old]));
    const recovery = await hooks.history.reopen();
    assert.equal(recovery, undefined, 'nothing to tell the user');
    const reopened = await storeOf(hooks);
    assert.deepEqual(reopened.get(old.id), old);
    assert.deepEqual(await hooks.history.tree.getChildren(), [old.id]);
    assert.ok(fs.existsSync(path.join(hooks.history.folder, 'index.v1.json')));
    assert.ok(!fs.existsSync(path.join(hooks.history.folder, 'index.json')));
  });

  it('a foreign first-version index found at start is moved aside and the history starts empty', async () => {
    const hooks = await freshState();
    await (await storeOf(hooks)).clear();
    const indexFile = path.join(hooks.history.folder, 'index.json');
    fs.writeFileSync(indexFile, JSON.stringify({ name: 'not a history', items: [1, 2, 3] }));
    const recovery = await hooks.history.reopen();
    assert.ok(recovery);
    assert.equal(recovery.reason, 'foreign');
    assert.ok(fs.existsSync(recovery.movedTo));
    const message = hooks.interaction.shown.find((m) => m.kind === 'warning' && m.message === recovery.message);
    assert.ok(message, 'the user is told');
    assert.match(message.message, /not an AnimateDiff history index/);
    const reopened = await storeOf(hooks);
    assert.equal(reopened.list().length, 0);
    assert.deepEqual(await hooks.history.tree.getChildren(), []);
    await generate(hooks, 'a fresh start: a sunflower field');
    assert.equal(reopened.list().length, 1);
  });
});

describe('history: resuming jobs a reload interrupted', () => {
  it('an unfinished entry with the request id of a running fal job is picked up: progress shows again and it finishes with its video in the panel', async () => {
    const hooks = await freshState();
    const store = await storeOf(hooks);
    await imitation().addFault({ at: 'submit', kind: 'slow', ms: 1500 });
    const requestId = await submitDirectly('resumed: a hot air balloon over fields');
    const left = await leftByAReload(store, { prompt: 'resumed: a hot air balloon over fields', status: 'running', requestId });

    const report = await hooks.history.resumeUnfinished();
    assert.deepEqual(report.resumed, [left.id]);
    assert.equal(store.get(left.id)?.ownerPid, process.pid, 'this window claimed it');
    await waitFor(() => hooks.service.runningJobs.some((job) => job.id === left.id), 'the resumed job to show as running');
    assert.equal(hooks.history.statusBar?.text.includes('1 running'), true, `status bar: ${hooks.history.statusBar?.text}`);

    const [result] = await report.outcomes;
    assert.equal(result.outcome.kind, 'done');
    const entry = store.get(left.id);
    assert.ok(entry);
    assert.equal(entry.status, 'done');
    assert.equal(entry.requestId, requestId);
    assert.equal(typeof entry.seed, 'number');
    assert.ok(fs.existsSync(localPathOf(store, left.id)));
    assert.equal(hooks.panels.visibleGenerationId, left.id, 'the result lands in the panel');
    await waitFor(() => hooks.panels.playbackOf(left.id) !== undefined, 'the panel to report playback');
    assert.deepEqual(hooks.panels.playbackOf(left.id), { state: 'playing' });
    const submitted = (await imitation().requests()).filter((r) => r.stage === 'submit');
    assert.equal(submitted.length, 1, 'nothing was submitted again (no new credits spent)');
  });

  it('a job picked up while no key is set waits (Cancel says why) and is followed as soon as a key is set', async () => {
    const hooks = await freshState({ key: undefined });
    const store = await storeOf(hooks);
    await imitation().addFault({ at: 'submit', kind: 'slow', ms: 500 });
    const requestId = await submitDirectly('waiting: a paper lantern rising');
    const left = await leftByAReload(store, { prompt: 'waiting: a paper lantern rising', status: 'running', requestId });

    // The start-up prompt for a key is dismissed.
    const report = await hooks.history.resumeUnfinished();
    const [first] = await report.outcomes;
    assert.deepEqual(first.outcome, { kind: 'notStarted', reason: 'no key' });
    assert.equal(store.get(left.id)?.status, 'running', 'still unfinished, not failed');
    const waiting = hooks.interaction.shown.find((m) => /still on fal and wait for a fal API key/.test(m.message));
    assert.deepEqual(waiting?.actions, ['Set API Key'], 'the user is told why it waits, with the way out');
    assert.equal(store.get(left.id)?.ownerPid, process.pid);
    assert.equal(await vscode.commands.executeCommand('animateDiff.history.cancel', left.id), false);
    const told = hooks.interaction.shown.find((m) => /waits for a fal API key/.test(m.message));
    assert.ok(told, 'Cancel says the job waits for a key, not that another window follows it');
    assert.deepEqual(told.actions, ['Set API Key']);

    const prompts = hooks.interaction.shown.length;
    await hooks.keys.store(TEST_KEY);
    await waitFor(() => store.get(left.id)?.status === 'done', 'the waiting job to be followed and finish');
    assert.ok(fs.existsSync(localPathOf(store, left.id)));
    assert.equal((await submits()).length, 1, 'nothing was submitted again');
    assert.equal(hooks.interaction.shown.slice(prompts).filter((m) => /API key/i.test(m.message)).length, 0, 'the retry does not ask again');
  });

  it('a job that failed because fal could not be reached is followed again by "Check fal Again": its video lands, no new credits', async () => {
    const hooks = await freshState();
    const store = await storeOf(hooks);
    const prompt = 'unreachable: a tram climbing a hill';
    const requestId = await submitDirectly(prompt);
    const added = await store.add({
      endpoint: ENDPOINT,
      input: { prompt, num_inference_steps: 4, video_size: 'square' },
      source: { kind: 'prompt' },
      status: 'failed',
      requestId,
      error: { kind: 'network', message: 'Could not reach fal (ECONNRESET). Check your internet connection, then retry.' },
    });
    const other = await store.add({ endpoint: ENDPOINT, input: { prompt: 'refused: a rowing boat' }, source: { kind: 'prompt' }, status: 'failed', requestId: 'r-2', error: { kind: 'contentPolicy', message: 'fal\'s content policy blocked this prompt.' } });
    assert.match(String(hooks.history.tree.getTreeItem(added.id).contextValue), /^animateDiffHistory\.failed\.followable$/);
    assert.doesNotMatch(String(hooks.history.tree.getTreeItem(other.id).contextValue), /followable/, 'only a job whose end fal did not tell can be followed again');

    const outcome = (await vscode.commands.executeCommand('animateDiff.history.followAgain', added.id)) as GenerationOutcome | undefined;
    assert.equal(outcome?.kind, 'done', JSON.stringify(outcome));
    const entry = store.get(added.id);
    assert.equal(entry?.status, 'done');
    assert.equal(entry?.error, undefined);
    assert.equal(entry?.requestId, requestId);
    assert.ok(fs.existsSync(localPathOf(store, added.id)));
    assert.equal((await submits()).length, 1, 'fal was not asked to generate it again');

    assert.equal(await vscode.commands.executeCommand('animateDiff.history.followAgain', other.id), undefined);
    assert.ok(hooks.interaction.shown.some((m) => /did not fail for want of a connection to fal; Re-run it instead/.test(m.message)));
  });

  it('a job fal no longer knows is marked failed with the reason', async () => {
    const hooks = await freshState();
    const store = await storeOf(hooks);
    const left = await leftByAReload(store, { prompt: 'lost: a glass of water', status: 'queued', requestId: 'request-fal-forgot' });
    const report = await hooks.history.resumeUnfinished();
    assert.deepEqual(report.resumed, [left.id]);
    const [result] = await report.outcomes;
    assert.equal(result.outcome.kind, 'failed');
    const entry = store.get(left.id);
    assert.equal(entry?.status, 'failed');
    assert.equal(entry?.error?.kind, 'lost');
    assert.match(entry?.error?.message ?? '', /fal no longer knows this job \(request request-fal-forgot\)/);
    assert.equal(entry?.ownerPid, undefined);
    const shown = hooks.interaction.shown.find((m) => m.kind === 'error' && /before the reload failed/.test(m.message));
    assert.ok(shown, 'the user is told');
    assert.deepEqual(shown.actions, ['Re-run', 'Open Log']);
  });

  it('an entry left submitting without a request id is marked failed: the window closed before fal accepted it', async () => {
    const hooks = await freshState();
    const store = await storeOf(hooks);
    const left = await leftByAReload(store, { prompt: 'interrupted: a kettle on a stove', status: 'submitting' });
    const report = await hooks.history.resumeUnfinished();
    assert.deepEqual(report.interrupted, [left.id]);
    assert.deepEqual(report.resumed, []);
    const entry = store.get(left.id);
    assert.equal(entry?.status, 'failed');
    assert.match(entry?.error?.message ?? '', /before fal accepted the job/);
    assert.ok(hooks.interaction.shown.some((m) => m.kind === 'warning' && /never reached fal: the window closed before fal accepted it/.test(m.message)));
    assert.equal((await submits()).length, 0, 'nothing is sent');
  });

  it('a host whose window stops answering lets go of its jobs, and claims them back (without following twice) when it answers again', async () => {
    const hooks = await freshState();
    const store = await storeOf(hooks);
    await imitation().addFault({ at: 'submit', kind: 'neverFinish' });
    hooks.interaction.script(/Describe the video/, 'let go: a kite on a string');
    const running = vscode.commands.executeCommand('animateDiff.generate') as Thenable<GenerationOutcome>;
    await waitFor(() => hooks.service.runningJobs.some((job) => job.state === 'running'), 'the job to run');
    const id = hooks.service.runningJobs[0].id;
    await waitFor(() => store.get(id)?.requestId !== undefined, 'the request id to be stored');
    assert.equal(store.get(id)?.ownerPid, process.pid);

    await hooks.history.windowReachabilityChanged(false);
    assert.equal(store.get(id)?.ownerPid, undefined, 'left for the next window to resume');
    assert.equal(store.get(id)?.status, 'running');
    await store.flush();
    assert.equal(historyOnDisk(hooks.history.folder).entries.get(id)?.ownerPid, undefined, 'and that is on disk for other windows');

    await hooks.history.windowReachabilityChanged(true);
    await waitFor(() => store.get(id)?.ownerPid === process.pid, 'the job to be claimed back', 10_000);
    assert.equal(hooks.service.runningJobs.length, 1, 'followed once, not resumed a second time');
    assert.equal(await vscode.commands.executeCommand('animateDiff.history.cancel', id), true);
    assert.equal((await running).kind, 'cancelled');
    assert.equal(store.get(id)?.status, 'cancelled', 'owned again, its outcome is recorded');
  });

  it('the window presence check: a round trip that never returns means the window is gone; one that returns, back', async () => {
    const hooks = await extensionHooks();
    let answer: (() => void) | undefined;
    let followsJobs = true;
    const presence = new WindowPresence(() => followsJobs, hooks.log, {
      intervalMs: 10,
      timeoutMs: 100,
      probe: () => new Promise<void>((resolve) => {
        answer = resolve;
      }),
    });
    try {
      const changes: boolean[] = [];
      presence.onDidChange((reachable) => changes.push(reachable));
      presence.update();
      await waitFor(() => changes.length === 1, 'the window to count as gone');
      assert.deepEqual(changes, [false]);
      assert.equal(presence.isReachable, false);
      followsJobs = false;
      answer?.();
      await waitFor(() => changes.length === 2, 'the window to count as back');
      assert.deepEqual(changes, [false, true]);
    } finally {
      presence.dispose();
    }
  });

  it('cancel works on a resumed job, from the status bar\'s list of running jobs', async () => {
    const hooks = await freshState();
    const store = await storeOf(hooks);
    await imitation().addFault({ at: 'submit', kind: 'neverFinish' });
    const requestId = await submitDirectly('cancel resumed: a windmill turning');
    const left = await leftByAReload(store, { prompt: 'cancel resumed: a windmill turning', status: 'queued', requestId });
    const report = await hooks.history.resumeUnfinished();
    await waitFor(() => hooks.service.runningJobs.some((job) => job.id === left.id && job.state === 'running'), 'the resumed job to run');
    await waitFor(() => store.get(left.id)?.status === 'running', 'the history to show it running');

    hooks.interaction.script(/show or cancel it/, '$(debug-stop) Cancel Generation');
    assert.equal(await vscode.commands.executeCommand('animateDiff.showRunningJobs'), 'cancelled');
    const [result] = await report.outcomes;
    assert.equal(result.outcome.kind, 'cancelled');
    assert.equal(store.get(left.id)?.status, 'cancelled');
    await waitFor(async () => (await imitation().job(requestId))?.cancelRequested === true, 'fal to receive the cancel');
    await waitFor(() => hooks.history.statusBar !== undefined && hooks.service.runningJobs.length === 0, 'no job to run');
  });
});
