// The History view, its item and title actions, and the running-jobs status bar item, in a genuine VS Code.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { TestHooks } from '../../src/core';
import { HistoryStore } from '../../src/history/store/historyStore';
import { HISTORY_PAGE_SIZE, SHOW_MORE_ELEMENT } from '../../src/history/view/tree';
import type { GenerationOutcome } from '../../src/model/generation';
import { requestAsCode } from '../../src/model/requestAsCode';
import { renderParamsFromRequest } from '../../src/params/template';
import { freshState, hooks as extensionHooks, imitation, nextPlayback, submits, TEST_KEY, waitFor } from './support';

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

function treeItem(hooks: TestHooks, id: string): vscode.TreeItem {
  return hooks.history.tree.getTreeItem(id);
}

function tooltipText(item: vscode.TreeItem): string {
  // MarkdownString.appendText keeps runs of spaces with &nbsp;.
  return (item.tooltip instanceof vscode.MarkdownString ? item.tooltip.value : String(item.tooltip ?? '')).replace(/&nbsp;/g, ' ');
}

function workspaceFile(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder);
  return vscode.Uri.joinPath(folder.uri, name);
}

describe('history view', () => {
  let hooks: TestHooks;
  let store: HistoryStore;
  let older: Extract<GenerationOutcome, { kind: 'done' }>['record'];
  let newer: Extract<GenerationOutcome, { kind: 'done' }>['record'];

  before(async () => {
    hooks = await freshState();
    store = await storeOf(hooks);
    await store.clear();
    older = await generate(hooks, 'a copper kettle steaming on an old stove, warm light');
    newer = await generate(hooks, 'a mountain goat on a ridge, wind in its fur, golden hour, highly detailed, 35mm film look');
  });

  beforeEach(async () => {
    hooks = await freshState();
  });

  it('lists every generation newest first: shortened prompt, then seed · when · size · duration, rich tooltip', async () => {
    assert.deepEqual(await hooks.history.tree.getChildren(), [newer.id, older.id]);
    const item = treeItem(hooks, newer.id);
    assert.equal(item.label, 'a mountain goat o…');
    assert.match(String(item.description), new RegExp(`^seed ${newer.seed} · just now · 512×512 · \\d+\\.\\d s$`));
    assert.equal(item.contextValue, 'animateDiffHistory.done.video');
    assert.equal(item.command?.command, 'animateDiff.history.open');
    assert.deepEqual(item.command?.arguments, [newer.id]);
    // Its poster frame once the panel has made one (see export.test.ts), the "done" icon until then.
    const icon = item.iconPath;
    assert.ok(icon instanceof vscode.Uri ? icon.fsPath.endsWith('.mp4.poster.png') : (icon as vscode.ThemeIcon).id === 'pass', String(icon));
    assert.equal(item.tooltip, undefined, 'tooltips are made when hovered, not for every row');
    const tooltip = tooltipText(await hooks.history.tree.resolveTreeItem(item, newer.id));
    assert.match(tooltip, /a mountain goat on a ridge, wind in its fur, golden hour, highly detailed, 35mm film look/);
    assert.match(tooltip, new RegExp(`\\*\\*Seed:\\*\\* ${newer.seed}`));
    assert.match(tooltip, /\*\*Request id:\*\* /);
    assert.match(tooltip, /\*\*Local copy:\*\* \d+(\.\d)? KB/);
    assert.match(tooltip, /\*\*Frames:\*\* 16/);
  });

  it('a running item shows its state live and its queue position', async () => {
    await imitation().configure({ timing: { queuePositions: 3, queueMs: 1500 } });
    await imitation().addFault({ at: 'submit', kind: 'neverFinish' });
    hooks.interaction.script(/Describe the video/, 'a lantern festival over a river');
    const running = vscode.commands.executeCommand('animateDiff.generate') as Thenable<GenerationOutcome>;
    await waitFor(() => hooks.service.runningJobs.length === 1, 'the job to start');
    const id = hooks.service.runningJobs[0].id;
    await waitFor(() => /^queued #\d/.test(String(treeItem(hooks, id).description)), 'the item to show its queue position', 10_000);
    assert.equal((await hooks.history.tree.getChildren())[0], id, 'the running job is the newest item');
    assert.equal(treeItem(hooks, id).contextValue, 'animateDiffHistory.queued');
    assert.match(hooks.history.statusBar?.text ?? '', /^\$\(sync~spin\) AnimateDiff: 1 running · queue #\d$/);
    await waitFor(() => String(treeItem(hooks, id).description).startsWith('running'), 'the item to show it running', 10_000);
    assert.equal(treeItem(hooks, id).command?.command, 'animateDiff.history.openLog', 'a running item opens its live log');
    assert.equal(hooks.history.statusBar?.text, '$(sync~spin) AnimateDiff: 1 running');

    hooks.interaction.script(/show or cancel it/, '$(list-selection) Show in History');
    assert.equal(await vscode.commands.executeCommand('animateDiff.showRunningJobs'), 'shown');
    await waitFor(() => hooks.history.tree.selection.includes(id), 'the job to be selected in the History view');

    assert.equal(await vscode.commands.executeCommand('animateDiff.history.cancel', id), true);
    assert.equal((await running).kind, 'cancelled');
    assert.equal(store.get(id)?.status, 'cancelled');
    assert.match(String(treeItem(hooks, id).description), /^cancelled · /);
    await waitFor(() => hooks.service.runningJobs.length === 0, 'no job to run');
    await store.delete(id);
  });

  it('Filter shows matching items, says so in the view and offers Clear Filter', async () => {
    hooks.interaction.script(/Show generations whose prompt/, 'goat golden');
    assert.equal(await vscode.commands.executeCommand('animateDiff.history.filter'), 'goat golden');
    assert.deepEqual(await hooks.history.tree.getChildren(), [newer.id]);
    hooks.interaction.script(/Show generations whose prompt/, String(older.seed));
    await vscode.commands.executeCommand('animateDiff.history.filter');
    assert.deepEqual(await hooks.history.tree.getChildren(), [older.id], 'a seed finds its generation');
    hooks.interaction.script(/Show generations whose prompt/, 'no such words anywhere');
    await vscode.commands.executeCommand('animateDiff.history.filter');
    assert.deepEqual(await hooks.history.tree.getChildren(), []);
    await vscode.commands.executeCommand('animateDiff.history.clearFilter');
    assert.equal(hooks.history.tree.filter, '');
    assert.deepEqual(await hooks.history.tree.getChildren(), [newer.id, older.id]);
  });

  it('Open in Video Panel, Copy Prompt and Open Log (read-only, with the request and fal\'s log lines)', async () => {
    assert.equal(await vscode.commands.executeCommand('animateDiff.history.open', older.id), true);
    assert.equal(hooks.panels.visibleGenerationId, older.id);

    assert.equal(await vscode.commands.executeCommand('animateDiff.history.copyPrompt', older.id), older.input.prompt);
    assert.equal(await vscode.env.clipboard.readText(), older.input.prompt);

    const uri = (await vscode.commands.executeCommand('animateDiff.history.openLog', older.id)) as vscode.Uri;
    assert.equal(uri.scheme, 'animatediff-history-log');
    const document = vscode.window.activeTextEditor?.document;
    assert.equal(document?.uri.toString(), uri.toString());
    const text = document?.getText() ?? '';
    assert.match(text, /Prompt: +a copper kettle steaming/);
    assert.match(text, new RegExp(`Request id: +${older.requestId}`));
    assert.match(text, /"num_inference_steps": 4/);
    assert.match(text, /fal log \(last \d+ lines\):\n(.*\n)*step 4\/4\n/);
    assert.equal(document?.languageId, 'log');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('Save Video… writes the local copy; Save Parameters writes the exact request with the seed', async () => {
    const videoTarget = workspaceFile('history-saved.mp4');
    assert.equal(((await vscode.commands.executeCommand('animateDiff.history.saveVideo', older.id, videoTarget)) as vscode.Uri).toString(), videoTarget.toString());
    const entry = store.get(older.id);
    assert.ok(entry);
    const local = store.videoPath(entry);
    assert.ok(local);
    assert.deepEqual(fs.readFileSync(videoTarget.fsPath), fs.readFileSync(local));

    const paramsTarget = workspaceFile('history-saved.animate.json');
    await vscode.commands.executeCommand('animateDiff.history.saveParameters', older.id, paramsTarget);
    assert.equal(fs.readFileSync(paramsTarget.fsPath, 'utf8'), renderParamsFromRequest(older.endpoint, { ...older.input, seed: older.seed }));
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    await vscode.workspace.fs.delete(videoTarget);
    await vscode.workspace.fs.delete(paramsTarget);
  });

  it('Copy as Code… puts the request with the seed fal used on the clipboard, in the language picked, without the key', async () => {
    const hooks = await extensionHooks();
    hooks.interaction.script(/Copy the request as/, 'JavaScript (@fal-ai/client)');
    const code = (await vscode.commands.executeCommand('animateDiff.history.copyAsCode', older.id)) as string;
    assert.equal(await vscode.env.clipboard.readText(), code);
    assert.equal(code, requestAsCode('javascript', older.endpoint, { ...older.input, seed: older.seed }));
    assert.ok(!code.includes(TEST_KEY.split(':')[1]), 'the key is not in the code');
    const picked = hooks.interaction.shown.filter((m) => m.kind === 'quickPick').pop();
    assert.deepEqual(picked?.actions, ['cURL', 'JavaScript (@fal-ai/client)', 'Python (fal_client)']);
    assert.ok(hooks.interaction.shown.some((m) => /Copied as JavaScript .* FAL_KEY environment variable; the key is not in the code/.test(m.message)));
    const curl = (await vscode.commands.executeCommand('animateDiff.history.copyAsCode', older.id, 'curl')) as string;
    assert.match(curl, new RegExp(`"seed": ${older.seed}`));
    assert.equal(await vscode.env.clipboard.readText(), curl);
  });

  it('Compare Side by Side shows the selected finished generations together in the panel; one alone is not a comparison', async () => {
    const shown = (await vscode.commands.executeCommand('animateDiff.history.compare', newer.id, [newer.id, older.id])) as string[];
    assert.deepEqual(shown, [newer.id, older.id]);
    await waitFor(() => hooks.panels.shownGenerationIds.length === 2, 'the panel to show both');
    assert.deepEqual([...hooks.panels.shownGenerationIds].sort(), [newer.id, older.id].sort());
    const message = hooks.panels.latestMessage as { type: string; title: string };
    assert.equal(message.type, 'showGrid');
    assert.equal(message.title, 'Compare: 2 videos');

    assert.deepEqual(await vscode.commands.executeCommand('animateDiff.history.compare', newer.id), []);
    assert.ok(hooks.interaction.shown.some((m) => /Select 2 to 8 finished generations/.test(m.message)));
  });

  it('Re-run sends the same request with the seed fal used; Re-run with a New Seed sends it without a seed', async () => {
    const again = (await vscode.commands.executeCommand('animateDiff.history.rerun', older.id)) as GenerationOutcome;
    assert.equal(again.kind, 'done');
    const fresh = (await vscode.commands.executeCommand('animateDiff.history.rerunWithNewSeed', older.id)) as GenerationOutcome;
    assert.equal(fresh.kind, 'done');
    const bodies = (await submits()).map((submit) => submit.body as Record<string, unknown>);
    assert.equal(bodies.length, 2);
    assert.deepEqual(bodies[0], { ...older.input, seed: older.seed });
    const { seed: _seed, ...withoutSeed } = older.input;
    assert.deepEqual(bodies[1], withoutSeed);
    const reruns = store.list().slice(0, 2);
    assert.ok(reruns.every((item) => item.source.kind === 'rerun'), 'recorded as re-runs');
    await Promise.all(reruns.map((item) => store.delete(item.id)));
  });

  it('Delete removes the entries the user selected and their local videos', async () => {
    const extra = await generate(hooks, 'to be deleted: a paper crane');
    const other = await generate(hooks, 'to be deleted too: a tin robot');
    const files = [extra.id, other.id].map((id) => {
      const entry = store.get(id);
      assert.ok(entry);
      const file = store.videoPath(entry);
      assert.ok(file && fs.existsSync(file));
      return file;
    });
    assert.equal(hooks.panels.visibleGenerationId, other.id, 'the panel shows the newest');
    // From the context menu with both selected: the clicked item and the selection.
    assert.equal(await vscode.commands.executeCommand('animateDiff.history.delete', extra.id, [extra.id, other.id]), 2);
    assert.equal(store.get(extra.id), undefined);
    assert.equal(store.get(other.id), undefined);
    assert.ok(files.every((file) => !fs.existsSync(file)), 'their videos are gone');
    assert.ok(hooks.panels.isOpen, 'the panel stays open');
    assert.deepEqual(hooks.panels.shownGenerationIds, [], 'and no longer shows the deleted video');
    assert.deepEqual(await hooks.history.tree.getChildren(), [newer.id, older.id]);
  });

  it('a generation another window deletes leaves the panel here too', async () => {
    const shown = await generate(hooks, 'to be deleted elsewhere: a glass marble rolling');
    assert.equal(hooks.panels.visibleGenerationId, shown.id);
    // The other window: its own store on the same folder.
    const { store: otherWindow } = await HistoryStore.open(store.folder);
    try {
      assert.equal(await otherWindow.delete(shown.id), true);
    } finally {
      otherWindow.dispose();
    }
    // What this window does when it gets the focus back.
    await store.refresh();
    assert.equal(store.get(shown.id), undefined);
    assert.ok(hooks.panels.isOpen);
    assert.deepEqual(hooks.panels.shownGenerationIds, [], 'the panel no longer shows it');
  });

  it('a long history shows a page at a time, with a Show More row; revealing an old entry shows its page', async () => {
    const filler = await Promise.all(Array.from({ length: HISTORY_PAGE_SIZE + 5 }, (_, i) => store.add({
      endpoint: 'fal-ai/fast-animatediff/turbo/text-to-video',
      input: { prompt: `filler ${i}` },
      source: { kind: 'prompt' },
      status: 'failed',
      error: { kind: 'server', message: 'made for the test' },
      createdAt: 1_000 + i,
    })));
    try {
      const children = await hooks.history.tree.getChildren();
      assert.equal(children.length, HISTORY_PAGE_SIZE + 1);
      assert.deepEqual(children.slice(0, 2), [newer.id, older.id], 'newest first');
      const more = hooks.history.tree.getTreeItem(children[HISTORY_PAGE_SIZE]);
      assert.equal(more.label, 'Show More…');
      assert.equal(more.description, '7 older');
      assert.equal(more.command?.command, 'animateDiff.history.showMore');
      await vscode.commands.executeCommand('animateDiff.history.showMore');
      assert.equal((await hooks.history.tree.getChildren()).length, HISTORY_PAGE_SIZE + 7, 'every entry once the last page is shown');
      assert.ok(!(await hooks.history.tree.getChildren()).includes(SHOW_MORE_ELEMENT));

      hooks.history.tree.setFilter('');
      assert.equal((await hooks.history.tree.getChildren()).length, HISTORY_PAGE_SIZE + 1, 'a new filter starts at the first page');
      const oldest = filler[0].id;
      await hooks.history.tree.reveal(oldest);
      assert.ok((await hooks.history.tree.getChildren()).includes(oldest), 'the page of a revealed entry is shown');
    } finally {
      await Promise.all(filler.map((entry) => store.delete(entry.id)));
    }
  });

  it('Clear History asks (modal) and deletes every finished generation only when confirmed', async () => {
    assert.equal(await vscode.commands.executeCommand('animateDiff.history.clear'), 0, 'dismissed: nothing is deleted');
    const question = hooks.interaction.shown.find((message) => /Delete all 2 finished generations/.test(message.message));
    assert.ok(question);
    assert.equal(question.modal, true);
    assert.deepEqual(question.actions, ['Clear History']);
    assert.equal(store.list().length, 2);

    const videos = store.list().map((entry) => store.videoPath(entry));
    assert.ok(videos.every((file) => file !== undefined && fs.existsSync(file)));
    hooks.interaction.script(/Delete all 2 finished generations/, 'Clear History');
    assert.equal(await vscode.commands.executeCommand('animateDiff.history.clear'), 2);
    assert.deepEqual(await hooks.history.tree.getChildren(), []);
    assert.ok(videos.every((file) => file !== undefined && !fs.existsSync(file)), 'their local videos are deleted');
  });
});

describe('video panel restore', () => {
  it('a restored panel shows what it showed last, even when VS Code\'s saved state is missing or older', async () => {
    const hooks = await freshState();
    const older = await generate(hooks, 'a paper plane gliding across a classroom');
    const record = await generate(hooks, 'a snow globe being shaken, glitter swirling');
    await waitFor(() => hooks.panels.playbackOf(record.id) !== undefined, 'the panel to play it');
    assert.deepEqual(await hooks.history.panelStateForRestore(undefined), { generationId: record.id });
    assert.deepEqual(await hooks.history.panelStateForRestore({ generationId: null }), { generationId: record.id });
    // A browser reload can leave VS Code with the state of an earlier video.
    assert.deepEqual(await hooks.history.panelStateForRestore({ generationId: older.id }), { generationId: record.id });

    // Restore as VS Code does after a reload: a panel of the view type, handed to the serializer with that state.
    const memory = hooks.history.panelMemoryFile;
    assert.ok(memory);
    const tabs = vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) => tab.input instanceof vscode.TabInputWebview);
    await vscode.window.tabGroups.close(tabs);
    await waitFor(() => /"open":false/.test(fs.readFileSync(memory, 'utf8')), 'the closed panel to be remembered');
    const saved = { generationId: older.id };
    assert.equal(await hooks.history.panelStateForRestore(saved), saved, 'with no open panel remembered, VS Code\'s state serves');
    // What the window that went away left behind: its panel open on the newer video.
    fs.writeFileSync(memory, `${JSON.stringify({ open: true, state: { generationId: record.id } })}\n`);
    const panel = vscode.window.createWebviewPanel('animateDiff.videoPanel', 'AnimateDiff Video', vscode.ViewColumn.Beside, { enableScripts: true });
    const plays = nextPlayback(hooks, record.id);
    await hooks.panels.deserializeWebviewPanel(panel, await hooks.history.panelStateForRestore(saved));
    assert.equal(hooks.panels.visibleGenerationId, record.id);
    assert.ok(hooks.history.lookup.localCopy(record.id), 'it plays from the local copy');
    await plays;
  });
});

describe('video panel reopened when VS Code forgot it', () => {
  const readMemory = (file: string): unknown => {
    try {
      return JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch {
      return undefined;
    }
  };
  const closePanelTabs = async () => {
    const tabs = vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) => tab.input instanceof vscode.TabInputWebview);
    await vscode.window.tabGroups.close(tabs);
  };

  it('remembers an open panel and what it shows; a panel the user closes is remembered as closed', async () => {
    const hooks = await freshState();
    const file = hooks.history.panelMemoryFile;
    assert.ok(file, 'the suite runs in a workspace');
    const record = await generate(hooks, 'a kite over a windy beach, bright colours');
    await waitFor(() => JSON.stringify(readMemory(file)) === JSON.stringify({ open: true, state: { generationId: record.id } }), 'the open panel to be remembered');

    await closePanelTabs();
    await waitFor(() => JSON.stringify(readMemory(file)) === JSON.stringify({ open: false }), 'the closed panel to be remembered as closed');
    assert.equal(await hooks.history.reopenLostPanel(), false, 'a panel the user closed is not opened again');
    assert.equal(hooks.panels.isOpen, false);
  });

  it('opens the panel again, on the generation it showed, when it was open as the window went away and no tab of it came back', async () => {
    const hooks = await freshState();
    const file = hooks.history.panelMemoryFile;
    assert.ok(file);
    const record = await generate(hooks, 'a lantern floating on a dark lake, ripples');
    await waitFor(() => hooks.panels.playbackOf(record.id) !== undefined, 'the panel to play it');
    assert.equal(await hooks.history.reopenLostPanel(), false, 'the panel is open: nothing to do');

    await closePanelTabs();
    await waitFor(() => (readMemory(file) as { open?: boolean } | undefined)?.open === false, 'the close to be remembered');
    // What the window that went away left behind: its panel open on this generation.
    fs.writeFileSync(file, `${JSON.stringify({ open: true, state: { generationId: record.id } })}\n`);
    const plays = nextPlayback(hooks, record.id);
    assert.equal(await hooks.history.reopenLostPanel(), true);
    assert.equal(hooks.panels.visibleGenerationId, record.id);
    await plays;
    assert.ok(hooks.history.lookup.localCopy(record.id), 'from the local copy');
    await waitFor(() => vscode.window.tabGroups.all.some((group) => group.tabs.some((tab) => tab.input instanceof vscode.TabInputWebview)), 'a panel tab to open');
    assert.equal(await hooks.history.reopenLostPanel(), false, 'only once');
  });

  it('does not open a second panel while VS Code still has a tab of it to restore', async () => {
    const hooks = await freshState();
    const file = hooks.history.panelMemoryFile;
    assert.ok(file);
    const record = await generate(hooks, 'a spinning top on a wooden table');
    await closePanelTabs();
    await waitFor(() => (readMemory(file) as { open?: boolean } | undefined)?.open === false, 'the close to be remembered');
    fs.writeFileSync(file, `${JSON.stringify({ open: true, state: { generationId: record.id } })}\n`);
    // A tab of the panel's view type that the serializer has not been handed yet, as VS Code restores background tabs.
    const pending = vscode.window.createWebviewPanel('animateDiff.videoPanel', 'AnimateDiff Video', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true });
    try {
      assert.equal(await hooks.history.reopenLostPanel(), false);
      assert.equal(hooks.panels.isOpen, false, 'the manager did not open one of its own');
    } finally {
      pending.dispose();
    }
  });
});
