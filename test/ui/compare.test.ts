// Compare Side by Side, as a person uses it: two finished videos selected in the History view, right-click →
// Compare Side by Side. The panel shows them together, their differences marked, and plays, pauses and seeks them
// together. The README's picture of it is captured here (media/readme/compare.png); when the panel changes on
// purpose, replace it:
//   node esbuild.js --tests && ANIMATEDIFF_UPDATE_README_MEDIA=1 ANIMATEDIFF_TEST_GREP="Compare Side by Side" node test/harness/run-ui.js
import * as assert from 'node:assert/strict';
import type { Locator } from 'playwright-core';
import { captureReadmeImage } from './screenshots';
import { openWorkbench, waitUntilPlaying, type Workbench } from './workbench';

const KEY = 'ui-compare-key:ui-compare-secret-91c3d0';
const PROMPT = 'a hummingbird hovering at a pink hibiscus flower, shallow depth of field, vivid colors';
/** The prompt of fox-in-snow.animate.json (other steps, guidance, size and seed than the defaults). */
const FOX_PROMPT = 'a red fox trotting through fresh snow in a birch forest, soft morning light, cinematic';

/** Where each video of the grid is: its time and whether it is paused. */
function states(videos: Locator): Promise<Array<{ time: number; paused: boolean }>> {
  return videos.evaluateAll((elements) => (elements as HTMLVideoElement[]).map((video) => ({ time: video.currentTime, paused: video.paused })));
}

describe('UI: Compare Side by Side', function () {
  this.timeout(240_000);
  let ui: Workbench;

  before(async () => {
    ui = await openWorkbench({ viewport: { width: 1280, height: 760 } });
    await ui.imitation.reset();
  });
  after(() => ui?.close());

  it('two History items, right-click → Compare Side by Side: together, differences marked, played and sought in sync', async () => {
    await ui.setApiKey(KEY);

    await ui.runCommand('AnimateDiff: Generate Video…');
    await ui.answerInputBox(PROMPT);
    await ui.webviewFrame().getByText(PROMPT).first().waitFor({ timeout: 60_000 });
    await waitUntilPlaying(ui.webviewFrame().locator('video'));

    await ui.openFile('fox-in-snow.animate.json');
    await ui.page.keyboard.press('Control+Alt+Shift+P');
    await ui.webviewFrame().getByText(FOX_PROMPT).first().waitFor({ timeout: 60_000 });
    await waitUntilPlaying(ui.webviewFrame().locator('video'));
    await ui.runCommand('View: Close All Editors');

    // Both rows in the History view: one clicked, the other added with Ctrl, then the context menu.
    await ui.page.locator('.part.activitybar .action-item a[aria-label^="AnimateDiff"]').click();
    const rows = ui.page.locator('.part.sidebar .monaco-list-row');
    const hummingbird = rows.filter({ hasText: PROMPT.slice(0, 15) }).first();
    const fox = rows.filter({ hasText: FOX_PROMPT.slice(0, 15) }).first();
    await hummingbird.waitFor({ timeout: 60_000 });
    await fox.waitFor({ timeout: 60_000 });
    await hummingbird.click();
    await fox.click({ modifiers: ['Control'] });
    await ui.page.locator('.part.sidebar .monaco-list-row.selected').nth(1).waitFor();
    await fox.click({ button: 'right' });
    await ui.contextMenu().waitFor();
    await ui.clickMenuItem('Compare Side by Side');

    const panel = ui.webviewFrame();
    await panel.locator('.grid-title').filter({ hasText: 'Compare: 2 videos' }).waitFor({ timeout: 60_000 });
    const videos = panel.locator('li.tile-done video');
    await videos.nth(1).waitFor();
    await waitUntilPlaying(videos.nth(0));
    await waitUntilPlaying(videos.nth(1));

    // What sets them apart is marked: the prompts, and the fox's own steps, guidance and size.
    assert.equal(await panel.locator('.tile-text.differs').count(), 2, 'both prompts are marked as differing');
    const foxDifferences = await panel.locator('li.tile-done').filter({ hasText: FOX_PROMPT.slice(0, 15) }).locator('.tile-diff li').allTextContents();
    for (const fact of ['Steps: 6', 'Guidance scale: 1.5']) {
      assert.ok(foxDifferences.some((text) => text.replace(/\s+/g, ' ').includes(fact)), `"${fact}" is among ${JSON.stringify(foxDifferences)}`);
    }

    // Pause All pauses both; a seek on one moves the other there; Play All plays both again.
    await panel.getByRole('button', { name: 'Pause All' }).click();
    await videos.nth(1).evaluate((video: HTMLVideoElement) => video.paused || new Promise((resolve) => video.addEventListener('pause', resolve, { once: true })));
    assert.deepEqual((await states(videos)).map((state) => state.paused), [true, true], 'Pause All paused both');
    await videos.nth(0).evaluate((video: HTMLVideoElement) => {
      video.currentTime = 1.25;
    });
    await videos.nth(1).evaluate((video: HTMLVideoElement) => new Promise<void>((resolve) => {
      const near = () => Math.abs(video.currentTime - 1.25) < 0.06 && !video.seeking;
      if (near()) {
        resolve();
        return;
      }
      video.addEventListener('seeked', function check() {
        if (near()) {
          video.removeEventListener('seeked', check);
          resolve();
        }
      });
    }));
    const [first, second] = await states(videos);
    assert.ok(Math.abs(first.time - second.time) < 0.06, `both at the same moment: ${first.time} and ${second.time}`);
    await panel.getByRole('button', { name: 'Play All' }).click();
    await waitUntilPlaying(videos.nth(0));
    await waitUntilPlaying(videos.nth(1));

    await ui.runCommand('Notifications: Clear All Notifications');
    await ui.page.mouse.move(20, 600);
    const editor = await ui.page.locator('.part.editor').boundingBox();
    assert.ok(editor, 'the editor area is on screen');
    await captureReadmeImage(ui.page, 'compare', editor);
  });
});
