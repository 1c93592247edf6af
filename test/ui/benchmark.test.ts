// The VS Code benchmark (bench/vscode.bench.ts) once, quick, in this stage's code-server, so it cannot rot: the key
// press → the video playing in the panel, and the model page's script. Nothing about time is asserted.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { measureInVscode } from '../../bench/vscode.bench';
import { openWorkbench, type Workbench } from './workbench';

const KEY = 'ui-bench-key-id:ui-bench-secret-4a7c19';

describe('UI: the VS Code benchmark runs (once, quick)', () => {
  let ui: Workbench;
  let scratch = '';
  before(async function () {
    // The first workbench of the stage (this file sorts first) waits on a code-server that has just started.
    this.timeout(180_000);
    ui = await openWorkbench({ loadTimeoutMs: 120_000 });
    await ui.imitation.reset();
    scratch = mkdtempSync(path.join(tmpdir(), 'animatediff-ui-bench-'));
  });
  after(async () => {
    // Back to the imitation's start-up timings for the tests after this one.
    await ui.imitation.reset();
    await ui.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('measures the key press → video playing against the script', async function () {
    this.timeout(120_000);
    const row = await measureInVscode(ui, { samples: 1, warmup: 0, processingMs: 100, setKey: KEY, scratch });
    assert.ok(Number.isFinite(row.subject.median) && row.subject.median > 0, `in VS Code: ${row.subject.median} ms`);
    assert.ok(Number.isFinite(row.baseline?.stats.median ?? NaN), 'the script ran');
  });
});
