import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { boxOf, captureReadmeImage } from './screenshots';
import { openWorkbench, waitUntilPlaying, type Workbench } from './workbench';

const KEY = 'ui-params-key:ui-params-secret-51d0e2';
const BROKEN = `{
  "prompt": "a sailboat on a calm lake at dawn, watercolor",
  "num_frames": 48,
  "seed": 4242,
  "video_size": "landscape_16_9"
}
`;
const TOO_MANY = '"num_frames" must be a whole number from 1 to 32, not 48.';
const LANTERN_PROMPT = 'paper lanterns drifting over a night river, warm glow';
const BATCH = {
  harbor: { prompt: 'fishing boats rocking in a misty harbor at dawn', seed: 101 },
  meadow: { prompt: 'wildflowers swaying in a sunny alpine meadow', seed: 202 },
};

/**
 * Waits until a condition on the workspace's files (which VS Code writes) holds. A file VS Code is writing at that
 * moment can be empty or cut short: a condition that throws on it (JSON.parse) has not held yet.
 */
async function waitForDisk(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const holds = () => {
    try {
      return condition();
    } catch {
      return false;
    }
  };
  const deadline = Date.now() + timeoutMs;
  while (!holds()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('UI: parameter files, as a person uses them', () => {
  let ui: Workbench;
  before(async () => {
    ui = await openWorkbench();
    await ui.imitation.reset();
    fs.writeFileSync(path.join(ui.workspaceDir, 'sailboat.animate.json'), BROKEN);
  });
  after(() => ui.close());

  const lens = (title: string | RegExp) => ui.page.locator('.editor-group-container.active .codelens-decoration a').filter({ hasText: title });

  it('a mistake shows as a squiggle and in Problems; typing the fix clears both', async () => {
    await ui.openFile('sailboat.animate.json');
    const editor = ui.activeEditor();
    await editor.locator('.squiggly-error').first().waitFor();
    await lens(/1 error — fix it to generate/).waitFor();

    await ui.page.keyboard.press('Control+Shift+M');
    const problem = ui.page.locator('.markers-panel .monaco-list-row').filter({ hasText: TOO_MANY });
    await problem.waitFor();
    assert.match(await problem.innerText(), /AnimateDiff/);
    await ui.screenshot('params-problem');

    await ui.selectText('48');
    await ui.page.keyboard.type('16');
    await problem.waitFor({ state: 'detached' });
    await editor.locator('.squiggly-error').first().waitFor({ state: 'detached' });
    await lens('▶ Generate').waitFor();
    await lens('Dry run').waitFor();
    await ui.screenshot('params-fixed');
  });

  it('completion offers the video_size values', async () => {
    await ui.selectText('landscape_16_9');
    await ui.page.keyboard.press('Backspace');
    await ui.page.keyboard.press('Control+Space');
    const suggestions = ui.page.locator('.editor-widget.suggest-widget.visible .monaco-list-row');
    await suggestions.first().waitFor();
    const labels = await suggestions.evaluateAll((rows) => rows.map((row) => row.getAttribute('aria-label') ?? ''));
    for (const size of ['square_hd', 'square', 'portrait_4_3', 'portrait_16_9', 'landscape_4_3', 'landscape_16_9']) {
      assert.ok(labels.some((label) => label.includes(size)), `${size} is offered (${labels.join(' | ')})`);
    }
    await ui.screenshot('params-completion');
    await suggestions.filter({ hasText: 'portrait_4_3' }).first().click();
    await ui.activeEditor().locator('.view-lines').filter({ hasText: '"video_size": "portrait_4_3"' }).waitFor();
    await lens('▶ Generate').waitFor();
    await ui.page.keyboard.press('Control+S');
  });

  it('"Dry run" shows the request, key redacted, in a read-only editor', async () => {
    await lens('Dry run').click();
    const dryRun = ui.page.locator('.editor-group-container.active .monaco-editor[data-uri^="animatediff-dry-run:"]');
    await dryRun.waitFor();
    await dryRun.locator('.view-lines').filter({ hasText: '"num_frames": 16' }).waitFor();
    await dryRun.locator('.view-lines').filter({ hasText: 'redacted' }).waitFor();
    await dryRun.locator('.view-lines').click();
    await ui.page.keyboard.type('x');
    await ui.page.getByText('Cannot edit in read-only editor').first().waitFor();
    await ui.screenshot('params-dry-run');
    // Back in the parameter file, its lenses are those of a valid file.
    await ui.page.locator('.monaco-editor[data-uri$="/sailboat.animate.json"] .view-lines').click();
    await ui.page.locator('.monaco-editor[data-uri$="/sailboat.animate.json"] .codelens-decoration a').filter({ hasText: '▶ Generate' }).waitFor();
    assert.equal((await ui.imitation.requests()).length, 0, 'nothing was sent');
    await ui.runCommand('View: Close Editor');
  });

  it('click "▶ Generate": the panel plays the video, saved beside the file with its record', async () => {
    await ui.openFile('sailboat.animate.json');
    await lens('▶ Generate').click();
    // A new user has no key yet: the run asks for it in a password box, then goes on.
    const passwordBox = ui.page.locator('.quick-input-widget .quick-input-box input[type="password"]');
    await passwordBox.waitFor();
    await passwordBox.fill(KEY);
    await passwordBox.press('Enter');

    const panel = ui.webviewFrame();
    const video = panel.locator('video');
    await video.waitFor({ timeout: 40_000 });
    await panel.getByText('a sailboat on a calm lake at dawn').first().waitFor();
    await waitUntilPlaying(video);
    await ui.notified(/Saved sailboat-4242\.mp4 and its result record/);
    await ui.screenshot('params-generated');

    const saved = path.join(ui.workspaceDir, 'sailboat-4242.mp4');
    assert.ok(fs.statSync(saved).size > 1000);
    const record = JSON.parse(fs.readFileSync(path.join(ui.workspaceDir, 'sailboat-4242.result.json'), 'utf8')) as Record<string, unknown>;
    const [sent] = (await ui.imitation.requests()).filter((r) => r.stage === 'submit');
    assert.deepEqual(record.request, sent.body);
    assert.equal((sent.body as Record<string, unknown>).video_size, 'portrait_4_3', 'the completed value was sent');
    assert.equal(sent.keyId, KEY.split(':')[0]);
  });

  // Uses the key given in the test before (the tests of this file run in order, in one workbench).
  it('four variations at once: a grid of four videos to compare', async () => {
    await ui.imitation.reset();
    await ui.runCommand('View: Close All Editors');
    await ui.openFile('four-variations.animate.json');
    await lens('▶ Generate 4 variations').click();
    const panel = ui.webviewFrame();
    const tiles = panel.locator('li.tile-done video');
    await tiles.nth(3).waitFor({ timeout: 40_000 });
    // The summary, read in the notification centre: whether it also pops up as a toast depends on window focus,
    // which the headless browser never has.
    await ui.runCommand('Notifications: Show Notifications');
    const summary = ui.page.locator('.notifications-center .notification-list-item').filter({ hasText: /All 4 videos generated\. Saved in renders\./ });
    await summary.getByRole('button', { name: 'Reveal in Explorer' }).waitFor();
    await ui.runCommand('Notifications: Hide Notifications');
    await panel.getByRole('button', { name: 'Play All' }).click();
    for (let index = 0; index < 4; index++) {
      await waitUntilPlaying(tiles.nth(index));
    }
    await ui.screenshot('params-four-variations');
    const renders = fs.readdirSync(path.join(ui.workspaceDir, 'renders'));
    assert.equal(renders.filter((name) => /^four-variations-\d+\.mp4$/.test(name)).length, 4);
    assert.equal(renders.filter((name) => /^four-variations-\d+\.result\.json$/.test(name)).length, 4);
    const stats = await ui.imitation.stats();
    assert.ok(stats.maxConcurrentInProgress > 1 && stats.maxConcurrentInProgress <= 4, `ran in parallel (${stats.maxConcurrentInProgress})`);

    // The README's picture of prices: the file's lens says what its four videos are expected to cost, the status bar
    // (and its tooltip) what this window has sent to fal. The window's left part: the grid beside it is no price.
    const fileEditor = ui.page.locator('.monaco-editor[data-uri$="/four-variations.animate.json"]');
    await fileEditor.locator('.codelens-decoration a').filter({ hasText: /^▶ Generate 4 variations · / }).waitFor();
    const spent = ui.page.locator('.statusbar-item').filter({ hasText: / videos · / });
    await spent.waitFor();
    await ui.runCommand('Notifications: Clear All Notifications');
    await ui.hoverUntil(spent, ui.page.locator('.monaco-hover, .workbench-hover').filter({ hasText: 'Expected total' }));
    const fileGroup = await boxOf(ui.page.locator('.editor-group-container').filter({ has: fileEditor }));
    const top = (await boxOf(ui.page.locator('.part.sidebar'))).y;
    const bottom = await boxOf(ui.page.locator('.part.statusbar'));
    await captureReadmeImage(ui.page, 'prices', { x: 0, y: top, width: fileGroup.x + fileGroup.width, height: bottom.y + bottom.height - top });
  });

  it('"AnimateDiff: New Parameter File" opens a valid file, its sample prompt selected to type over', async () => {
    await ui.runCommand('View: Close All Editors');
    await ui.runCommand('AnimateDiff: New Parameter File');
    await ui.answerInputBox('lantern');
    const editor = ui.page.locator('.editor-group-container.active .monaco-editor[data-uri$="/lantern.animate.json"]');
    await editor.waitFor();
    const onDisk = path.join(ui.workspaceDir, 'lantern.animate.json');
    const { prompt: samplePrompt } = JSON.parse(fs.readFileSync(onDisk, 'utf8')) as { prompt: string };
    const lines = editor.locator('.view-lines');
    await lines.filter({ hasText: `"prompt": "${samplePrompt}"` }).waitFor();
    await lines.filter({ hasText: '"num_inference_steps"' }).waitFor();
    await ui.page.locator('.statusbar-item').filter({ hasText: `(${samplePrompt.length} selected)` }).waitFor();
    // The lens of a file without errors: by then its problems have been published.
    await lens('▶ Generate').waitFor();
    await ui.runCommand('Problems: Focus on Problems View');
    const markers = ui.page.locator('.markers-panel');
    await markers.waitFor();
    assert.equal(await markers.locator('.monaco-list-row').filter({ hasText: 'lantern.animate.json' }).count(), 0, await markers.innerText());
    await ui.screenshot('params-new-file');

    // Back in the editor (its selection kept), typing replaces the sample prompt.
    await ui.page.keyboard.press('Control+1');
    await ui.page.locator('.statusbar-item').filter({ hasText: `(${samplePrompt.length} selected)` }).waitFor();
    await ui.page.keyboard.type(LANTERN_PROMPT);
    await lines.filter({ hasText: `"prompt": "${LANTERN_PROMPT}",` }).waitFor();
    await ui.page.keyboard.press('Control+S');
    // VS Code in the browser also saves by itself after a second, so its tab never shows a dirty marker to wait on.
    await waitForDisk(() => (JSON.parse(fs.readFileSync(onDisk, 'utf8')) as { prompt: string }).prompt === LANTERN_PROMPT, 'the typed prompt in lantern.animate.json');
  });

  it('the editor title\'s Generate button: the panel plays the active file\'s video', async () => {
    await ui.imitation.reset();
    await ui.page.locator('.editor-group-container.active .editor-actions .action-label[aria-label^="Generate Video from Parameter File"]').click();
    const panel = ui.webviewFrame();
    await panel.getByText(LANTERN_PROMPT).first().waitFor({ timeout: 40_000 });
    const video = panel.locator('video');
    await video.waitFor();
    await waitUntilPlaying(video);
    await ui.screenshot('params-title-button');
    const submits = (await ui.imitation.requests()).filter((r) => r.stage === 'submit');
    assert.deepEqual(submits.map((r) => (r.body as Record<string, unknown>).prompt), [LANTERN_PROMPT]);
    const seed = (submits[0].body as Record<string, unknown>).seed;
    await ui.notified(`Saved lantern-${String(seed)}.mp4 and its result record`);
    assert.ok(fs.statSync(path.join(ui.workspaceDir, `lantern-${String(seed)}.mp4`)).size > 1000);
  });

  it('Explorer: two files selected, right-click → Generate runs both as one batch', async () => {
    await ui.imitation.reset();
    for (const [name, { prompt, seed }] of Object.entries(BATCH)) {
      fs.writeFileSync(path.join(ui.workspaceDir, `${name}.animate.json`), `${JSON.stringify({ prompt, seed }, null, 2)}\n`);
    }
    const row = (name: string) => ui.page.locator(`.explorer-folders-view .monaco-list-row[aria-label="${name}.animate.json"]`);
    await row('harbor').click();
    await row('meadow').click({ modifiers: ['ControlOrMeta'] });
    await ui.page.locator('.explorer-folders-view .monaco-list-row.selected').nth(1).waitFor();
    await ui.rightClickExplorerItem('meadow.animate.json');
    // Dry Run is for one file only; Generate takes the whole selection.
    assert.equal(await ui.contextMenu().locator('.action-label').filter({ hasText: /^Dry Run Parameter File$/ }).count(), 0);
    await ui.screenshot('params-explorer-menu');
    await ui.clickMenuItem('Generate Video from Parameter File');

    const panel = ui.webviewFrame();
    for (const { prompt } of Object.values(BATCH)) {
      await panel.locator('li.tile-done').filter({ hasText: prompt }).locator('video').waitFor({ timeout: 40_000 });
    }
    assert.equal(await panel.locator('li.tile').count(), 2);
    await ui.runCommand('Notifications: Show Notifications');
    await ui.page.locator('.notifications-center .notification-list-item').filter({ hasText: /Both videos generated\. Saved in the workspace folder/ }).waitFor();
    await ui.runCommand('Notifications: Hide Notifications');
    await ui.screenshot('params-explorer-batch');
    for (const [name, { seed }] of Object.entries(BATCH)) {
      assert.ok(fs.statSync(path.join(ui.workspaceDir, `${name}-${seed}.mp4`)).size > 1000, `${name}-${seed}.mp4`);
    }
    const prompts = (await ui.imitation.requests()).filter((r) => r.stage === 'submit').map((r) => (r.body as Record<string, unknown>).prompt);
    assert.deepEqual(prompts.sort(), Object.values(BATCH).map((b) => b.prompt).sort());
  });
});
