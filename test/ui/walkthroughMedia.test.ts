// The walkthrough's step images (media/walkthrough/*.png) are screenshots of the product, taken here as a new user
// walks the steps: set the key, a video from a selection, a parameter file with four variations, the History view.
// Each is taken in a light and a dark theme, at 1.5 device pixels per CSS pixel (the density VS Code assumes for
// walkthrough images), reduced to 256 colours with ffmpeg, and must stay within MAX_BYTES.
//
// Every run writes them to test-output/screenshots/walkthrough/ and checks that the committed ones are still what the
// product looks like: the same size in pixels and, shrunk to a coarse grey thumbnail, nearly the same picture (the
// video frame and the ages in the History differ from run to run; a changed layout, another theme or a hand-made
// image do not pass). When the product changes on purpose, replace the committed images:
//   node esbuild.js --tests && ANIMATEDIFF_UPDATE_WALKTHROUGH_MEDIA=1 ANIMATEDIFF_TEST_GREP="walkthrough's images" node test/harness/run-ui.js
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { captureInto, union, type Box, type MediaSet } from './screenshots';
import { openWorkbench, uiEnvironment, waitUntilPlaying, type Workbench } from './workbench';

const repoRoot = path.join(__dirname, '..', '..', '..');
const MEDIA: MediaSet = {
  dir: path.join(repoRoot, 'media', 'walkthrough'),
  update: process.env.ANIMATEDIFF_UPDATE_WALKTHROUGH_MEDIA === '1',
  howToUpdate: 'update it: ANIMATEDIFF_UPDATE_WALKTHROUGH_MEDIA=1 (see the top of walkthroughMedia.test.ts)',
  maxBytes: 160 * 1024,
};
const THEMES = [
  { suffix: 'light', name: 'Light 2026', workbenchClass: 'vs', webviewClass: 'vscode-light' },
  { suffix: 'dark', name: 'Dark 2026', workbenchClass: 'vs-dark', webviewClass: 'vscode-dark' },
] as const;
type Theme = (typeof THEMES)[number];

const KEY = 'ui-walkthrough-key:ui-walkthrough-secret-2b7f40';
const PROMPT = 'cherry blossom petals drifting over a quiet river in Kyoto, pastel colors, gentle breeze';
const VARIATIONS_PROMPT = 'ocean waves crashing against black volcanic rocks at sunset';

describe('UI: the walkthrough\'s images, captured from the product', function () {
  // Each image is staged and taken twice, once per theme, on a loaded machine.
  this.timeout(240_000);
  let ui: Workbench;
  const outDir = path.join(uiEnvironment().screenshotsDir, 'walkthrough');
  const settingsFile = () => path.join(ui.userDataDir, 'User', 'settings.json');
  /** The user settings before this file changed the theme; the code-server is shared with later test files. */
  let settingsBefore: string;

  /** Rests the pointer on the empty part of the activity bar: no tooltip, no row's hover buttons in the picture. */
  async function movePointerAway(): Promise<void> {
    await ui.page.mouse.move(20, Math.round((ui.page.viewportSize()?.height ?? 680) * 0.6));
    await ui.page.locator('.workbench-hover, .monaco-hover').filter({ visible: true }).waitFor({ state: 'detached' });
  }

  /** Picks the colour theme in "Preferences: Color Theme", as a person does. */
  async function useTheme(theme: Theme, withPanel: boolean): Promise<void> {
    await ui.runCommand('Preferences: Color Theme');
    await ui.quickInputBox().fill(theme.name);
    await ui.page.locator('.quick-input-widget .monaco-list-row .label-name').filter({ hasText: new RegExp(`^${theme.name}$`) }).first().click();
    await ui.page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
    await movePointerAway();
    await ui.page.locator(`.monaco-workbench.${theme.workbenchClass}`).waitFor();
    if (withPanel) {
      await ui.webviewFrame().locator(`body.${theme.webviewClass}`).waitFor();
    }
    // Two frames: the new colours are painted.
    await ui.page.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))));
  }

  /**
   * Screenshots `region` in each theme into test-output (and media/walkthrough/ when updating), after `stage` has
   * set the scene again in that theme (choosing a theme closes an open input box).
   */
  async function capture(
    name: string,
    region: () => Promise<Box>,
    options: { withPanel: boolean; stage?: () => Promise<void> },
  ): Promise<void> {
    for (const theme of THEMES) {
      await useTheme(theme, options.withPanel);
      await options.stage?.();
      await captureInto(MEDIA, ui.page, outDir, `${name}-${theme.suffix}`, await region());
    }
  }

  const box = async (selector: string): Promise<Box> => {
    const found = await ui.page.locator(selector).first().boundingBox();
    assert.ok(found, `${selector} is on screen`);
    return found;
  };

  before(async () => {
    ui = await openWorkbench({ viewport: { width: 1100, height: 680 }, deviceScaleFactor: 1.5 });
    settingsBefore = fs.readFileSync(settingsFile(), 'utf8');
    await ui.imitation.reset();
  });
  after(async () => {
    if (ui) {
      await ui.close();
      fs.writeFileSync(settingsFile(), settingsBefore);
    }
  });
  beforeEach(async () => {
    await ui.runCommand('Notifications: Clear All Notifications');
  });

  it('set the key: the password box', async () => {
    await ui.openFile('prompts.md');
    const passwordBox = ui.page.locator('.quick-input-widget .quick-input-box input[type="password"]');
    await capture('set-key', async () => {
      const widget = await box('.quick-input-widget');
      return { x: widget.x - 40, y: 0, width: widget.width + 80, height: widget.y + widget.height + 90 };
    }, {
      withPanel: false,
      stage: async () => {
        await ui.runCommand('AnimateDiff: Set fal API Key');
        await passwordBox.waitFor();
        await passwordBox.fill(KEY);
      },
    });
    await passwordBox.press('Enter');
    await ui.notification(/fal API key saved/).waitFor();
  });

  it('a video from a selection: the prompt selected, the panel playing its video', async () => {
    await ui.runCommand('View: Close Primary Side Bar');
    await ui.selectText(PROMPT);
    await ui.page.keyboard.press('Control+Alt+Shift+V');
    const panel = ui.webviewFrame();
    await panel.getByText(PROMPT).first().waitFor({ timeout: 40_000 });
    await waitUntilPlaying(panel.locator('video'));
    await ui.runCommand('Notifications: Clear All Notifications');
    await capture('first-video', () => box('.part.editor'), { withPanel: true });
  });

  it('a parameter file with four variations: its lens, and the grid of videos', async () => {
    await ui.runCommand('View: Close All Editors');
    await ui.openFile('four-variations.animate.json');
    await ui.activeEditor().locator('.codelens-decoration a').filter({ hasText: '▶ Generate 4 variations' }).waitFor();
    await ui.page.keyboard.press('Control+Alt+Shift+P');
    const panel = ui.webviewFrame();
    const tiles = panel.locator('li.tile-done video');
    await tiles.nth(3).waitFor({ timeout: 40_000 });
    await panel.getByRole('button', { name: 'Play All' }).click();
    await waitUntilPlaying(tiles.first());
    await ui.runCommand('Notifications: Clear All Notifications');
    await capture('params-variations', () => box('.part.editor'), { withPanel: true });
  });

  it('the History view: every generation, one playing in the panel', async () => {
    await ui.runCommand('View: Close All Editors');
    await ui.page.locator('.part.activitybar .action-item a[aria-label^="AnimateDiff"]').click();
    const rows = ui.page.locator('.part.sidebar .monaco-list-row');
    await rows.filter({ hasText: VARIATIONS_PROMPT.slice(0, 15) }).nth(3).waitFor({ timeout: 60_000 });
    const first = rows.filter({ hasText: PROMPT.slice(0, 15) }).first();
    await first.click();
    // The pointer off the view: no tooltip, no row's hover buttons in the picture.
    await movePointerAway();
    const panel = ui.webviewFrame();
    await panel.getByText(PROMPT).first().waitFor();
    await waitUntilPlaying(panel.locator('video'));
    await ui.runCommand('Notifications: Clear All Notifications');
    await capture('history', async () => union(await box('.part.activitybar'), await box('.part.sidebar'), await box('.part.editor')), { withPanel: true });
  });
});
