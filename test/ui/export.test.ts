// Export for docs and chat, as a new user does it: a GIF saved from the panel's button through VS Code's own
// pickers and save dialog, and Insert as Markdown into the Markdown file being written. Both files are decoded.
// Also the History's thumbnails: the generation's row shows its poster frame.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GifReader } from 'omggif';
import { around, boxOf, captureReadmeImage, topCentredOn, union } from './screenshots';
import { openWorkbench, waitUntilPlaying, type Workbench } from './workbench';

const KEY = 'ui-export-key-id:ui-export-secret-7c41d0';
const PROMPT = 'a tiny robot watering a bonsai tree, soft morning light';
/** An encode in the webview on a loaded 2-core machine: seconds, with a generous ceiling. */
const ENCODE_MS = 120_000;

describe('UI: export a video as GIF, Insert as Markdown, History thumbnails', () => {
  let ui: Workbench;
  before(async () => {
    ui = await openWorkbench();
    await ui.imitation.reset();
    await ui.setApiKey(KEY);
  });
  after(() => ui.close());

  /** Picks the entry of the open quick pick whose label is `label`. */
  async function pick(label: string): Promise<void> {
    const row = ui.page.locator('.quick-input-widget .monaco-list-row').filter({ has: ui.page.locator('.label-name', { hasText: new RegExp(`^${label}$`) }) });
    await row.first().waitFor();
    await row.first().click();
  }

  it('the Markdown file, then a video beside it: Insert as Markdown puts the GIF next to the file and the image at the cursor', async function () {
    this.timeout(300_000);
    // Writing docs: the Markdown file is open, the cursor at its end.
    const editor = await ui.openFile('prompts.md');
    await editor.locator('.view-lines').click();
    await ui.page.keyboard.press('Control+End');
    await ui.page.keyboard.press('Enter');
    await ui.runCommand('AnimateDiff: Generate Video…');
    await ui.answerInputBox(PROMPT);
    const panel = ui.webviewFrame();
    await panel.getByText(PROMPT).first().waitFor({ timeout: 60_000 });
    await waitUntilPlaying(panel.locator('video'));

    await panel.getByRole('button', { name: 'Insert as Markdown' }).click();
    const inserted = ui.notification(/Inserted a-tiny-robot-watering-a-bonsai-tree-soft\.gif \(\d+ KB\) into prompts\.md/);
    await inserted.waitFor({ timeout: ENCODE_MS });
    await ui.screenshot('export-inserted-markdown');

    const gifFile = path.join(ui.workspaceDir, 'a-tiny-robot-watering-a-bonsai-tree-soft.gif');
    const gif = new GifReader(fs.readFileSync(gifFile));
    assert.equal(gif.numFrames(), 16, 'every frame of the 2 s, 8 fps clip');
    assert.equal(gif.width, 480);
    assert.equal(gif.height, 480);

    // Saved as the user saves it: the text is in the file, at the end where the cursor was. (The panel's group is the
    // active one now: the Markdown editor is found by its file.)
    await ui.page.locator('.monaco-editor[data-uri$="/prompts.md"] .view-lines').first().click();
    await ui.page.keyboard.press('Control+S');
    const image = `![${PROMPT}](a-tiny-robot-watering-a-bonsai-tree-soft.gif)`;
    const deadline = Date.now() + 20_000;
    while (!fs.readFileSync(path.join(ui.workspaceDir, 'prompts.md'), 'utf8').trimEnd().endsWith(image)) {
      assert.ok(Date.now() < deadline, `prompts.md ends with ${image}`);
      await ui.page.waitForTimeout(100);
    }
  });

  it('Export GIF or WebM… from the panel: format, width, frame rate and loop asked, the size shown before saving, a GIF that decodes', async function () {
    this.timeout(300_000);
    const panel = ui.webviewFrame();
    await panel.getByRole('button', { name: 'Export GIF or WebM…' }).click();
    await pick('GIF');
    await pick('256 px wide');
    await pick('8 fps');
    await pick('Loop forever');

    // VS Code's save dialog (in the browser, its own file picker) says the exact size before anything is written.
    const title = ui.page.locator('.quick-input-widget .quick-input-title');
    await title.filter({ hasText: /^Save GIF: \d+ KB, 16 frames, 256×256$/ }).waitFor({ timeout: ENCODE_MS });
    await ui.screenshot('export-save-dialog');
    // The README's picture of Export: the save dialog saying the file's size before anything is written.
    await captureReadmeImage(ui.page, 'export-size', topCentredOn(await boxOf(ui.page.locator('.quick-input-widget')), ui.page, { width: 700, height: 165 }));
    const target = path.join(ui.workspaceDir, 'robot-256.gif');
    await ui.quickInputBox().fill(target);
    await ui.quickInputBox().press('Enter');
    await ui.notification(/GIF saved to robot-256\.gif \(\d+ KB\)\./).waitFor({ timeout: 30_000 });

    const gif = new GifReader(fs.readFileSync(target));
    assert.equal(gif.numFrames(), 16);
    assert.equal(gif.width, 256);
    assert.equal(gif.height, 256);
    assert.equal(gif.loopCount(), 0, 'loops forever');
  });

  it('the History shows the finished generation with its poster frame as its icon', async function () {
    this.timeout(120_000);
    await ui.page.locator('.part.activitybar .action-item a[aria-label^="AnimateDiff"]').click();
    const row = ui.page.locator('.part.sidebar .monaco-list-row').filter({ hasText: PROMPT.slice(0, 15) }).first();
    await row.waitFor();
    // A file icon is a background image; the "done" codicon is a font glyph.
    const icon = row.locator('.custom-view-tree-node-item-icon');
    await icon.and(ui.page.locator('[style*="poster.png"]')).waitFor({ timeout: ENCODE_MS });
    const loaded = await icon.evaluate((element) => new Promise<{ width: number; height: number }>((resolve, reject) => {
      const url = /url\("?([^")]+)"?\)/.exec(getComputedStyle(element).backgroundImage)?.[1];
      const image = new Image();
      image.onload = () => resolve({ width: image.naturalWidth, height: image.naturalHeight });
      image.onerror = () => reject(new Error(`the poster did not load from ${url}`));
      image.src = url ?? '';
    }));
    assert.deepEqual(loaded, { width: 160, height: 160 }, 'the workbench loads the poster');
    await ui.screenshot('export-history-thumbnail');

    // The README's picture of the thumbnails: the row's poster icon and, in its tooltip, the larger frame. (From
    // elsewhere: a hover needs a move onto the row.)
    const hover = await ui.hoverUntil(row, ui.page.locator('.monaco-hover, .workbench-hover').filter({ hasText: 'Request id' }));
    await hover.locator('img').first().evaluate((image: HTMLImageElement) => new Promise<void>((resolve, reject) => {
      if (image.complete && image.naturalWidth > 0) {
        resolve();
        return;
      }
      image.addEventListener('load', () => resolve(), { once: true });
      image.addEventListener('error', () => reject(new Error(`the tooltip's poster did not load from ${image.src}`)), { once: true });
    }));
    await captureReadmeImage(ui.page, 'history-thumbnails', around(union(await boxOf(row), await boxOf(hover)), ui.page, 8));
  });
});
