import * as assert from 'node:assert/strict';
import { openWorkbench, type Workbench } from './workbench';

describe('UI: the workbench with the installed extension', () => {
  let ui: Workbench;
  before(async () => {
    ui = await openWorkbench();
  });
  after(() => ui.close());

  it('"AnimateDiff: Show Log" from the palette opens the Output panel on the AnimateDiff channel', async () => {
    // The first command of a fresh window can lose its Enter to the window still settling (the walkthrough opening on
    // install takes the focus): run it again while the Output panel has not come up. Showing the log twice is harmless.
    const outputPanel = ui.page.locator('.part.panel[data-active-composite="workbench.panel.output"]');
    for (let attempt = 1; ; attempt++) {
      await ui.runCommand('AnimateDiff: Show Log');
      const shown = await outputPanel.waitFor({ timeout: 20_000 }).then(() => true, () => false);
      if (shown || attempt === 3) {
        assert.ok(shown, 'the Output panel came up');
        break;
      }
    }
    assert.equal(await ui.selectedOutputChannel(), 'AnimateDiff');
    await ui.screenshot('show-log');
  });
});
