// The keyboard shortcuts, pressed as a person presses them (code-server runs on Linux: Ctrl+Alt+Shift+…).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openWorkbench, waitUntilPlaying, type Workbench } from './workbench';

const KEY = 'ui-keys-key-id:ui-keys-secret-7c41d9';
const PROMPT = 'a hummingbird hovering at a pink hibiscus flower';
const FOX_PROMPT = 'a red fox trotting through fresh snow in a birch forest, soft morning light, cinematic';

describe('UI: keyboard shortcuts', () => {
  let ui: Workbench;
  before(async () => {
    ui = await openWorkbench();
    await ui.imitation.reset();
    await ui.setApiKey(KEY);
  });
  after(() => ui.close());

  const submits = async () => (await ui.imitation.requests()).filter((request) => request.stage === 'submit');

  it('select a prompt, press Ctrl+Alt+Shift+V: the panel plays its video', async () => {
    await ui.openFile('prompts.md');
    await ui.selectText(PROMPT);
    await ui.page.keyboard.press('Control+Alt+Shift+V');

    const panel = ui.webviewFrame();
    await panel.getByText(PROMPT).first().waitFor({ timeout: 40_000 });
    await waitUntilPlaying(panel.locator('video'));
    const sent = await submits();
    assert.equal(sent.length, 1);
    assert.equal((sent[0].body as { prompt: string }).prompt, PROMPT);
    await ui.screenshot('keys-generate-from-selection');
  });

  it('in a parameter file, press Ctrl+Alt+Shift+P: it runs, its video plays and is saved beside it', async () => {
    await ui.imitation.reset();
    await ui.runCommand('View: Close All Editors');
    await ui.openFile('fox-in-snow.animate.json');
    await ui.activeEditor().locator('.view-lines').click();
    await ui.page.keyboard.press('Control+Alt+Shift+P');

    const panel = ui.webviewFrame();
    await panel.getByText(FOX_PROMPT).first().waitFor({ timeout: 40_000 });
    await waitUntilPlaying(panel.locator('video'));
    await ui.notified(/Saved fox-in-snow-1234\.mp4 and its result record/);
    assert.ok(fs.statSync(path.join(ui.workspaceDir, 'renders', 'fox-in-snow-1234.mp4')).size > 1000);
    const sent = await submits();
    assert.equal(sent.length, 1);
    assert.equal((sent[0].body as { seed: number }).seed, 1234);
    await ui.screenshot('keys-run-parameter-file');
  });

  it('press Ctrl+Alt+Shift+Y: the last generation runs again, same request and seed, and plays', async () => {
    const [last] = await submits();
    await ui.imitation.reset();
    await ui.runCommand('View: Close All Editors');
    await ui.page.keyboard.press('Control+Alt+Shift+Y');

    const panel = ui.webviewFrame();
    await panel.getByText(FOX_PROMPT).first().waitFor({ timeout: 40_000 });
    await waitUntilPlaying(panel.locator('video'));
    const sent = await submits();
    assert.equal(sent.length, 1);
    assert.deepEqual(sent[0].body, last.body);
  });
});
