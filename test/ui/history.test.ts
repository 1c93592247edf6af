// Nothing is lost on a reload, as a person sees it in Chromium: three videos, then a browser reload while a
// fourth is still running (the imitation keeps the job running across it). The job is picked up again from fal's
// queue and its video plays, the panel that was open comes back, and all four play from disk once fal's URLs are gone.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FrameLocator } from 'playwright-core';
import { openWorkbench, waitUntilPlaying, type Workbench } from './workbench';

const KEY = 'ui-history-key-id:ui-history-secret-5d2e81';
const EARLIER_PROMPTS = ['a lighthouse beam sweeping over a stormy sea at night', 'a steaming cup of coffee on a rainy window sill'];
/** The third video, which the panel shows when the window reloads. */
const FIRST_PROMPT = 'a paper boat sailing down a rain-soaked street, reflections, cinematic';
const RESUMED_PROMPT = 'a glass jellyfish drifting through deep blue water, soft glow';

/** Resolves once the panel's video for the prompt has decoded frames and its time advances. */
async function videoPlays(panel: FrameLocator, prompt: string): Promise<void> {
  await panel.getByText(prompt).first().waitFor({ timeout: 40_000 });
  const video = panel.locator('video');
  await video.waitFor();
  const src = await waitUntilPlaying(video);
  // A webview resource, i.e. the local copy in the history, not fal's (the imitation's) URL.
  assert.doesNotMatch(src, /\/files\/videos\//, `the panel plays the local copy, not ${src}`);
}

describe('UI: the history survives a window reload', () => {
  let ui: Workbench;
  before(async () => {
    ui = await openWorkbench();
    await ui.imitation.reset();
  });
  after(() => ui.close());
  afterEach(function () {
    if (this.currentTest?.state !== 'failed') {
      return;
    }
    // What both extension hosts (before and after the reload) logged, and the history index, to see why.
    const userData = ui.userDataDir;
    for (const file of fs.readdirSync(userData, { recursive: true, encoding: 'utf8' })) {
      if (/AnimateDiff\.log$|history[\\/]index\.json$/.test(file)) {
        console.log(`      ---- ${file}\n${fs.readFileSync(path.join(userData, file), 'utf8')}`);
      }
    }
  });

  it('reload mid-generation: the job resumes and plays, the panel comes back, the History view lists it', async function () {
    // As the new user: three videos, a reload while a fourth is running, then all four from disk.
    this.timeout(180_000);
    await ui.setApiKey(KEY);

    // Three videos: the panel opens and plays each.
    for (const prompt of [...EARLIER_PROMPTS, FIRST_PROMPT]) {
      await ui.runCommand('AnimateDiff: Generate Video…');
      await ui.answerInputBox(prompt);
      await videoPlays(ui.webviewFrame(), prompt);
    }

    // A fourth that fal takes its time over; the History view shows it running.
    // Held running until the test lets it finish: the reload lands while fal still works on it, however slow the machine.
    await ui.imitation.addFault({ at: 'submit', kind: 'neverFinish', match: { promptIncludes: 'jellyfish' } });
    await ui.runCommand('AnimateDiff: Generate Video…');
    await ui.answerInputBox(RESUMED_PROMPT);
    const job = await ui.imitation.waitForJob({ promptIncludes: 'jellyfish', status: 'IN_PROGRESS', timeoutMs: 20_000 });
    await ui.page.locator('.part.activitybar .action-item a[aria-label^="AnimateDiff"]').click();
    const historyRow = (prompt: string, description: RegExp) => ui.page.locator('.part.sidebar .monaco-list-row')
      .filter({ hasText: prompt.slice(0, 15) })
      .filter({ hasText: description });
    await historyRow(RESUMED_PROMPT, /running/).waitFor();
    // (A done row says no status: its icon does. A running one has no seed yet.)
    await historyRow(FIRST_PROMPT, /seed \d+ · .+ · 512×512/).waitFor();
    // At the default sidebar width the seed, which tells variations apart, is in sight, not cut off behind the label.
    const seedInSight = await historyRow(FIRST_PROMPT, /seed/).locator('.label-description').evaluate((description) => {
      const text = description.firstChild;
      const seed = /seed \d+/.exec(description.textContent ?? '');
      const clip = description.closest('.monaco-icon-label-container');
      if (!text || !seed || !clip) {
        return `not found: ${description.outerHTML}`;
      }
      const range = document.createRange();
      range.setStart(text, seed.index);
      range.setEnd(text, seed.index + seed[0].length);
      const shown = clip.getBoundingClientRect();
      const at = range.getBoundingClientRect();
      return at.right <= shown.right ? 'in sight' : `cut off: the seed ends at ${at.right}px, the row shows up to ${shown.right}px`;
    });
    assert.equal(seedInSight, 'in sight');
    await ui.page.locator('.statusbar-item').filter({ hasText: 'AnimateDiff: 1 running' }).waitFor();
    await ui.screenshot('history-before-reload');

    // The browser's reload: VS Code gets no time to save its editor layout, so bringing the panel back is ours.
    await ui.page.reload();
    await ui.page.locator('.monaco-workbench .part.statusbar').waitFor({ timeout: 120_000 });

    // The panel that was open is back, showing the first video from its local copy.
    await videoPlays(ui.webviewFrame(), FIRST_PROMPT);
    const stillRunning = await ui.imitation.job(job.requestId);
    assert.equal(stillRunning?.status, 'IN_PROGRESS', 'fal was still working on the job when the panel came back');
    // The interrupted job is followed again: its progress and the status bar item show, the view lists it running.
    // As a toast, or in the status bar where VS Code puts progress that starts while the window is still loading.
    const progress = /AnimateDiff: “a glass jellyfish drifting/;
    await ui.notification(progress).or(ui.page.locator('.statusbar-item').filter({ hasText: progress })).first().waitFor({ timeout: 60_000 });
    await ui.page.locator('.statusbar-item').filter({ hasText: 'AnimateDiff: 1 running' }).waitFor();
    await historyRow(RESUMED_PROMPT, /running|queued/).waitFor();
    await ui.screenshot('history-after-reload-resumed');

    // fal finishes it: the panel plays its video (from the local copy) and the view shows it done.
    await ui.imitation.finishJob(job.requestId);
    await videoPlays(ui.webviewFrame(), RESUMED_PROMPT);
    await historyRow(RESUMED_PROMPT, /seed \d+ · .+ · 512×512/).waitFor({ timeout: 20_000 });
    await ui.page.locator('.statusbar-item').filter({ hasText: 'AnimateDiff: 1 running' }).waitFor({ state: 'hidden' });
    const submitted = (await ui.imitation.requests()).filter((request) => request.stage === 'submit');
    assert.equal(submitted.filter((request) => JSON.stringify(request.body).includes('jellyfish')).length, 1, 'the job was not submitted again');
    await ui.screenshot('history-resumed-done');

    // The network to fal is gone: every one of the four, selected in the History view, still plays from disk.
    await ui.imitation.configure({ offline: true });
    try {
      for (const prompt of [...EARLIER_PROMPTS, FIRST_PROMPT, RESUMED_PROMPT]) {
        await historyRow(prompt, /seed \d+/).click();
        await videoPlays(ui.webviewFrame(), prompt);
      }
    } finally {
      await ui.imitation.configure({ offline: false });
    }
  });

  it('the History view: a rich tooltip, the item\'s actions on right-click (Open Log), and a text filter', async () => {
    const sidebar = ui.page.locator('.part.sidebar');
    const row = (prompt: string) => sidebar.locator('.monaco-list-row').filter({ hasText: prompt.slice(0, 15) });

    // From elsewhere: the pointer may still rest on the row from the last click, and a hover needs a move onto it.
    const hover = await ui.hoverUntil(row(RESUMED_PROMPT), ui.page.locator('.monaco-hover, .workbench-hover').filter({ hasText: 'Request id' }));
    // Markdown hovers keep spaces as no-break spaces.
    const tooltip = (await hover.innerText()).replace(/\u00a0/g, ' ');
    assert.match(tooltip, /a glass jellyfish drifting through deep blue water, soft glow/);
    assert.match(tooltip, /Status: done/);
    assert.match(tooltip, /Local copy: \d+(\.\d)? KB/);
    await ui.screenshot('history-tooltip');
    await ui.page.mouse.move(700, 400);

    await row(RESUMED_PROMPT).click({ button: 'right' });
    await ui.contextMenu().waitFor();
    const entries = await ui.page.locator('.monaco-menu .action-label').allInnerTexts();
    for (const action of ['Open in Video Panel', 'Open Log', 'Re-run', 'Re-run with a New Seed', 'Save Video…', 'Save Parameters as .animate.json', 'Copy Prompt', 'Delete']) {
      assert.ok(entries.includes(action), `"${action}" is in the item's menu: ${JSON.stringify(entries)}`);
    }
    await ui.screenshot('history-item-menu');
    await ui.clickMenuItem('Open Log');
    const log = ui.activeEditor();
    await log.locator('.view-lines').filter({ hasText: 'Request id:' }).waitFor();
    // The editor draws spaces as other characters; compare the printable text.
    assert.match((await log.locator('.view-lines').innerText()).replace(/[^\x20-\x7e\n]/g, ' '), /Prompt: +a glass jellyfish drifting/);
    await ui.screenshot('history-log');
    await ui.runCommand('View: Close All Editors');

    // With one view in the container, its title actions show in the container's title bar.
    const titleAction = (label: string) => sidebar.locator(`.action-label[aria-label="${label}"]`).filter({ visible: true }).first();
    await titleAction('Filter History…').click();
    await ui.answerInputBox('paper boat');
    await sidebar.getByText(/Filtered by “paper boat”: 1 of \d+/).waitFor();
    await row(RESUMED_PROMPT).waitFor({ state: 'detached' });
    await row(FIRST_PROMPT).waitFor();
    await ui.screenshot('history-filtered');
    await titleAction('Clear History Filter').click();
    await row(RESUMED_PROMPT).waitFor();
  });
});
