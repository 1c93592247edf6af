import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GifReader } from 'omggif';
import * as vscode from 'vscode';
import type { GenerationRecord } from '../../src/model/generation';
import type { TestHooks } from '../../src/core';
import { editorWithSelection, freshState, generateFromSelection, waitFor } from './support';

const PROMPT = 'a paper [lantern] floating over a calm lake at dusk';
/** A whole encode in a loaded 2-core machine's webview: seconds, with a generous ceiling. */
const ENCODE_MS = 120_000;

async function generate(hooks: TestHooks): Promise<GenerationRecord> {
  await editorWithSelection(`# Ideas\n\n${PROMPT}\n`, PROMPT);
  const outcome = await generateFromSelection();
  assert.equal(outcome.kind, 'done');
  await waitFor(() => hooks.history.lookup.localCopy(outcome.record.id) !== undefined, 'the local copy', 60_000);
  return outcome.record;
}

function workspaceFile(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  assert.ok(folder, 'the suite runs in a workspace');
  return vscode.Uri.joinPath(folder, name);
}

function pngSize(bytes: Buffer): { width: number; height: number } {
  assert.equal(bytes.subarray(0, 8).toString('hex'), '89504e470d0a1a0a', 'a PNG');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

describe('export and thumbnails', function () {
  this.timeout(240_000);

  it('a finished generation gets a poster frame beside its local copy: its History icon and tooltip, deleted with it', async () => {
    const hooks = await freshState();
    const record = await generate(hooks);
    const store = await hooks.history.ready();
    const entry = store?.get(record.id);
    assert.ok(store && entry);
    const poster = store.posterPath(entry);
    assert.ok(poster);
    assert.equal(path.dirname(poster), path.dirname(store.videoPath(entry) ?? ''), 'beside the local copy');
    await waitFor(() => fs.existsSync(poster), 'the poster frame', ENCODE_MS);
    assert.deepEqual(pngSize(fs.readFileSync(poster)), { width: 160, height: 160 });

    await waitFor(() => {
      const icon = hooks.history.tree.getTreeItem(record.id).iconPath;
      return icon instanceof vscode.Uri && icon.fsPath === poster;
    }, 'the History item to show the poster as its icon');
    const item = hooks.history.tree.resolveTreeItem(hooks.history.tree.getTreeItem(record.id), record.id);
    const tooltip = item.tooltip as vscode.MarkdownString;
    assert.ok(tooltip.value.startsWith(`![](${path.basename(poster)})`), tooltip.value);
    assert.equal(tooltip.baseUri?.fsPath, poster);

    assert.equal(await store.delete(record.id), true);
    assert.equal(fs.existsSync(poster), false, 'deleting the entry deletes its poster');
  });

  it('exports a GIF from the panel: every frame at the chosen size, loop as asked', async () => {
    const hooks = await freshState();
    const record = await generate(hooks);
    const target = workspaceFile('exported-lantern.gif');
    const saved = await vscode.commands.executeCommand('animateDiff.exportVideo', record.id, { format: 'gif', width: 256, fps: 8, loop: true, target });
    assert.equal((saved as vscode.Uri | undefined)?.fsPath, target.fsPath, JSON.stringify(hooks.interaction.shown));
    const gif = new GifReader(fs.readFileSync(target.fsPath));
    assert.equal(gif.numFrames(), 16, 'the fixture clip: 2 s at 8 fps');
    assert.equal(gif.width, 256);
    assert.equal(gif.height, 256);
    assert.equal(gif.loopCount(), 0);
    assert.ok(hooks.interaction.shown.some((m) => m.kind === 'info' && /^GIF saved to exported-lantern\.gif \(\d+ KB\)\.$/.test(m.message)));

    // From the History too, at half the frame rate and once: the panel shows the video and encodes it.
    const once = workspaceFile('exported-once.gif');
    await vscode.commands.executeCommand('animateDiff.history.exportVideo', record.id, { format: 'gif', width: 160, fps: 4, loop: false, target: once });
    const half = new GifReader(fs.readFileSync(once.fsPath));
    assert.equal(half.numFrames(), 8);
    assert.equal(half.width, 160);
    assert.equal(half.loopCount(), null, 'plays once');
  });

  it('exports a WebM that ffprobe reads: VP8, every frame, the size', async () => {
    const hooks = await freshState();
    const record = await generate(hooks);
    const target = workspaceFile('exported-lantern.webm');
    const saved = await vscode.commands.executeCommand('animateDiff.exportVideo', record.id, { format: 'webm', width: 320, fps: 8, loop: true, target });
    assert.ok(saved, JSON.stringify(hooks.interaction.shown));
    const probe = spawnSync('ffprobe', ['-v', 'error', '-count_frames', '-show_entries', 'stream=codec_name,width,height,nb_read_frames', '-of', 'json', target.fsPath]);
    assert.equal(probe.status, 0, probe.stderr?.toString());
    const [stream] = (JSON.parse(probe.stdout.toString()) as { streams: Array<Record<string, unknown>> }).streams;
    assert.deepEqual(stream, { codec_name: 'vp8', width: 320, height: 320, nb_read_frames: '16' });
  });

  it('Insert as Markdown: a GIF next to the Markdown file and ![prompt](name.gif) at the cursor', async () => {
    const hooks = await freshState();
    const record = await generate(hooks);
    const notes = workspaceFile('notes/demo.md');
    fs.mkdirSync(path.dirname(notes.fsPath), { recursive: true });
    fs.writeFileSync(notes.fsPath, '# Demo\n\nBefore.\n\nAfter.\n');
    // A file of that name is there already: the GIF takes the next free name.
    fs.writeFileSync(path.join(path.dirname(notes.fsPath), 'a-paper-lantern-floating-over-a-calm.gif'), 'not ours');
    const editor = await vscode.window.showTextDocument(notes, { viewColumn: vscode.ViewColumn.One });
    assert.equal(editor.document.languageId, 'markdown');
    // The cursor on the empty line between the paragraphs.
    editor.selection = new vscode.Selection(3, 0, 3, 0);

    const gifUri = await vscode.commands.executeCommand('animateDiff.insertMarkdown', record.id) as vscode.Uri | undefined;
    assert.ok(gifUri, JSON.stringify(hooks.interaction.shown));
    assert.equal(path.basename(gifUri.fsPath), 'a-paper-lantern-floating-over-a-calm-2.gif');
    assert.equal(path.dirname(gifUri.fsPath), path.dirname(notes.fsPath));
    const gif = new GifReader(fs.readFileSync(gifUri.fsPath));
    assert.equal(gif.numFrames(), 16);
    assert.equal(gif.width, 480);
    assert.equal(editor.document.getText(), '# Demo\n\nBefore.\n![a paper \\[lantern\\] floating over a calm lake at dusk](a-paper-lantern-floating-over-a-calm-2.gif)\nAfter.\n');
    const image = editor.document.lineAt(3).text;
    assert.ok(editor.selection.isEqual(new vscode.Selection(3, 0, 3, image.length)), 'the inserted image is selected, so it is seen');
    assert.ok(await editor.document.save());
    assert.match(fs.readFileSync(notes.fsPath, 'utf8'), /^!\[a paper .+\]\(a-paper-lantern-floating-over-a-calm-2\.gif\)$/m);
  });

  it('Insert as Markdown without a Markdown file says what to do', async () => {
    const hooks = await freshState();
    const record = await generate(hooks);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    hooks.interaction.reset();
    assert.equal(await vscode.commands.executeCommand('animateDiff.insertMarkdown', record.id), undefined);
    assert.ok(hooks.interaction.shown.some((m) => m.kind === 'warning' && /needs a Markdown file: open it, put the cursor where the GIF goes/.test(m.message)), JSON.stringify(hooks.interaction.shown));
  });
});
