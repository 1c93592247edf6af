import * as assert from 'node:assert/strict';
import { boxOf, captureReadmeImage, topCentredOn } from './screenshots';
import { openWorkbench, type Workbench } from './workbench';

const KEY = 'ui-test-key-id:ui-test-secret-93f1c7';
const PROMPT = 'a red fox trotting through fresh snow in a birch forest';

describe('UI: generate a video from the selection, as a person does', () => {
  let ui: Workbench;
  before(async () => {
    ui = await openWorkbench();
    await ui.imitation.reset();
  });
  after(() => ui.close());

  it('sets the key through the palette\'s password box', async () => {
    await ui.runCommand('AnimateDiff: Set fal API Key');
    // The palette's own text box turns into the key's box: masked, with the key's placeholder.
    const passwordBox = ui.page.locator('.quick-input-widget .quick-input-box input[type="password"][placeholder="key_id:key_secret"]');
    await passwordBox.waitFor();
    await passwordBox.fill(KEY);
    await passwordBox.press('Enter');
    await ui.notification(/fal API key saved/).waitFor();
  });

  it('select a prompt, right-click → Generate Video from Selection: the panel plays the video', async () => {
    await ui.openFile('prompts.md');
    await ui.selectText(PROMPT);
    await ui.rightClickEditor();
    await ui.clickMenuItem('Generate Video from Selection');

    const panel = ui.webviewFrame();
    const video = panel.locator('video');
    await video.waitFor({ timeout: 40_000 });
    await panel.getByText(PROMPT).first().waitFor();
    const playing = async () => video.evaluate((element: HTMLVideoElement) => ({
      readyState: element.readyState,
      width: element.videoWidth,
      paused: element.paused,
      time: element.currentTime,
    }));
    await video.evaluate((element: HTMLVideoElement) => new Promise<void>((resolve) => {
      if (element.readyState >= 2 && element.currentTime > 0) {
        resolve();
        return;
      }
      element.addEventListener('timeupdate', () => { if (element.currentTime > 0) { resolve(); } });
    }));
    const state = await playing();
    assert.ok(state.readyState >= 2, `readyState ${state.readyState}`);
    assert.ok(state.width > 0, `videoWidth ${state.width}`);
    assert.equal(state.paused, false);
    await panel.getByText(/Sandbox result/).first().waitFor();

    const sent = (await ui.imitation.requests()).filter((r) => r.stage === 'submit');
    assert.equal(sent.length, 1);
    assert.equal((sent[0].body as { prompt: string }).prompt, PROMPT);
    assert.equal(sent[0].keyId, KEY.split(':')[0], 'the key typed into the password box was used');
    await ui.screenshot('generate-from-selection-panel');
  });

  it('the panel works from the keyboard alone: labelled, Tab goes through its actions in order, Enter presses', async () => {
    const panel = ui.webviewFrame();
    const video = panel.locator('video');
    assert.equal(await video.getAttribute('aria-label'), `Generated video: ${PROMPT}`, 'the video is labelled with its prompt');
    // What has the focus inside the panel (the frame's own document: nothing there means it left the panel).
    const focused = () => panel.locator('body').evaluate(() => {
      const element = document.activeElement;
      return element && element !== document.body ? element.getAttribute('aria-label') ?? element.textContent?.trim() ?? element.tagName : 'nothing';
    });
    await panel.getByRole('button', { name: 'Save Video…' }).focus();
    const order = [await focused()];
    for (let press = 0; press < 6; press++) {
      await ui.page.keyboard.press('Tab');
      order.push(await focused());
    }
    assert.deepEqual(order, ['Save Video…', 'Copy Seed', 'Re-run with this Seed', 'Save Parameters as .animate.json', 'Copy as Code…', 'Export GIF or WebM…', 'Insert as Markdown'], 'every action, in reading order');
    const group = panel.getByRole('group', { name: 'Actions' });
    assert.equal(await group.getByRole('button').count(), 7, 'the actions are a labelled group');
    await ui.screenshot('panel-keyboard-focus');
    // Copy as Code… from the keyboard: VS Code's own picker asks for the language.
    await panel.getByRole('button', { name: 'Copy as Code…' }).focus();
    await ui.page.keyboard.press('Enter');
    const picker = ui.page.locator('.quick-input-widget');
    await picker.locator('.quick-input-list-row').filter({ hasText: 'Python (fal_client)' }).waitFor();
    // The README's picture of Copy as Code: the picker over the panel it was opened from.
    await captureReadmeImage(ui.page, 'copy-as-code', topCentredOn(await boxOf(picker), ui.page, { width: 700, height: 260 }));
    await ui.page.keyboard.type('cURL');
    await ui.page.keyboard.press('Enter');
    await ui.notification(/Copied as cURL/).waitFor();
    await ui.screenshot('panel-copied-as-code');
    await panel.getByRole('button', { name: 'Copy Seed' }).focus();
    await ui.page.keyboard.press('Enter');
    await ui.notification(/Seed \d+ copied/).waitFor();
  });

  it('cancel from the progress notification', async () => {
    await ui.imitation.reset();
    await ui.imitation.addFault({ at: 'submit', kind: 'neverFinish' });
    await ui.runCommand('View: Close All Editors');
    await ui.openFile('prompts.md');
    await ui.selectText('a hummingbird hovering at a pink hibiscus flower');
    await ui.runCommand('AnimateDiff: Generate Video from Selection');
    const progress = ui.notification(/Generating/);
    await progress.waitFor({ timeout: 30_000 });
    await ui.screenshot('generate-progress');
    await progress.getByRole('button', { name: 'Cancel' }).click();
    await ui.notification(/may still finish and be billed/).waitFor();
    const jobs = await ui.imitation.jobs();
    assert.equal(jobs.length, 1);
    const job = await ui.imitation.waitForJob({ requestId: jobs[0].requestId, status: 'COMPLETED', timeoutMs: 10_000 }).catch(() => ui.imitation.job(jobs[0].requestId));
    assert.equal(job?.cancelRequested, true);
    await ui.screenshot('generate-cancelled');
  });
});
