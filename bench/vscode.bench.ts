/**
 * In VS Code: the key press that runs Generate Video from Selection → the video playing in the panel, against the
 * model page's script (`fal.subscribe` + download) in this process, alternately, against the same fal imitation.
 *
 *   node esbuild.js --tests && node out/bench/vscode.bench.js
 *
 * A genuine VS Code: code-server (the tools of test/harness/install-tools.sh) with the packaged extension, driven in
 * Chromium through Playwright as the UI tests do (test/ui/workbench.ts). The key press is the Enter on the palette's
 * entry; the end is the `playing` event of the panel's <video>, stamped inside the webview (the same clock). The
 * script's time ends when its video is on disk.
 *
 * In quick mode this file's measure runs inside the UI stage of `npm test` (test/ui/benchmark.test.ts), where
 * code-server is already up; run on its own, the quick mode says so and reports nothing.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { FalImitationControl } from '../test/fal-imitation/control';
import { openWorkbench, type Workbench } from '../test/ui/workbench';
import { interleave, QUICK, report, stats, type Row } from './support/measure';
import { configurePageScript, runPageScript } from './support/pageScript';
import { BENCH_KEY } from './support/product';
import { REPO_ROOT } from './support/vscodeStub';

const COMMAND = 'AnimateDiff: Generate Video from Selection';
const ENDPOINT = 'fal-ai/fast-animatediff/turbo/text-to-video';
const INPUT = {
  negative_prompt: '(bad quality, worst quality:1.2), ugly faces, bad anime',
  num_frames: 16,
  num_inference_steps: 4,
  guidance_scale: 1,
  fps: 8,
  video_size: 'square',
};
const QUICK_INPUT = '.quick-input-widget';

interface PlayRecord {
  at: number;
  src: string;
  /** The panel's text when it started playing: which generation it shows. */
  shows: string;
}

export interface VscodeMeasureOptions {
  samples: number;
  warmup: number;
  processingMs: number;
  /** Types this key into the palette's password box first (a workbench without FAL_KEY in its environment). */
  setKey?: string;
  /** Where the script's videos go. */
  scratch: string;
}

interface PromptLine {
  /** 1-based, as Go to Line counts. */
  line: number;
  text: string;
}

/**
 * The prompt lines of the sample workspace's prompts.md (there when the workbench opened: a file written afterwards
 * waits on code-server's file watcher, which can lag for minutes on a loaded machine), taken in turn.
 */
function promptLines(workspaceDir: string): PromptLine[] {
  const lines = readFileSync(path.join(workspaceDir, 'prompts.md'), 'utf8').split('\n');
  const prompts: PromptLine[] = [];
  let inPrompts = false;
  lines.forEach((text, index) => {
    if (text.startsWith('## ')) {
      inPrompts = text !== '## Parameter files' && text !== '## Tips' && (inPrompts || text === '## Nature');
    } else if (inPrompts && text.trim() !== '') {
      prompts.push({ line: index + 1, text });
    }
  });
  if (prompts.length === 0) {
    throw new Error('no prompt lines in the sample workspace\'s prompts.md (under "## Nature" …)');
  }
  return prompts;
}

/** Stamps, inside the panel's webview, each time a <video> starts playing (kept across generations). */
async function watchPlays(ui: Workbench): Promise<boolean> {
  try {
    await ui.webviewFrame().locator('body').evaluate(() => {
      const page = window as unknown as { benchPlays?: PlayRecord[] };
      if (!page.benchPlays) {
        page.benchPlays = [];
        document.addEventListener('playing', (event) => {
          page.benchPlays?.push({ at: Date.now(), src: (event.target as HTMLVideoElement).currentSrc, shows: document.body.innerText });
        }, true);
      }
    }, undefined, { timeout: 2_000 });
    return true;
  } catch {
    return false;
  }
}

/** When a video of `prompt`, not shown before `since`, started playing in the panel (stamped in the webview). */
async function playedAfter(ui: Workbench, since: number, prompt: string, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  const video = ui.webviewFrame().locator('video');
  for (;;) {
    const plays = await ui.webviewFrame().locator('body').evaluate(
      () => (window as unknown as { benchPlays?: PlayRecord[] }).benchPlays ?? [],
      undefined,
      { timeout: 2_000 },
    ).catch(() => [] as PlayRecord[]);
    // A video shown before is not the new one: the previous result loops, and each loop fires `playing` again. And
    // the panel must show this sample's prompt (each differs from the one before): an earlier result played again
    // under a new address is not it.
    const shownBefore = new Set(plays.filter((record) => record.at <= since).map((record) => record.src));
    const play = plays.find((record) => record.at > since && !shownBefore.has(record.src) && record.shows.includes(prompt));
    if (play) {
      return play.at;
    }
    if (plays.length === 0 && await video.count().catch(() => 0) > 0) {
      // The panel was built anew (a new document): watch it from now on.
      await watchPlays(ui);
    }
    if (Date.now() > deadline) {
      throw new Error('no new video played in the panel');
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Selects line `line` (holding `prompt`) of the active editor as a person would with the keyboard: Quick Open's Go
 * to Line (`:<line>`; in the browser Ctrl+G is the browser's), then Expand Line Selection. (Find's match count, which
 * Workbench.selectText waits on, is hidden when the editor is as narrow as it gets beside the panel.)
 */
async function selectLine(ui: Workbench, line: number, prompt: string): Promise<void> {
  // Back to the editor (the panel opened beside it without taking the focus; this makes sure).
  await ui.page.keyboard.press('Control+1');
  await ui.page.keyboard.press('Control+P');
  await ui.quickInputBox().waitFor();
  await ui.quickInputBox().fill(`:${line}`);
  await ui.quickInputBox().press('Enter');
  await ui.page.locator(QUICK_INPUT).waitFor({ state: 'hidden' });
  await ui.page.keyboard.press('Control+L');
  // The line and its line break.
  await ui.page.locator('.statusbar-item').filter({ hasText: `(${prompt.length + 1} selected)` }).waitFor();
}

/** Opens the palette on the command and waits for its entry; the Enter that runs it is left to the caller. */
async function paletteReady(ui: Workbench): Promise<void> {
  const widget = ui.page.locator(QUICK_INPUT);
  if (await widget.isVisible()) {
    await ui.page.keyboard.press('Escape');
    await widget.waitFor({ state: 'hidden' });
  }
  await ui.page.keyboard.press('F1');
  await ui.quickInputBox().fill(`>${COMMAND}`);
  await ui.page.locator(`${QUICK_INPUT} .monaco-list-row[aria-label^="${COMMAND}"]`).first().waitFor({ timeout: 30_000 });
}

/**
 * The key press (Enter on the palette's entry, the selection made before) → the new video playing in the panel,
 * against the script, alternately. Returns the row; the workbench must show the sample workspace.
 */
export async function measureInVscode(ui: Workbench, options: VscodeMeasureOptions): Promise<Row> {
  const imitation = new FalImitationControl(ui.imitationUrl);
  await imitation.configure({ timing: { queuePositions: 0, queueMs: 0, processingMs: options.processingMs, logSteps: 4 } });
  configurePageScript(ui.imitationUrl, options.setKey ?? BENCH_KEY);
  if (options.setKey) {
    await ui.runCommand('AnimateDiff: Set fal API Key');
    await ui.answerInputBox(options.setKey);
    await ui.notification(/fal API key saved/).waitFor();
  }
  const prompts = promptLines(ui.workspaceDir);
  // From the Explorer: Quick Open's file search can take longer than its helper waits while code-server starts up.
  await ui.page.locator('.explorer-folders-view .monaco-list-row[aria-label="prompts.md"]').dblclick();
  await ui.activeEditor().and(ui.page.locator('.monaco-editor[data-uri$="/prompts.md"]')).waitFor({ timeout: 60_000 });
  let sample = 0;
  let prompt = prompts[0];
  let scriptRuns = 0;
  const result = await interleave(
    async () => {
      prompt = prompts[sample++ % prompts.length];
      await selectLine(ui, prompt.line, prompt.text);
      await paletteReady(ui);
      const watching = await watchPlays(ui);
      const pressedAt = Date.now();
      await ui.page.keyboard.press('Enter');
      if (!watching) {
        // The first generation opens the panel: watched once it is there (the video may have started already).
        await ui.webviewFrame().getByText(prompt.text).first().waitFor({ timeout: 60_000 });
        await watchPlays(ui);
        await ui.webviewFrame().locator('video').evaluate((element: HTMLVideoElement) => new Promise<void>((resolve) => {
          if (!element.paused && element.currentTime > 0) {
            resolve();
            return;
          }
          element.addEventListener('playing', () => resolve(), { once: true });
        }), undefined, { timeout: 60_000 });
        return Date.now() - pressedAt;
      }
      return (await playedAfter(ui, pressedAt, prompt.text, 60_000)) - pressedAt;
    },
    async () => {
      const started = Date.now();
      await runPageScript(ENDPOINT, { prompt: prompt.text, ...INPUT }, path.join(options.scratch, `script-${scriptRuns++}.mp4`));
      return Date.now() - started;
    },
    { samples: options.samples, warmup: options.warmup },
  );
  return {
    bench: 'vscode',
    measure: `in VS Code (code-server): key press → video playing, vs the script, ${options.processingMs} ms processing`,
    unit: 'ms',
    subject: stats(result.subject),
    baseline: { label: 'script', stats: stats(result.baseline) },
    target: { on: 'ratio', max: 0.9, text: '≤ 0.9×' },
  };
}

interface Scratch {
  dir: string;
  env: Record<string, string>;
  path(name: string): string;
  remove(): void;
}

/** test/harness/code-server.js and prepare.js (plain JavaScript), as far as this uses them. */
interface Harness {
  requireTools(): unknown;
  createScratch(prefix: string): Scratch;
  childEnv(scratchEnv: Record<string, string>, extra?: Record<string, string>): Record<string, string>;
  installExtension(options: { vsix: string; extensionsDir: string; userDataDir: string; scratch: Scratch }): Promise<string>;
  startCodeServer(options: { scratch: Scratch; userDataDir: string; extensionsDir: string; env?: Record<string, string> }): Promise<{ url: string; stop(): Promise<void> }>;
  launchChromiumServer(options: { env?: Record<string, string> }): Promise<{ wsEndpoint(): string; close(): Promise<void> }>;
  sampleWorkspace: string;
}

async function main(): Promise<void> {
  if (QUICK) {
    console.log('vscode: quick mode runs in the UI stage of npm test (test/ui/benchmark.test.ts), where code-server is up; nothing measured here');
    return;
  }
  /* eslint-disable @typescript-eslint/no-require-imports */
  const harness = require(path.join(REPO_ROOT, 'test', 'harness', 'code-server.js')) as Harness;
  const { packageExtension } = require(path.join(REPO_ROOT, 'test', 'harness', 'prepare.js')) as { packageExtension(vsix: string): void };
  /* eslint-enable @typescript-eslint/no-require-imports */
  harness.requireTools();
  const scratch = harness.createScratch('animatediff-bench-vscode-');
  const cleanups: Array<() => Promise<unknown> | unknown> = [() => scratch.remove()];
  try {
    const vsix = scratch.path('animatediff-turbo.vsix');
    packageExtension(vsix);
    const userDataDir = scratch.path('user-data');
    const extensionsDir = scratch.path('extensions');
    await harness.installExtension({ vsix, extensionsDir, userDataDir, scratch });
    const imitationProcess = spawn(process.execPath, [path.join(REPO_ROOT, 'out', 'test', 'fal-imitation', 'main.js')], { stdio: ['ignore', 'pipe', 'inherit'] });
    cleanups.push(() => imitationProcess.kill('SIGTERM'));
    const imitationUrl = await new Promise<string>((resolve, reject) => {
      let text = '';
      imitationProcess.stdout.on('data', (chunk: Buffer) => {
        text += chunk.toString('utf8');
        const match = /FAL_IMITATION_URL=(\S+)/.exec(text);
        if (match) {
          resolve(match[1]);
        }
      });
      imitationProcess.once('exit', (code) => reject(new Error(`the fal imitation exited (${code})`)));
    });
    // The key comes from the environment, as a developer's FAL_KEY would.
    const server = await harness.startCodeServer({ scratch, userDataDir, extensionsDir, env: { ANIMATEDIFF_FAL_SANDBOX_URL: imitationUrl, FAL_KEY: BENCH_KEY } });
    cleanups.push(() => server.stop());
    const browser = await harness.launchChromiumServer({ env: harness.childEnv(scratch.env) });
    cleanups.push(() => browser.close());
    const workspaces = scratch.path('workspaces');
    mkdirSync(workspaces, { recursive: true });
    mkdirSync(scratch.path('videos'), { recursive: true });
    Object.assign(process.env, {
      ANIMATEDIFF_UI_WORKBENCH_URL: server.url,
      ANIMATEDIFF_UI_USER_DATA: userDataDir,
      ANIMATEDIFF_UI_RESTRICTED_WORKBENCH_URL: server.url,
      ANIMATEDIFF_UI_SAMPLE_WORKSPACE: harness.sampleWorkspace,
      ANIMATEDIFF_UI_WORKSPACES: workspaces,
      ANIMATEDIFF_FAL_SANDBOX_URL: imitationUrl,
      ANIMATEDIFF_UI_BROWSER_ENDPOINT: browser.wsEndpoint(),
      ANIMATEDIFF_UI_SCREENSHOTS: path.join(REPO_ROOT, 'test-output', 'screenshots'),
    });
    // The first load of a code-server just started takes far longer than the UI helpers' 20 s on a loaded machine.
    const workbench = await openWorkbench({ loadTimeoutMs: 180_000 });
    cleanups.push(() => workbench.close());
    const samples = Number(process.env.BENCH_SAMPLES ?? 6);
    console.log(`vscode: code-server ${server.url}; ${samples} samples per side (after 1 warm-up)`);
    try {
      for (const processingMs of [1500, 1750]) {
        report(await measureInVscode(workbench, { samples, warmup: 1, processingMs, scratch: scratch.path('videos') }));
      }
    } catch (error) {
      console.error(`screenshot of the failure: ${await workbench.screenshot('vscode-bench-failure').catch(() => 'none')}`);
      throw error;
    }
  } finally {
    for (const cleanup of cleanups.reverse()) {
      await Promise.resolve().then(cleanup).catch((error: unknown) => console.error(`clean-up: ${String(error)}`));
    }
  }
}

if (require.main === module) {
  main().then(() => process.exit(0), (error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
