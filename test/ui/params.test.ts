import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Locator } from 'playwright-core';
import { openWorkbench, type Workbench } from './workbench';

const KEY = 'ui-params-key:ui-params-secret-51d0e2';
const BROKEN = `{
  "prompt": "a sailboat on a calm lake at dawn, watercolor",
  "num_frames": 48,
  "seed": 4242,
  "video_size": "landscape_16_9"
}
`;
const TOO_MANY = '"num_frames" must be a whole number from 1 to 32, not 48.';

/** Waits until a video element has decoded frames and its time moves. */
async function waitUntilPlaying(video: Locator): Promise<void> {
  await video.evaluate((element: HTMLVideoElement) => new Promise<void>((resolve) => {
    if (element.readyState >= 2 && element.currentTime > 0) {
      resolve();
      return;
    }
    element.addEventListener('timeupdate', () => {
      if (element.currentTime > 0) {
        resolve();
      }
    });
  }));
  const state = await video.evaluate((element: HTMLVideoElement) => ({ readyState: element.readyState, width: element.videoWidth, paused: element.paused }));
  assert.ok(state.readyState >= 2, `readyState ${state.readyState}`);
  assert.ok(state.width > 0, `videoWidth ${state.width}`);
  assert.equal(state.paused, false);
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
    await ui.notification(/Saved sailboat-4242\.mp4 and its result record/).waitFor();
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
  });
});
