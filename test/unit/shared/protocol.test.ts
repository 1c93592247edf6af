import * as assert from 'node:assert/strict';
import { fromWebviewMessageSchema, webviewMessageSchema, webviewStateSchema } from '../../../src/shared/fromWebview';
import { panelInitialDataSchema, toWebviewMessageSchema, type GenerationView } from '../../../src/shared/protocol';
import { panelStringsFixture } from './fixtures';

const view: GenerationView = {
  id: 'gen-1',
  prompt: 'a cat surfing',
  negativePrompt: 'blurry',
  seed: 123,
  endpoint: 'fal-ai/fast-animatediff/turbo/text-to-video',
  size: { label: 'square', width: 512, height: 512 },
  frames: 16,
  fps: 8,
  steps: 4,
  guidance: 1,
  totalMs: 8000,
  inferenceSeconds: 1.5,
  videoSrc: 'https://v3.fal.media/files/a.mp4',
  sandboxNote: null,
};

describe('protocol: messages from the webview', () => {
  const valid: unknown[] = [
    { type: 'ready' },
    { type: 'saveVideo', id: 'gen-1' },
    { type: 'copySeed', id: 'gen-1' },
    { type: 'rerunWithSeed', id: 'gen-1' },
    { type: 'saveParameters', id: 'gen-1' },
    { type: 'openGeneration', id: 'gen-1' },
    { type: 'videoPlaying', id: 'gen-1' },
    { type: 'videoError', id: 'gen-1', code: 4, message: 'MEDIA_ERR_SRC_NOT_SUPPORTED' },
    { type: 'videoError', id: 'gen-1', code: null, message: 'no video track' },
  ];

  it('accepts every action the panel posts', () => {
    for (const message of valid) {
      assert.deepEqual(fromWebviewMessageSchema.parse(message), message);
      assert.deepEqual(webviewMessageSchema.parse(message), message);
    }
  });

  it('rejects unknown types, missing or mistyped fields, and non-objects', () => {
    const invalid: unknown[] = [
      undefined,
      null,
      'saveVideo',
      42,
      {},
      { type: 'deleteEverything', id: 'gen-1' },
      { type: 'saveVideo' },
      { type: 'saveVideo', id: 7 },
      { type: 'copySeed', id: null },
      { type: 'videoError', id: 'gen-1', code: '4', message: 'x' },
      { type: 'videoError', id: 'gen-1', message: 'x' },
      { type: 'videoPlaying' },
      { type: 'SAVEVIDEO', id: 'gen-1' },
    ];
    for (const message of invalid) {
      assert.equal(webviewMessageSchema.safeParse(message).success, false, JSON.stringify(message));
    }
  });

  it('keeps panel navigation away from the extension handler', () => {
    assert.equal(webviewMessageSchema.safeParse({ type: 'backToGrid' }).success, true);
    assert.equal(fromWebviewMessageSchema.safeParse({ type: 'backToGrid' }).success, false);
  });

  it('drops keys the protocol does not know', () => {
    assert.deepEqual(fromWebviewMessageSchema.parse({ type: 'saveVideo', id: 'gen-1', path: '/etc/passwd' }), { type: 'saveVideo', id: 'gen-1' });
  });
});

describe('protocol: messages to the webview', () => {
  it('accepts a generation, a grid with each item state, and a notice', () => {
    const messages: unknown[] = [
      { type: 'showGeneration', generation: view },
      { type: 'showGeneration', generation: { ...view, seed: null, frames: null, fps: null, steps: null, guidance: null, totalMs: null, inferenceSeconds: null, sandboxNote: 'Sandbox result' }, canReturnToGrid: true },
      {
        type: 'showGrid',
        title: 'Batch',
        items: [
          { state: 'done', view },
          { state: 'failed', label: 'Seed 2', reason: '422: num_frames must be at most 32' },
          { state: 'running', label: 'Seed 3', detail: 'In queue, position 1' },
        ],
      },
      { type: 'showGrid', title: 'Empty batch', items: [] },
      { type: 'notice', text: 'Gone.' },
    ];
    for (const message of messages) {
      assert.deepEqual(toWebviewMessageSchema.parse(message), message);
    }
  });

  it('rejects what the webview could not render', () => {
    const invalid: unknown[] = [
      { type: 'showGeneration' },
      { type: 'showGeneration', generation: { ...view, videoSrc: undefined } },
      { type: 'showGeneration', generation: { ...view, seed: 1.5 } },
      // JSON has no NaN: the host sends null for an unknown number.
      { type: 'showGeneration', generation: { ...view, frames: Number.NaN } },
      { type: 'showGrid', title: 'Batch', items: [{ state: 'queued', label: 'x' }] },
      { type: 'showGrid', title: 'Batch', items: [{ state: 'failed', label: 'x' }] },
      { type: 'notice' },
      { type: 'reload' },
    ];
    for (const message of invalid) {
      assert.equal(toWebviewMessageSchema.safeParse(message).success, false, JSON.stringify(message));
    }
  });
});

describe('protocol: webview state and initial data', () => {
  it('accepts the states the webview saves', () => {
    for (const state of [{ generationId: 'gen-1' }, { generationId: null }, { generationId: null, grid: { title: 'Batch', generationIds: ['a', 'b'] } }]) {
      assert.deepEqual(webviewStateSchema.parse(state), state);
    }
  });

  it('rejects a missing or foreign state (restoring then shows a notice)', () => {
    for (const state of [undefined, null, {}, { generationId: 5 }, { generationId: null, grid: { title: 'x', generationIds: [1] } }, 'gen-1']) {
      assert.equal(webviewStateSchema.safeParse(state).success, false, JSON.stringify(state));
    }
  });

  it('requires every string the webview shows', () => {
    const strings = panelStringsFixture();
    assert.equal(panelInitialDataSchema.safeParse({ locale: 'en', strings, content: null }).success, true);
    const { saveVideo: _dropped, ...incomplete } = strings;
    assert.equal(panelInitialDataSchema.safeParse({ locale: 'en', strings: incomplete, content: null }).success, false);
  });
});
