// The Get Started walkthrough as a new user meets it: "AnimateDiff: Get Started" opens it on VS Code's Welcome page,
// every step shows its image (the PNGs shipped in the .vsix), and doing what a step says checks it off.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openWorkbench, waitUntilPlaying, type Workbench } from './workbench';
import { localizedManifest } from '../localizedManifest';

interface WalkthroughStep {
  id: string;
  title: string;
  media: { altText: string; image: { light: string; dark: string } };
}

const manifest = localizedManifest<{
  publisher: string;
  name: string;
  contributes: { walkthroughs: Array<{ id: string; title: string; steps: WalkthroughStep[] }> };
}>();
const [walkthrough] = manifest.contributes.walkthroughs;
const KEY = 'ui-walkthrough-steps:ui-walkthrough-secret-81c3e2';
const PROMPT = 'a lighthouse on a cliff during a thunderstorm, lightning in the distance, dramatic clouds';

const walkthroughId = `${manifest.publisher}.${manifest.name}#${walkthrough.id}`;

describe('UI: the Get Started walkthrough', () => {
  let ui: Workbench;
  before(async () => {
    ui = await openWorkbench();
  });
  after(() => ui.close());

  const step = (id: string) => ui.page.locator(`.getting-started-step[data-step-id=${JSON.stringify(`${walkthroughId}#${id}`)}]`);
  const checkbox = (id: string) => ui.page.locator(`.getting-started-step [data-done-step-id=${JSON.stringify(`${walkthroughId}#${id}`)}]`);

  it('"AnimateDiff: Get Started" opens it with its four steps, each showing its image', async () => {
    await ui.runCommand('View: Close Primary Side Bar');
    await ui.runCommand('AnimateDiff: Get Started');
    await ui.page.locator('.gettingStartedSlideDetails .category-title').filter({ hasText: walkthrough.title }).first().waitFor();
    const titles = await ui.page.locator(`.getting-started-step[data-step-id^=${JSON.stringify(`${walkthroughId}#`)}] .step-title`).allInnerTexts();
    assert.deepEqual(titles, walkthrough.steps.map((s) => s.title));

    for (const { id, media } of walkthrough.steps) {
      await step(id).locator('.step-title').click();
      await step(id).and(ui.page.locator('.expanded')).waitFor();
      // The image of the step, loaded from the installed extension: it is in the .vsix and decodes.
      const image = ui.page.locator('.getting-started-media img').and(ui.page.locator(`[alt=${JSON.stringify(media.altText)}]`));
      await image.waitFor();
      await ui.page.waitForFunction((element) => element instanceof HTMLImageElement && element.complete && element.naturalWidth > 0, await image.elementHandle());
      // The variant of the theme (VS Code sets it as srcset, at 1.5x): a screenshot in the workbench's own colours.
      const dark = await ui.page.locator('.monaco-workbench.vs-dark').count() > 0;
      assert.ok(decodeURIComponent(await image.getAttribute('srcset') ?? '').includes(dark ? media.image.dark : media.image.light), `${id} shows the ${dark ? 'dark' : 'light'} image`);
      assert.equal(await checkbox(id).getAttribute('aria-checked'), 'false', `${id} is not done yet`);
      await ui.screenshot(`walkthrough-step-${id}`);
    }
  });

  /** Opens the walkthrough again (after a step took the editor elsewhere) and expands a step. */
  async function showStep(id: string): Promise<void> {
    // Run only when it is not on screen: a page that has just checked a step off takes the focus from the palette.
    if (!await ui.page.locator('.gettingStartedSlideDetails .category-title').filter({ hasText: walkthrough.title }).first().isVisible()) {
      await ui.runCommand('AnimateDiff: Get Started');
    }
    await step(id).locator('.step-title').click();
    await step(id).and(ui.page.locator('.expanded')).waitFor();
  }

  /** Waits until the step is checked off, and asserts which steps are still to do. */
  async function assertDone(done: string[]): Promise<void> {
    for (const { id } of walkthrough.steps) {
      if (done.includes(id)) {
        await checkbox(id).and(ui.page.locator('[aria-checked="true"]')).waitFor();
      } else {
        assert.equal(await checkbox(id).getAttribute('aria-checked'), 'false', `${id} is still to do`);
      }
    }
  }

  it('the key step\'s button asks for the key in a password box; that checks the step off', async () => {
    await showStep('setKey');
    await step('setKey').locator('.monaco-button').filter({ hasText: 'Set fal API Key' }).click();
    await ui.page.locator('.quick-input-widget .quick-input-box input[type="password"]').waitFor();
    await ui.answerInputBox(KEY);
    await ui.notification(/fal API key saved/).waitFor();
    await showStep('setKey');
    await assertDone(['setKey']);
  });

  it('selecting a prompt and pressing Ctrl+Alt+Shift+V makes the video and checks off the video step', async () => {
    await ui.imitation.reset();
    // The Welcome page takes the focus back when a step is checked off, closing a palette opened meanwhile: close
    // its tab with the mouse, then Quick Open stays open.
    const welcomeTab = ui.page.locator('.tabs-container .tab').filter({ hasText: 'Welcome' });
    await welcomeTab.hover();
    await welcomeTab.locator('.tab-actions .action-label').click();
    await welcomeTab.waitFor({ state: 'detached' });
    await ui.openFile('prompts.md');
    await ui.selectText(PROMPT);
    await ui.page.keyboard.press('Control+Alt+Shift+V');
    const panel = ui.webviewFrame();
    await panel.getByText(PROMPT).first().waitFor({ timeout: 40_000 });
    await waitUntilPlaying(panel.locator('video'));
    await showStep('firstVideo');
    await assertDone(['setKey', 'firstVideo']);
  });

  it('the parameter-file step\'s button creates a file with every input; that checks the step off', async () => {
    await showStep('paramsFile');
    await step('paramsFile').locator('.monaco-button').filter({ hasText: 'New Parameter File' }).click();
    await ui.answerInputBox('first-try');
    // The Welcome page re-renders as the step ticks off and can take the focus from the box as Enter lands: the name
    // then stays in the box. Press Enter again until the box has closed (accepting twice is harmless).
    const nameBox = ui.page.locator('.quick-input-widget .quick-input-box input');
    for (let attempt = 0; attempt < 5 && await nameBox.isVisible(); attempt++) {
      await nameBox.press('Enter', { timeout: 5_000 }).catch(() => undefined);
      await nameBox.waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => undefined);
    }
    await ui.activeEditor().and(ui.page.locator('.monaco-editor[data-uri$="/first-try.animate.json"]')).waitFor({ timeout: 60_000 });
    assert.match(fs.readFileSync(path.join(ui.workspaceDir, 'first-try.animate.json'), 'utf8'), /"prompt"/);
    await showStep('paramsFile');
    await assertDone(['setKey', 'firstVideo', 'paramsFile']);
  });

  it('the History step\'s button opens the History view and checks the step off', async () => {
    await showStep('history');
    await step('history').locator('.monaco-button').filter({ hasText: 'Open the History' }).click();
    await ui.page.locator('.part.sidebar').filter({ hasText: 'History' }).locator('.monaco-list-row').filter({ hasText: PROMPT.slice(0, 12) }).first().waitFor();
    await assertDone(walkthrough.steps.map((s) => s.id));
    await ui.screenshot('walkthrough-all-done');
  });
});
