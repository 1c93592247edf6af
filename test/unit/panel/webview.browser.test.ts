import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createNonce } from '../../../src/panel/csp';
import { buildPanelHtml } from '../../../src/panel/html';
import type { GenerationView, PanelInitialData, ToWebviewMessage, WebviewMessage } from '../../../src/shared/protocol';
import { panelStringsFixture } from '../shared/fixtures';

/**
 * The real webview bundle (dist/webview/panel.js, built by `node esbuild.js`) and media/panel.css, served
 * under the real CSP in Debian's Chromium with a stub `acquireVsCodeApi`: what the panel shows, what it posts,
 * and what the CSP lets through.
 */

const repoRoot = path.join(__dirname, '..', '..', '..', '..');
const CHROMIUM = '/usr/bin/chromium';
const HOSTILE_PROMPT = `a fox "><img src=x onerror="window.__injected=1"><script>window.__injected=2</script>`;

interface Server {
  readonly origin: string;
  close(): void;
}

type Route = { readonly type: string; readonly body: () => Buffer };

/** Serves fixed routes, with the byte ranges media elements ask for. */
async function serve(routes: Record<string, Route>): Promise<Server> {
  const server = http.createServer((request, response) => {
    const route = routes[new URL(request.url ?? '/', 'http://localhost').pathname];
    if (!route) {
      response.writeHead(404).end();
      return;
    }
    const body = route.body();
    const range = /bytes=(\d+)-(\d*)/.exec(request.headers.range ?? '');
    if (range) {
      const start = Number(range[1]);
      const end = range[2] ? Math.min(Number(range[2]), body.length - 1) : body.length - 1;
      response.writeHead(206, { 'content-type': route.type, 'accept-ranges': 'bytes', 'content-range': `bytes ${start}-${end}/${body.length}` });
      response.end(body.subarray(start, end + 1));
      return;
    }
    response.writeHead(200, { 'content-type': route.type, 'accept-ranges': 'bytes', 'content-length': body.length });
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

function generation(overrides: Partial<GenerationView>): GenerationView {
  return {
    id: 'gen-1',
    prompt: 'a red fox trotting through snow',
    negativePrompt: 'blurry',
    seed: 2417758329,
    endpoint: 'fal-ai/fast-animatediff/turbo/text-to-video',
    size: { label: 'square', width: 512, height: 512 },
    frames: 16,
    fps: 8,
    steps: 4,
    guidance: 1,
    totalMs: 12_345,
    inferenceSeconds: 1.874,
    videoSrc: '',
    sandboxNote: null,
    ...overrides,
  };
}

describe('video panel webview in Chromium', function () {
  let browser: Browser;
  let site: Server;
  let videos: Server;
  let foreign: Server;
  let html = '';

  before(async function () {
    const bundle = path.join(repoRoot, 'dist', 'webview', 'panel.js');
    assert.ok(fs.existsSync(bundle), 'dist/webview/panel.js exists (run `node esbuild.js` first)');
    assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} exists (test/harness/install-tools.sh installs it)`);
    const clip = fs.readFileSync(path.join(repoRoot, 'test', 'fixtures', 'clip.mp4'));
    const videoRoutes: Record<string, Route> = {
      '/clip.mp4': { type: 'video/mp4', body: () => clip },
      '/broken.mp4': { type: 'video/mp4', body: () => Buffer.from('this is not a video '.repeat(500)) },
    };
    site = await serve({
      '/panel.html': { type: 'text/html', body: () => Buffer.from(html) },
      '/panel.js': { type: 'text/javascript', body: () => fs.readFileSync(bundle) },
      '/panel.css': { type: 'text/css', body: () => fs.readFileSync(path.join(repoRoot, 'media', 'panel.css')) },
    });
    videos = await serve(videoRoutes);
    foreign = await serve(videoRoutes);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  after(async () => {
    await browser?.close();
    site?.close();
    videos?.close();
    foreign?.close();
  });

  /** Opens the panel showing `content`, its CSP allowing media from `mediaOrigins` only. */
  async function openPanel(content: ToWebviewMessage, mediaOrigins: string[]): Promise<Page> {
    const strings = {
      ...panelStringsFixture(),
      secondsValue: '{0} s',
      inferenceValue: '{0} inference',
      framesValue: '{0} ({1} of video)',
      fpsValue: '{0} fps',
      sizeValue: '{0} · {1} × {2}',
      sizeNames: { square: 'Square' },
    };
    const initialData: PanelInitialData = { locale: 'en', strings, content };
    html = buildPanelHtml({
      cspSource: site.origin,
      nonce: createNonce(),
      mediaOrigins,
      localMedia: false,
      scriptUri: `${site.origin}/panel.js`,
      styleUri: `${site.origin}/panel.css`,
      language: 'en',
      title: 'Video',
      initialData,
    });
    const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
    await page.addInitScript(() => {
      const record = window as unknown as { __posted: unknown[]; __state: unknown };
      record.__posted = [];
      (window as unknown as { acquireVsCodeApi: () => unknown }).acquireVsCodeApi = () => ({
        postMessage: (message: unknown) => record.__posted.push(message),
        getState: () => record.__state,
        setState: (state: unknown) => {
          record.__state = state;
        },
      });
    });
    await page.goto(`${site.origin}/panel.html`);
    return page;
  }

  const posted = (page: Page) => page.evaluate(() => (window as unknown as { __posted: WebviewMessage[] }).__posted);
  const state = (page: Page) => page.evaluate(() => (window as unknown as { __state: unknown }).__state);
  const waitForPosted = (page: Page, type: WebviewMessage['type'], id?: string) =>
    page.waitForFunction(
      ([wanted, wantedId]) => (window as unknown as { __posted: Array<{ type: string; id?: string }> }).__posted.some((m) => m.type === wanted && (wantedId === undefined || m.id === wantedId)),
      [type, id] as const,
    );

  it('plays the video at once, muted and looping, reports videoPlaying and keeps the generation id', async () => {
    const page = await openPanel({ type: 'showGeneration', generation: generation({ videoSrc: `${videos.origin}/clip.mp4` }) }, [videos.origin]);
    await waitForPosted(page, 'videoPlaying', 'gen-1');
    const video = await page.locator('video').evaluate((element: HTMLVideoElement) => ({
      muted: element.muted,
      loop: element.loop,
      controls: element.controls,
      paused: element.paused,
      readyState: element.readyState,
      width: element.videoWidth,
    }));
    assert.deepEqual(video, { muted: true, loop: true, controls: true, paused: false, readyState: video.readyState, width: 512 });
    assert.ok(video.readyState >= 2);
    assert.deepEqual((await posted(page))[0], { type: 'ready' });
    assert.deepEqual(await state(page), { generationId: 'gen-1' });
    await page.close();
  });

  it('shows every detail, formatted', async () => {
    const page = await openPanel({ type: 'showGeneration', generation: generation({ videoSrc: `${videos.origin}/clip.mp4` }) }, [videos.origin]);
    const rows = await page.locator('dl.meta .meta-row').evaluateAll((elements) =>
      elements.map((row) => [row.querySelector('dt')?.textContent, row.querySelector('dd')?.textContent]),
    );
    // Labels are the fixture's strings: each key in angle brackets.
    assert.deepEqual(Object.fromEntries(rows), {
      '<seed>': '2417758329',
      '<size>': 'Square · 512 × 512',
      '<frames>': '16 (2.0 s of video)',
      '<fps>': '8 fps',
      '<steps>': '4',
      '<guidance>': '1',
      '<totalTime>': '12.3 s',
      '<inferenceTime>': '1.9 s',
      '<negativePrompt>': 'blurry',
      '<endpoint>': 'fal-ai/fast-animatediff/turbo/text-to-video',
    });
    assert.equal(await page.locator('h1').textContent(), 'a red fox trotting through snow');
    await page.close();
  });

  it('renders a hostile prompt as text: nothing it contains runs', async () => {
    const page = await openPanel({ type: 'showGeneration', generation: generation({ prompt: HOSTILE_PROMPT, videoSrc: `${videos.origin}/clip.mp4` }) }, [videos.origin]);
    await waitForPosted(page, 'videoPlaying');
    assert.equal(await page.locator('h1').textContent(), HOSTILE_PROMPT);
    assert.equal(await page.locator('img').count(), 0);
    assert.equal(await page.evaluate(() => (window as unknown as { __injected?: number }).__injected), undefined);
    await page.close();
  });

  it('says why a file that will not decode cannot play, and posts videoError', async () => {
    const page = await openPanel({ type: 'showGeneration', generation: generation({ videoSrc: `${videos.origin}/broken.mp4` }) }, [videos.origin]);
    await waitForPosted(page, 'videoError', 'gen-1');
    const alert = page.getByRole('alert');
    assert.equal(await alert.isVisible(), true);
    assert.match((await alert.textContent()) ?? '', /<videoErrorTitle>.*<videoErrorDecode>/);
    const error = (await posted(page)).find((m) => m.type === 'videoError');
    assert.ok(error?.type === 'videoError' && (error.code === 3 || error.code === 4), JSON.stringify(error));
    assert.equal((await posted(page)).some((m) => m.type === 'videoPlaying'), false);
    await page.close();
  });

  it('cannot load a video from an origin the CSP does not list', async () => {
    const page = await openPanel({ type: 'showGeneration', generation: generation({ videoSrc: `${foreign.origin}/clip.mp4` }) }, [videos.origin]);
    await waitForPosted(page, 'videoError', 'gen-1');
    assert.equal((await posted(page)).some((m) => m.type === 'videoPlaying'), false);
    await page.close();
  });

  it('is usable from the keyboard: Tab reaches the actions, Enter and Space press them', async () => {
    const page = await openPanel({ type: 'showGeneration', generation: generation({ videoSrc: `${videos.origin}/clip.mp4` }) }, [videos.origin]);
    await waitForPosted(page, 'ready');
    // The video's own controls come first; the actions follow it in this order.
    await page.locator('video').focus();
    for (let presses = 0; presses < 20 && (await page.evaluate(() => document.activeElement?.tagName)) !== 'BUTTON'; presses++) {
      await page.keyboard.press('Tab');
    }
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), '<saveVideo>');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), '<copySeed>');
    await page.keyboard.press('Space');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    await page.keyboard.press(' ');
    const actions = (await posted(page)).filter((m) => m.type !== 'ready' && m.type !== 'videoPlaying');
    assert.deepEqual(actions, [
      { type: 'saveVideo', id: 'gen-1' },
      { type: 'copySeed', id: 'gen-1' },
      { type: 'rerunWithSeed', id: 'gen-1' },
      { type: 'saveParameters', id: 'gen-1' },
    ]);
    await page.close();
  });

  it('updates from host messages and ignores invalid ones', async () => {
    const page = await openPanel({ type: 'showGeneration', generation: generation({ videoSrc: `${videos.origin}/clip.mp4` }) }, [videos.origin]);
    await waitForPosted(page, 'videoPlaying', 'gen-1');
    await page.evaluate(() => window.postMessage({ type: 'showGeneration', generation: { id: 'oops' } }, '*'));
    await page.evaluate(
      (message) => window.postMessage(message, '*'),
      { type: 'showGeneration', generation: generation({ id: 'gen-2', prompt: 'a second video', videoSrc: `${videos.origin}/clip.mp4` }) } satisfies ToWebviewMessage,
    );
    await waitForPosted(page, 'videoPlaying', 'gen-2');
    assert.equal(await page.locator('h1').textContent(), 'a second video');
    assert.deepEqual(await state(page), { generationId: 'gen-2' });
    await page.evaluate(() => window.postMessage({ type: 'notice', text: 'It is gone.' }, '*'));
    await page.getByText('It is gone.').waitFor();
    assert.equal(await page.locator('video').count(), 0);
    assert.deepEqual(await state(page), { generationId: null });
    await page.close();
  });

  describe('batch grid', () => {
    const gridMessage = (): ToWebviewMessage => ({
      type: 'showGrid',
      title: 'Batch: fox.animate.json',
      items: [
        { state: 'done', view: generation({ id: 'a', seed: 1, videoSrc: `${videos.origin}/clip.mp4` }) },
        { state: 'done', view: generation({ id: 'b', seed: 2, videoSrc: `${videos.origin}/clip.mp4?b` }) },
        { state: 'failed', label: 'Seed 3', reason: 'fal rejected the request (422): num_frames must be at most 32' },
        { state: 'running', label: 'Seed 4', detail: 'In queue, position 2' },
      ],
    });

    it('shows every item with its state and keeps the done ids for a reload', async () => {
      const page = await openPanel(gridMessage(), [videos.origin]);
      await waitForPosted(page, 'videoPlaying', 'a');
      await waitForPosted(page, 'videoPlaying', 'b');
      assert.equal(await page.locator('li.tile').count(), 4);
      assert.equal(await page.locator('li.tile video').count(), 2);
      assert.match((await page.locator('li.tile-failed').textContent()) ?? '', /Seed 3.*num_frames must be at most 32/);
      assert.match((await page.locator('li.tile-running').textContent()) ?? '', /Seed 4.*In queue, position 2/);
      assert.deepEqual(await state(page), { generationId: null, grid: { title: 'Batch: fox.animate.json', generationIds: ['a', 'b'] } });
      await page.close();
    });

    it('marks what sets each video apart, and a seek on one moves the others there', async () => {
      const page = await openPanel({
        type: 'showGrid',
        title: 'Compare: 2 videos',
        items: [
          { state: 'done', view: generation({ id: 'a', seed: 1, steps: 4, videoSrc: `${videos.origin}/clip.mp4` }) },
          { state: 'done', view: generation({ id: 'b', seed: 1, steps: 8, videoSrc: `${videos.origin}/clip.mp4?b` }) },
        ],
      }, [videos.origin]);
      await waitForPosted(page, 'videoPlaying', 'a');
      await waitForPosted(page, 'videoPlaying', 'b');
      assert.equal(await page.locator('li[data-generation-id="b"] .tile-diff mark').textContent(), '8');
      assert.equal(await page.locator('li[data-generation-id="b"] .tile-diff').getAttribute('aria-label'), '<differences>');
      assert.equal(await page.locator('li[data-generation-id="a"] .tile-diff li').count(), 1, 'only the steps differ');
      assert.equal(await page.locator('.tile-text.differs').count(), 0, 'the prompts are the same');

      // Both paused at the start, then the first is moved: the second follows it there.
      await page.getByRole('button', { name: '<pauseAll>' }).click();
      const timeOf = (id: string) => page.locator(`li[data-generation-id="${id}"] video`).evaluate((video: HTMLVideoElement) => video.currentTime);
      await page.locator('li[data-generation-id="b"] video').evaluate((video: HTMLVideoElement) => { video.currentTime = 0; });
      await page.waitForFunction(() => Array.from(document.querySelectorAll("video")).every((video) => video.currentTime === 0 && !video.seeking));
      await page.locator('li[data-generation-id="a"] video').evaluate((video: HTMLVideoElement) => { video.currentTime = 1.25; });
      await page.waitForFunction(() => {
        const other = document.querySelector<HTMLVideoElement>('li[data-generation-id="b"] video');
        return other !== null && !other.seeking && Math.abs(other.currentTime - 1.25) < 0.05;
      }, undefined, { timeout: 15_000 });
      assert.equal(await timeOf('a'), 1.25);
      await page.close();
    });

    it('lays the tiles out in columns in a panel beside the editor, and labels fal\'s inference time', async () => {
      const page = await openPanel(gridMessage(), [videos.origin]);
      // About what a panel opened beside the editor gets in a 1280-pixel window with the sidebar open.
      await page.setViewportSize({ width: 480, height: 800 });
      const [first, second] = await Promise.all([0, 1].map((index) => page.locator('li.tile').nth(index).boundingBox()));
      assert.ok(first && second);
      assert.equal(second.y, first.y, 'the second tile sits beside the first');
      assert.ok(second.x > first.x + first.width - 1);
      const facts = (await page.locator('li[data-generation-id="a"] .tile-facts').textContent()) ?? '';
      assert.match(facts, /\d\.\d s inference$/, facts);
      await page.close();
    });

    it('per-item actions post with the item id; Open asks the host to show it alone', async () => {
      const page = await openPanel(gridMessage(), [videos.origin]);
      const tile = page.locator('li[data-generation-id="b"]');
      await tile.getByRole('button', { name: '<open>' }).click();
      await tile.getByRole('button', { name: '<copySeed>' }).click();
      await tile.getByRole('button', { name: '<rerunWithSeed>' }).click();
      const actions = (await posted(page)).filter((m) => m.type !== 'ready' && m.type !== 'videoPlaying');
      assert.deepEqual(actions, [
        { type: 'openGeneration', id: 'b' },
        { type: 'copySeed', id: 'b' },
        { type: 'rerunWithSeed', id: 'b' },
      ]);
      await page.close();
    });

    it('keeps finished videos playing when the grid is updated', async () => {
      const page = await openPanel(gridMessage(), [videos.origin]);
      await waitForPosted(page, 'videoPlaying', 'a');
      await page.locator('li[data-generation-id="a"] video').evaluate((element) => element.setAttribute('data-marker', 'original'));
      const update = gridMessage();
      if (update.type === 'showGrid') {
        update.items[3] = { state: 'done', view: generation({ id: 'd', seed: 4, videoSrc: `${videos.origin}/clip.mp4?d` }) };
      }
      await page.evaluate((message) => window.postMessage(message, '*'), update);
      await waitForPosted(page, 'videoPlaying', 'd');
      assert.equal(await page.locator('li[data-generation-id="a"] video').getAttribute('data-marker'), 'original');
      assert.equal(await page.locator('li.tile-running').count(), 0);
      await page.close();
    });

    it('Pause All pauses every video; Restart All Together seeks all to the start before playing any', async () => {
      const page = await openPanel(gridMessage(), [videos.origin]);
      await waitForPosted(page, 'videoPlaying', 'a');
      await waitForPosted(page, 'videoPlaying', 'b');
      await page.waitForFunction(() => Array.from(document.querySelectorAll('video')).every((video) => video.currentTime > 0));
      await page.getByRole('button', { name: '<pauseAll>' }).click();
      assert.deepEqual(await page.locator('video').evaluateAll((elements) => elements.map((v) => (v as HTMLVideoElement).paused)), [true, true]);

      await page.evaluate(() => {
        const log: string[] = [];
        (window as unknown as { __mediaEvents: string[] }).__mediaEvents = log;
        document.querySelectorAll('video').forEach((video, index) => {
          video.addEventListener('seeked', () => log.push(`seeked${index}`));
          video.addEventListener('play', () => log.push(`play${index}`));
        });
      });
      await page.getByRole('button', { name: '<restartAll>' }).click();
      await page.waitForFunction(() => (window as unknown as { __mediaEvents: string[] }).__mediaEvents.filter((e) => e.startsWith('play')).length === 2);
      const events = await page.evaluate(() => (window as unknown as { __mediaEvents: string[] }).__mediaEvents);
      const lastSeek = Math.max(events.lastIndexOf('seeked0'), events.lastIndexOf('seeked1'));
      const firstPlay = Math.min(events.indexOf('play0'), events.indexOf('play1'));
      assert.ok(lastSeek >= 0 && lastSeek < firstPlay, `every seek finished before any video started: ${events.join(', ')}`);
      await page.close();
    });
  });
});
