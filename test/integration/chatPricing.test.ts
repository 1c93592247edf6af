import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { TestHooks } from '../../src/core';
import type { ChatResponseStreamLike, ModernApi } from '../../src/chat/modernApi';
import type { ParticipantMetadata } from '../../src/chat/participant';
import type { GenerateVideoReport } from '../../src/chat/tools';
import type { GenerationOutcome } from '../../src/model/generation';
import { extensionApi, freshState, imitation, submits, TEST_KEY, waitFor, withSettings } from './support';

const TURBO = 'fal-ai/fast-animatediff/turbo/text-to-video';
const ONE_VIDEO_PRICE = 'Expected charge: $0.01 (1 video, $0.01 per video at fal\'s listed price).';

/** The running VS Code's chat and tool APIs (newer than the @types/vscode the extension compiles against). */
const api = vscode as unknown as ModernApi;

function tooltipText(item: vscode.TreeItem): string {
  // The tooltip is Markdown: spaces kept as &nbsp;, brackets escaped.
  return (item.tooltip instanceof vscode.MarkdownString ? item.tooltip.value : String(item.tooltip ?? '')).replace(/&nbsp;/g, ' ').replace(/\\([()[\]*_])/g, '$1');
}

function workspaceFolder(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the tests run in a workspace');
  return folder.uri;
}

async function freshPrices(): Promise<TestHooks> {
  const hooks = await freshState();
  hooks.prices.clear();
  return hooks;
}

/** A chat response stream that keeps what the participant wrote. */
class RecordedStream implements ChatResponseStreamLike {
  readonly markdowns: string[] = [];
  readonly progresses: string[] = [];
  readonly buttons: vscode.Command[] = [];
  readonly anchors: vscode.Uri[] = [];
  markdown(value: string | vscode.MarkdownString): void {
    this.markdowns.push(typeof value === 'string' ? value : value.value);
  }
  progress(value: string): void {
    this.progresses.push(value);
  }
  button(command: vscode.Command): void {
    this.buttons.push(command);
  }
  reference(): void {
    // References are shown by VS Code only; nothing to check here.
  }
  anchor(value: vscode.Uri | vscode.Location): void {
    this.anchors.push(value instanceof vscode.Uri ? value : value.uri);
  }
  get text(): string {
    return this.markdowns.join('');
  }
}

function textParts(result: { content: unknown[] }): string[] {
  return result.content.map((part) => (part as { value?: unknown }).value).filter((value): value is string => typeof value === 'string');
}

describe('prices before spending and after', () => {
  afterEach(async () => {
    (await freshState()).trust.override = undefined;
  });

  it('the Restricted Mode question names fal\'s price; the video keeps its charge in the History tooltip, the panel and the status bar', async () => {
    const hooks = await freshPrices();
    hooks.trust.override = false;
    const before = hooks.service.spending.amounts.get('USD') ?? 0;
    hooks.interaction.script(/Describe the video/, 'a lantern swinging in the wind, night');
    hooks.interaction.script(/Restricted Mode/, 'Generate');
    const outcome = (await vscode.commands.executeCommand('animateDiff.generate')) as GenerationOutcome;
    assert.equal(outcome.kind, 'done', JSON.stringify(outcome));
    assert.ok(outcome.kind === 'done');

    const question = hooks.interaction.shown.find((message) => /Restricted Mode/.test(message.message));
    assert.ok(question?.detail?.startsWith(ONE_VIDEO_PRICE), question?.detail);
    assert.deepEqual(outcome.record.charge && { known: outcome.record.charge.known, text: outcome.record.charge.known ? outcome.record.charge.amount : null }, { known: true, text: 0.01 });
    const priced = (await imitation().requests()).filter((request) => request.stage === 'pricing');
    assert.equal(priced.length, 1, 'asked fal once');
    assert.equal(priced[0].keyId, TEST_KEY.split(':')[0]);

    await waitFor(async () => (await hooks.history.ready())?.get(outcome.record.id)?.status === 'done', 'the history to keep the video');
    const item = await hooks.history.tree.resolveTreeItem(hooks.history.tree.getTreeItem(outcome.record.id), outcome.record.id);
    assert.match(tooltipText(item), /Price.*\$0\.01 \(\$0\.01 per video at fal's listed price\)/);
    assert.match(JSON.stringify(hooks.panels.latestMessage), /"charge":"\$0\.01"/);

    await waitFor(() => Math.abs((hooks.service.spending.amounts.get('USD') ?? 0) - before - 0.01) < 1e-9, 'the session total to add the charge');
    assert.match(hooks.spendStatus.text, /· \$\d+\.\d{2}/);
    assert.ok(hooks.spendStatus.text.includes(new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 4 }).format(before + 0.01)), hooks.spendStatus.text);
  });

  it('says "price unknown" when the key may not read fal\'s prices, and never shows a number', async () => {
    const hooks = await freshPrices();
    await imitation().configure({ pricingForbiddenKeys: [TEST_KEY.split(':')[0]] });
    hooks.trust.override = false;
    hooks.interaction.script(/Describe the video/, 'a kite over a beach');
    hooks.interaction.script(/Restricted Mode/, 'Generate');
    const outcome = (await vscode.commands.executeCommand('animateDiff.generate')) as GenerationOutcome;
    assert.ok(outcome.kind === 'done', JSON.stringify(outcome));
    const question = hooks.interaction.shown.find((message) => /Restricted Mode/.test(message.message));
    assert.match(question?.detail ?? '', /^Expected charge: price unknown \(this key may not read fal's prices \(403\)\)\./);
    assert.doesNotMatch(question?.detail ?? '', /\$/);
    assert.equal(outcome.record.charge?.known, false);
    await waitFor(async () => (await hooks.history.ready())?.get(outcome.record.id)?.status === 'done', 'the history to keep the video');
    const item = await hooks.history.tree.resolveTreeItem(hooks.history.tree.getTreeItem(outcome.record.id), outcome.record.id);
    assert.match(tooltipText(item), /price unknown \(this key may not read fal's prices \(403\)\)/);
  });

  it('the lens of a file with variations and the batch question show the batch\'s price', async () => {
    const hooks = await freshPrices();
    const file = vscode.Uri.joinPath(workspaceFolder(), 'priced-variations.animate.json');
    fs.writeFileSync(file.fsPath, JSON.stringify({ prompt: 'a paper boat on a rainy street', variations: 3 }, null, 2));
    try {
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(file));
      let titles: string[] = [];
      await waitFor(async () => {
        const lenses = (await vscode.commands.executeCommand('vscode.executeCodeLensProvider', file)) as vscode.CodeLens[];
        titles = lenses.map((lens) => lens.command?.title ?? '');
        return titles.some((title) => title.includes('$0.03'));
      }, 'the lens to show the price');
      assert.ok(titles.includes('▶ Generate 3 variations · $0.03'), titles.join(' | '));

      await withSettings({ 'batch.confirmAbove': 2 }, async () => {
        hooks.interaction.script(/Generate 3 videos\?/, undefined);
        await vscode.commands.executeCommand('animateDiff.generateFromParamsFile', file);
      });
      const question = hooks.interaction.shown.find((message) => /Generate 3 videos\?/.test(message.message));
      assert.match(question?.detail ?? '', /^Expected charge: \$0\.03 \(3 videos, \$0\.01 per video at fal's listed price\)\./);
      assert.equal((await submits()).length, 0, 'declined: nothing sent');
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      fs.rmSync(file.fsPath, { force: true });
    }
  });
});

describe('language-model tools', () => {
  it('are registered with VS Code with the parameter files\' schema', async () => {
    const registered = (await extensionApi() as unknown as { chat: { tools: string[] } }).chat.tools;
    assert.deepEqual([...registered].sort(), ['animatediff_generateVideo', 'animatediff_writeParameterFile']);
    const tool = api.lm?.tools?.find((candidate) => candidate.name === 'animatediff_generateVideo');
    assert.ok(tool, 'vscode.lm.tools lists the tool');
    assert.deepEqual((tool.inputSchema as { required?: string[] }).required, ['prompt']);
  });

  it('animatediff_generateVideo asks with count, endpoint and price, runs like any generation and returns request id, seed and local path', async () => {
    const hooks = await freshPrices();
    const input = { prompt: 'a looping demo of a spinning cube, studio light', num_frames: 8 };
    const prepared = await hooks.chat.generateVideo.prepareInvocation({ input });
    const confirmation = prepared.confirmationMessages?.message;
    const question = typeof confirmation === 'string' ? confirmation : confirmation?.value ?? '';
    assert.match(question, /\*\*1 video\*\*/);
    assert.ok(question.includes(`\`${TURBO}\``), question);
    assert.ok(question.includes('$0.01'), question);

    assert.ok(api.lm?.invokeTool, 'this VS Code has vscode.lm.invokeTool');
    const result = await api.lm.invokeTool('animatediff_generateVideo', { input, toolInvocationToken: undefined });
    const [sentence, json] = textParts(result);
    const report = JSON.parse(json) as GenerateVideoReport;
    const sent = await submits();
    assert.equal(sent.length, 1);
    assert.equal((sent[0].body as { num_frames: number }).num_frames, 8);
    const [video] = report.videos;
    assert.match(video.requestId, /\S/);
    assert.equal(typeof video.seed, 'number');
    assert.equal(video.price, '$0.01');
    assert.ok(video.localPath && fs.existsSync(video.localPath), `the local copy exists: ${video.localPath}`);
    assert.ok(sentence.includes(video.localPath), sentence);
    const kept = hooks.history.lookup.localCopy((await hooks.history.ready())?.list().find((entry) => entry.requestId === video.requestId)?.id ?? '');
    assert.equal(kept?.fsPath, video.localPath, 'the history keeps it');
  });

  it('animatediff_generateVideo refuses input the parameter files refuse, naming the field, and sends nothing', async () => {
    await freshPrices();
    assert.ok(api.lm?.invokeTool);
    await assert.rejects(
      Promise.resolve(api.lm.invokeTool('animatediff_generateVideo', { input: { prompt: 'a fox', num_frames: 99 }, toolInvocationToken: undefined })),
      /num_frames/,
    );
    assert.equal((await submits()).length, 0);
  });

  it('animatediff_writeParameterFile writes a .animate.json without spending, never over an existing file', async () => {
    await freshPrices();
    assert.ok(api.lm?.invokeTool);
    const folder = vscode.Uri.joinPath(workspaceFolder(), 'tool-files');
    fs.rmSync(folder.fsPath, { recursive: true, force: true });
    try {
      const input = { prompt: 'a lighthouse at dusk', fps: 12, name: 'lighthouse', folder: 'tool-files' };
      await api.lm.invokeTool('animatediff_writeParameterFile', { input, toolInvocationToken: undefined });
      await api.lm.invokeTool('animatediff_writeParameterFile', { input, toolInvocationToken: undefined });
      assert.deepEqual(fs.readdirSync(folder.fsPath).sort(), ['lighthouse-2.animate.json', 'lighthouse.animate.json']);
      const written = JSON.parse(fs.readFileSync(vscode.Uri.joinPath(folder, 'lighthouse.animate.json').fsPath, 'utf8')) as Record<string, unknown>;
      assert.equal(written.prompt, 'a lighthouse at dusk');
      assert.equal(written.fps, 12);
      assert.equal((await imitation().requests()).filter((request) => request.stage === 'submit').length, 0, 'nothing sent');
    } finally {
      fs.rmSync(folder.fsPath, { recursive: true, force: true });
    }
  });
});

describe('@animatediff chat participant', () => {
  const token = new vscode.CancellationTokenSource().token;

  it('is registered with VS Code', async () => {
    const registered = (await extensionApi() as unknown as { chat: { participant: unknown } }).chat.participant;
    assert.ok(registered, 'vscode.chat.createChatParticipant made @animatediff');
  });

  it('/generate asks once with the price, shows progress, then offers to open the video and follow-ups', async () => {
    const hooks = await freshPrices();
    hooks.interaction.script(/^Generate a video\?/, 'Generate');
    const stream = new RecordedStream();
    const result = await hooks.chat.participant.handle({ prompt: 'a paper lantern rising at night frames=8', command: 'generate' }, { history: [] }, stream, token);

    const question = hooks.interaction.shown.filter((message) => /^Generate a video\?/.test(message.message));
    assert.equal(question.length, 1, 'asked once');
    assert.ok(question[0].detail?.startsWith(ONE_VIDEO_PRICE), question[0].detail);
    assert.match(stream.text, /expected charge \*\*\$0\.01\*\*/);
    assert.ok(stream.progresses.length > 0, 'progress in the response');
    const sent = await submits();
    assert.equal(sent.length, 1);
    assert.deepEqual([(sent[0].body as { prompt: string }).prompt, (sent[0].body as { num_frames: number }).num_frames], ['a paper lantern rising at night', 8]);
    const metadata = result.metadata as ParticipantMetadata;
    const [video] = metadata.videos ?? [];
    assert.ok(video);
    const open = stream.buttons.find((button) => button.command === 'animateDiff.history.open');
    assert.deepEqual(open?.arguments, [video.id]);
    assert.ok(stream.buttons.length >= 2, 'a second button reveals or saves the file');
    await vscode.commands.executeCommand(open.command, ...(open.arguments ?? []));
    await waitFor(() => hooks.panels.visibleGenerationId === video.id, 'the panel to show the video');

    const followups = hooks.chat.participant.provideFollowups(result);
    assert.deepEqual(followups.map((followup) => followup.label).slice(0, 3), ['Three variations', 'Landscape', '32 frames']);
    assert.equal(followups[0].prompt, 'a paper lantern rising at night frames=8 variations=3');
  });

  it('a declined question sends nothing, and /file writes a parameter file from the conversation', async () => {
    const hooks = await freshPrices();
    hooks.interaction.script(/^Generate 2 videos\?/, undefined);
    const declined = new RecordedStream();
    const first = await hooks.chat.participant.handle({ prompt: '2 a red kite over dunes', command: 'variations' }, { history: [] }, declined, token);
    assert.match(declined.text, /Not generated/);
    assert.equal((await submits()).length, 0);

    const folder = workspaceFolder();
    const stream = new RecordedStream();
    const result = await hooks.chat.participant.handle({ prompt: 'size=landscape', command: 'file' }, { history: [{ result: first }] }, stream, token);
    const file = (result.metadata as ParticipantMetadata).file;
    assert.ok(file, stream.text);
    const uri = vscode.Uri.parse(file);
    try {
      assert.ok(uri.path.startsWith(folder.path));
      const written = JSON.parse(fs.readFileSync(uri.fsPath, 'utf8')) as Record<string, unknown>;
      assert.deepEqual([written.prompt, written.video_size, written.variations], ['a red kite over dunes', 'landscape_16_9', 2]);
      assert.equal((await submits()).length, 0, 'nothing sent');
    } finally {
      fs.rmSync(uri.fsPath, { force: true });
    }
  });
});
