import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type * as vscode from 'vscode';
import type * as VideoPanelModule from '../../../src/panel/videoPanel';
import type { GenerationSummary } from '../../../src/panel/generationView';
import type { VideoPanelHost } from '../../../src/panel/videoPanel';
import { PANEL_DATA_ATTRIBUTE, panelInitialDataSchema, type FromWebviewMessage, type PanelInitialData, type ToWebviewMessage } from '../../../src/shared/protocol';
import { CSP_SOURCE, FakeUri, fakeVscode, requireWithFakeVscode, type FakeWebviewPanel } from './fakeVscode';

const { VideoPanelManager, VIDEO_PANEL_VIEW_TYPE } = requireWithFakeVscode<typeof VideoPanelModule>(path.join(__dirname, '..', '..', '..', 'src', 'panel', 'videoPanel'));

const EXTENSION = FakeUri.file('/ext');
const STORAGE = FakeUri.file('/storage');
const FAL = 'https://v3.fal.media';

function summary(id: string, prompt = `prompt of ${id}`): GenerationSummary {
  return {
    id,
    prompt,
    negativePrompt: 'blurry',
    seed: 7,
    endpoint: 'fal-ai/fast-animatediff/turbo/text-to-video',
    size: { label: 'square', width: 512, height: 512 },
    frames: Number.NaN,
    fps: 8,
    steps: 4,
    guidance: 1,
    totalMs: 1000,
    inferenceSeconds: 0.5,
    sandboxNote: null,
  };
}

const uri = (value: string) => FakeUri.parse(value) as unknown as vscode.Uri;
const file = (value: string) => FakeUri.file(value) as unknown as vscode.Uri;

class FakeHost implements VideoPanelHost {
  readonly handled: FromWebviewMessage[] = [];
  readonly warnings: string[] = [];
  readonly known = new Map<string, { view: GenerationSummary; video: vscode.Uri }>();
  failNextMessage = false;

  handleMessage(message: FromWebviewMessage): void {
    if (this.failNextMessage) {
      this.failNextMessage = false;
      throw new Error('handler exploded');
    }
    this.handled.push(message);
  }
  async resolveGeneration(id: string) {
    return this.known.get(id);
  }
  localVideoRoots(): vscode.Uri[] {
    return [STORAGE as unknown as vscode.Uri];
  }
  private warningWaiters: Array<() => void> = [];

  logWarning(text: string): void {
    this.warnings.push(text);
    this.warningWaiters.splice(0).forEach((wake) => wake());
  }

  nextWarning(): Promise<void> {
    return new Promise((resolve) => this.warningWaiters.push(resolve));
  }
}

function cspOf(html: string): Map<string, string[]> {
  const content = /http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html)?.[1] ?? '';
  return new Map(content.replace(/&#39;/g, "'").split('; ').map((directive) => {
    const [name, ...sources] = directive.split(' ');
    return [name, sources];
  }));
}

function initialDataOf(html: string): PanelInitialData {
  const raw = new RegExp(`${PANEL_DATA_ATTRIBUTE}="([^"]*)"`).exec(html)?.[1] ?? '';
  const json = raw.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  return panelInitialDataSchema.parse(JSON.parse(json));
}

function nonceOf(html: string): string | undefined {
  return /<script nonce="([^"]+)"/.exec(html)?.[1];
}

/** Resolves once the manager has finished acting on the next message from the webview. */
function nextMessage(manager: VideoPanelModule.VideoPanelManager): Promise<FromWebviewMessage> {
  return new Promise((resolve) => {
    const subscription = manager.onDidReceiveMessage((message) => {
      subscription.dispose();
      resolve(message);
    });
  });
}

describe('VideoPanelManager', () => {
  let host: FakeHost;
  let manager: VideoPanelModule.VideoPanelManager;
  const panels = () => fakeVscode.window.createdPanels;
  const onlyPanel = (): FakeWebviewPanel => {
    assert.equal(panels().length, 1, 'exactly one panel');
    return panels()[0];
  };

  /** Posts a message as the webview would and waits until the manager has acted on it. */
  const send = async (panel: FakeWebviewPanel, message: unknown) => {
    const received = nextMessage(manager);
    panel.webview.receive(message);
    await received;
  };

  beforeEach(() => {
    fakeVscode.window.createdPanels.length = 0;
    host = new FakeHost();
    manager = new VideoPanelManager(EXTENSION as unknown as vscode.Uri, host);
  });

  afterEach(() => manager.dispose());

  it('opens one panel beside the editor, without taking focus, scripts on and command links off', () => {
    manager.showGeneration(summary('a'), uri(`${FAL}/files/a.mp4`));
    const panel = onlyPanel();
    assert.equal(panel.viewType, VIDEO_PANEL_VIEW_TYPE);
    assert.deepEqual(panel.showOptions, { viewColumn: fakeVscode.ViewColumn.Beside, preserveFocus: true });
    const options = panel.webview.options as vscode.WebviewPanelOptions & vscode.WebviewOptions;
    assert.equal(options.enableScripts, true);
    assert.equal(options.enableCommandUris, false);
    assert.notEqual(options.retainContextWhenHidden, true);
    assert.deepEqual(options.localResourceRoots?.map(String), ['file:///ext/dist/webview', 'file:///ext/media', 'file:///storage']);
    assert.equal(panel.title, 'Video: prompt of a');
    assert.equal(manager.visibleGenerationId, 'a');
  });

  it('renders the first video into the HTML with media-src exactly its origin', () => {
    manager.showGeneration(summary('a'), uri(`${FAL}/files/a.mp4`));
    const html = onlyPanel().webview.html;
    assert.deepEqual(cspOf(html).get('media-src'), [FAL]);
    const content = initialDataOf(html).content;
    assert.equal(content?.type, 'showGeneration');
    assert.equal(content.type === 'showGeneration' && content.generation.videoSrc, `${FAL}/files/a.mp4`);
    assert.equal(content.type === 'showGeneration' && content.generation.frames, null, 'NaN becomes null');
  });

  it('reuses the panel and sends a message, not new HTML, for a video from the same origin', async () => {
    manager.showGeneration(summary('a'), uri(`${FAL}/files/a.mp4`));
    const panel = onlyPanel();
    await send(panel, { type: 'ready' });
    manager.showGeneration(summary('b'), uri(`${FAL}/files/b.mp4`));
    assert.equal(panels().length, 1);
    assert.equal(panel.webview.htmlHistory.length, 1);
    assert.equal(panel.webview.posted.length, 1);
    const posted = panel.webview.posted[0] as ToWebviewMessage;
    assert.equal(posted.type === 'showGeneration' && posted.generation.id, 'b');
    assert.equal(manager.visibleGenerationId, 'b');
    assert.equal(panel.title, 'Video: prompt of b');
  });

  it('holds updates until the webview is ready, then sends only the newest', async () => {
    manager.showGeneration(summary('a'), uri(`${FAL}/files/a.mp4`));
    manager.showGeneration(summary('b'), uri(`${FAL}/files/b.mp4`));
    manager.showGeneration(summary('c'), uri(`${FAL}/files/c.mp4`));
    const panel = onlyPanel();
    assert.deepEqual(panel.webview.posted, []);
    await send(panel, { type: 'ready' });
    assert.equal(panel.webview.posted.length, 1);
    const posted = panel.webview.posted[0] as ToWebviewMessage;
    assert.equal(posted.type === 'showGeneration' && posted.generation.id, 'c');
  });

  it('encodes in the webview: asks once it is ready, with the shown video\'s webview URI, and takes its answer', async () => {
    manager.showGeneration(summary('a'), file('/storage/videos/a.mp4'));
    const panel = onlyPanel();
    assert.equal(initialDataOf(panel.webview.html).exportScript, `${CSP_SOURCE}/file/ext/dist/webview/export.js`);
    const encoded = manager.encode('a', { format: 'gif', width: 256, fps: 8, loop: true });
    assert.deepEqual(panel.webview.posted, [], 'nothing is posted before the webview is ready');
    await send(panel, { type: 'ready' });
    const request = panel.webview.posted[0] as Extract<ToWebviewMessage, { type: 'encode' }>;
    assert.deepEqual({ ...request, requestId: typeof request.requestId }, {
      type: 'encode', requestId: 'string', src: `${CSP_SOURCE}/file/storage/videos/a.mp4`, format: 'gif', width: 256, fps: 8, loop: true,
    });
    panel.webview.receive({ type: 'encoded', requestId: 'not this one', data: 'AAAA', frames: 1, width: 1, height: 1 });
    panel.webview.receive({ type: 'encoded', requestId: request.requestId, data: Buffer.from('GIF89a').toString('base64'), frames: 16, width: 256, height: 256 });
    const result = await encoded;
    assert.equal(Buffer.from(result.bytes).toString(), 'GIF89a');
    assert.deepEqual({ frames: result.frames, width: result.width, height: result.height }, { frames: 16, width: 256, height: 256 });
  });

  it('an encode fails with the webview\'s reason, for a video not shown, and when the panel closes', async () => {
    manager.showGeneration(summary('a'), uri(`${FAL}/files/a.mp4`));
    const panel = onlyPanel();
    await send(panel, { type: 'ready' });
    await assert.rejects(manager.encode('b', { format: 'png', width: 160, fps: 1, loop: false }), /does not show this video/);
    const failing = manager.encode('a', { format: 'webm', width: 512, fps: 8, loop: true });
    const { requestId } = panel.webview.posted[0] as Extract<ToWebviewMessage, { type: 'encode' }>;
    panel.webview.receive({ type: 'encodeFailed', requestId, message: 'no WebCodecs VP8 encoder' });
    await assert.rejects(failing, /no WebCodecs VP8 encoder/);
    const pending = manager.encode('a', { format: 'gif', width: 256, fps: 8, loop: true });
    panel.dispose();
    await assert.rejects(pending, /was closed/);
  });

  it('rebuilds the HTML with a new nonce when a video from another origin must enter the CSP', async () => {
    manager.showGeneration(summary('a'), uri(`${FAL}/files/a.mp4`));
    const panel = onlyPanel();
    await send(panel, { type: 'ready' });
    manager.showGeneration(summary('b'), uri('http://127.0.0.1:4567/files/b.mp4'));
    assert.equal(panel.webview.htmlHistory.length, 2);
    assert.deepEqual(cspOf(panel.webview.html).get('media-src'), ['http://127.0.0.1:4567']);
    assert.notEqual(nonceOf(panel.webview.htmlHistory[0]), nonceOf(panel.webview.htmlHistory[1]));
    assert.deepEqual(panel.webview.posted, []);
  });

  it('shows a local copy through a webview URI, with only the webview source in media-src', () => {
    manager.showGeneration(summary('a'), file('/storage/videos/a.mp4'));
    const html = onlyPanel().webview.html;
    assert.deepEqual(cspOf(html).get('media-src'), [CSP_SOURCE]);
    const content = initialDataOf(html).content;
    assert.equal(content?.type === 'showGeneration' && content.generation.videoSrc, `${CSP_SOURCE}/file/storage/videos/a.mp4`);
    assert.deepEqual(host.warnings, []);
  });

  it('warns (once) when a local video is outside the folders the panel may read', () => {
    manager.showGeneration(summary('a'), file('/elsewhere/a.mp4'));
    manager.showGeneration(summary('a'), file('/elsewhere/a.mp4'));
    assert.equal(host.warnings.length, 1);
    assert.match(host.warnings[0], /outside the folders/);
  });

  it('reveals a hidden panel without taking focus, and gives it current HTML', () => {
    manager.showGeneration(summary('a'), uri(`${FAL}/files/a.mp4`));
    const panel = onlyPanel();
    panel.setVisible(false);
    manager.showGeneration(summary('b'), uri(`${FAL}/files/b.mp4`));
    assert.deepEqual(panel.reveals, [{ viewColumn: undefined, preserveFocus: true }]);
    assert.equal(panels().length, 1);
  });

  it('refreshes the HTML of a panel that is hidden after a message update, so it reloads current', async () => {
    manager.showGeneration(summary('a'), uri(`${FAL}/files/a.mp4`));
    const panel = onlyPanel();
    await send(panel, { type: 'ready' });
    manager.showGeneration(summary('b'), uri(`${FAL}/files/b.mp4`));
    panel.setVisible(false);
    const content = initialDataOf(panel.webview.html).content;
    assert.equal(content?.type === 'showGeneration' && content.generation.id, 'b');
  });

  it('passes valid actions to the host, without keys the protocol does not know', async () => {
    manager.showGeneration(summary('a'), uri(`${FAL}/files/a.mp4`));
    const received = nextMessage(manager);
    onlyPanel().webview.receive({ type: 'saveVideo', id: 'a', extra: 'dropped' });
    await received;
    assert.deepEqual(host.handled, [{ type: 'saveVideo', id: 'a' }]);
  });

  it('ignores and logs invalid messages, and never throws for a failing handler', async () => {
    manager.showGeneration(summary('a'), uri(`${FAL}/files/a.mp4`));
    const panel = onlyPanel();
    for (const invalid of [undefined, 'saveVideo', { type: 'saveVideo' }, { type: 'rm -rf', id: 'a' }, { type: 'copySeed', id: 3 }]) {
      panel.webview.receive(invalid);
    }
    assert.equal(host.warnings.length, 5);
    assert.ok(host.warnings.every((warning) => /Ignored an invalid message/.test(warning)));
    host.failNextMessage = true;
    const warned = host.nextWarning();
    panel.webview.receive({ type: 'copySeed', id: 'a' });
    await warned;
    assert.deepEqual(host.handled, []);
    assert.match(host.warnings.at(-1) ?? '', /"copySeed" action failed: handler exploded/);
  });

  it('records what the webview reports about playback', async () => {
    manager.showGeneration(summary('a'), uri(`${FAL}/files/a.mp4`));
    const panel = onlyPanel();
    await send(panel, { type: 'videoPlaying', id: 'a' });
    assert.deepEqual(manager.playbackOf('a'), { state: 'playing' });
    await send(panel, { type: 'videoError', id: 'b', code: 4, message: 'not supported' });
    assert.deepEqual(manager.playbackOf('b'), { state: 'error', code: 4, message: 'not supported' });
  });

  it('opens a grid item on its own and goes back to the grid, without bothering the host', async () => {
    manager.showGrid('Batch (3)', [
      { state: 'done', view: summary('a'), video: uri(`${FAL}/files/a.mp4`) },
      { state: 'failed', label: 'Seed 2', reason: '422' },
      { state: 'running', label: 'Seed 3', detail: 'In queue' },
    ]);
    const panel = onlyPanel();
    assert.equal(panel.title, 'Batch (3)');
    assert.deepEqual(manager.shownGenerationIds, ['a']);
    assert.equal(manager.visibleGenerationId, undefined);
    await send(panel, { type: 'ready' });

    await send(panel, { type: 'openGeneration', id: 'a' });
    const opened = panel.webview.posted.at(-1) as ToWebviewMessage;
    assert.equal(opened.type, 'showGeneration');
    assert.equal(opened.type === 'showGeneration' && opened.canReturnToGrid, true);
    assert.equal(manager.visibleGenerationId, 'a');

    panel.webview.receive({ type: 'backToGrid' });
    const back = panel.webview.posted.at(-1) as ToWebviewMessage;
    assert.equal(back.type, 'showGrid');
    assert.deepEqual(host.handled.filter((message) => message.type !== 'ready'), []);
  });

  it('creates a new panel after the user closed it, and closes its panel when disposed', () => {
    manager.showGeneration(summary('a'), uri(`${FAL}/files/a.mp4`));
    panels()[0].dispose();
    assert.equal(manager.visibleGenerationId, undefined);
    manager.showGeneration(summary('b'), uri(`${FAL}/files/b.mp4`));
    assert.equal(panels().length, 2);
    manager.dispose();
    assert.equal(panels()[1].disposed, true);
  });

  describe('restoring after a reload', () => {
    const restoredPanel = () => fakeVscode.window.createWebviewPanel(VIDEO_PANEL_VIEW_TYPE, 'old title', {}, {});

    it('shows the same generation again, without revealing the panel', async () => {
      host.known.set('a', { view: summary('a'), video: uri(`${FAL}/files/a.mp4`) });
      const panel = restoredPanel();
      panel.visible = false;
      await manager.deserializeWebviewPanel(panel as unknown as vscode.WebviewPanel, { generationId: 'a' });
      assert.equal(manager.visibleGenerationId, 'a');
      assert.deepEqual(panel.reveals, []);
      assert.equal((panel.webview.options as vscode.WebviewOptions).enableCommandUris, false);
      const content = initialDataOf(panel.webview.html).content;
      assert.equal(content?.type === 'showGeneration' && content.generation.id, 'a');
      assert.equal(panel.title, 'Video: prompt of a');
    });

    it('restores a batch grid from its finished ids', async () => {
      host.known.set('a', { view: summary('a'), video: uri(`${FAL}/files/a.mp4`) });
      const panel = restoredPanel();
      await manager.deserializeWebviewPanel(panel as unknown as vscode.WebviewPanel, { generationId: null, grid: { title: 'Batch', generationIds: ['a', 'gone'] } });
      assert.deepEqual(manager.shownGenerationIds, ['a']);
      assert.equal(initialDataOf(panel.webview.html).content?.type, 'showGrid');
    });

    it('says plainly when the generation is gone', async () => {
      const panel = restoredPanel();
      await manager.deserializeWebviewPanel(panel as unknown as vscode.WebviewPanel, { generationId: 'gone' });
      const content = initialDataOf(panel.webview.html).content;
      assert.equal(content?.type, 'notice');
      assert.match(content?.type === 'notice' ? content.text : '', /no longer available/);
      assert.equal(cspOf(panel.webview.html).has('media-src'), false);
    });

    it('treats a foreign state as nothing to restore, and logs it', async () => {
      const panel = restoredPanel();
      await manager.deserializeWebviewPanel(panel as unknown as vscode.WebviewPanel, { generationId: 42 });
      assert.equal(initialDataOf(panel.webview.html).content?.type, 'notice');
      assert.match(host.warnings[0] ?? '', /invalid state/);
    });

    it('keeps one panel: a restored panel arriving after a new one is closed', async () => {
      manager.showGeneration(summary('a'), uri(`${FAL}/files/a.mp4`));
      const panel = restoredPanel();
      await manager.deserializeWebviewPanel(panel as unknown as vscode.WebviewPanel, { generationId: 'a' });
      assert.equal(panel.disposed, true);
      assert.equal(panels()[0].disposed, false);
    });
  });
});
