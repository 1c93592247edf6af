import * as assert from 'node:assert/strict';
import { openWorkbench, type Workbench } from './workbench';

describe('UI: the workbench with the installed extension', () => {
  let ui: Workbench;
  before(async () => {
    ui = await openWorkbench();
  });
  after(() => ui.close());

  it('"AnimateDiff: Show Log" from the palette opens the Output panel on the AnimateDiff channel', async () => {
    await ui.runCommand('AnimateDiff: Show Log');
    await ui.page.locator('.part.panel[data-active-composite="workbench.panel.output"]').waitFor();
    assert.equal(await ui.selectedOutputChannel(), 'AnimateDiff');
    await ui.screenshot('show-log');
  });
});
