import * as z from 'zod/mini';

/**
 * The one protocol between the extension host and the video panel's webview.
 * Imported by both sides; each side validates what it receives with these schemas.
 */

export const generationViewSchema = z.object({
  /** Stable id of the generation (history id). */
  id: z.string(),
  prompt: z.string(),
  negativePrompt: z.string(),
  seed: z.nullable(z.number().check(z.int())),
  endpoint: z.string(),
  size: z.object({ label: z.string(), width: z.number(), height: z.number() }),
  /** null when the request did not say (the panel shows "not reported"). */
  frames: z.nullable(z.number()),
  fps: z.nullable(z.number()),
  steps: z.nullable(z.number()),
  guidance: z.nullable(z.number()),
  /** Wall-clock time from submit to result, in milliseconds. */
  totalMs: z.nullable(z.number()),
  /** fal's reported inference time, in seconds. */
  inferenceSeconds: z.nullable(z.number()),
  /** A URI the webview may load: the remote result URL or a webview URI of a local copy. */
  videoSrc: z.string(),
  /** Present when the result came from the local fal imitation, not from fal. */
  sandboxNote: z.nullable(z.string()),
  /** Its expected charge at fal's listed price (`$0.01`, `price unknown`); absent when not recorded. */
  charge: z.optional(z.nullable(z.string())),
});
export type GenerationView = z.infer<typeof generationViewSchema>;

/** One video in a batch grid (issue 3): a finished video, a failure, or one still running. */
export const gridItemSchema = z.discriminatedUnion('state', [
  z.object({ state: z.literal('done'), view: generationViewSchema }),
  z.object({ state: z.literal('failed'), label: z.string(), reason: z.string() }),
  z.object({ state: z.literal('running'), label: z.string(), detail: z.string() }),
]);
export type GridItem = z.infer<typeof gridItemSchema>;

export const toWebviewMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('showGeneration'),
    generation: generationViewSchema,
    /** True when the generation was opened from a batch grid the panel can go back to. */
    canReturnToGrid: z.optional(z.boolean()),
  }),
  z.object({ type: z.literal('showGrid'), title: z.string(), items: z.array(gridItemSchema) }),
  z.object({ type: z.literal('notice'), text: z.string() }),
  /**
   * Encode the video at `src` (one the panel may load) for export: a GIF or WebM of every frame at `fps`, or a PNG
   * of one representative frame (a History thumbnail), `width` pixels wide. Answered by `encoded` or `encodeFailed`.
   */
  z.object({
    type: z.literal('encode'),
    requestId: z.string(),
    src: z.string(),
    format: z.literal(['gif', 'webm', 'png']),
    width: z.number(),
    fps: z.number(),
    loop: z.boolean(),
  }),
]);
export type ToWebviewMessage = z.infer<typeof toWebviewMessageSchema>;
export type EncodeRequest = Extract<ToWebviewMessage, { type: 'encode' }>;

// What the webview posts is in ./fromWebview.ts: only the host parses it, so the panel's bundle leaves its schemas out.
export type { FromWebviewMessage, PanelNavigationMessage, WebviewMessage, WebviewState } from './fromWebview';

/**
 * Every string the webview shows, localised on the host. `{0}`, `{1}` are filled in by the webview.
 * Keys are listed explicitly so both sides are type-checked against the same set.
 */
export const panelStringsSchema = z.object({
  prompt: z.string(),
  negativePrompt: z.string(),
  seed: z.string(),
  size: z.string(),
  frames: z.string(),
  fps: z.string(),
  steps: z.string(),
  guidance: z.string(),
  totalTime: z.string(),
  inferenceTime: z.string(),
  /** The row of a generation's expected charge. */
  price: z.string(),
  /** A tile's `{0}` inference time, labelled: it is not the clip's length. */
  inferenceValue: z.string(),
  endpoint: z.string(),
  details: z.string(),
  notReported: z.string(),
  /** `{0}` seconds, e.g. "12.3 s". */
  secondsValue: z.string(),
  /** `{0}` minutes and `{1}` seconds, e.g. "2 min 5 s". */
  minutesSecondsValue: z.string(),
  /** `{0}` frames lasting `{1}` (a duration), e.g. "16 (2.0 s)". */
  framesValue: z.string(),
  /** `{0}` frames per second. */
  fpsValue: z.string(),
  /** `{0}` size name, `{1}` width, `{2}` height. */
  sizeValue: z.string(),
  /** `{0}` seed. */
  seedLabel: z.string(),
  /** `{0}` prompt: accessible name of the video element. */
  videoLabel: z.string(),
  saveVideo: z.string(),
  copySeed: z.string(),
  copyAsCode: z.string(),
  rerunWithSeed: z.string(),
  saveParameters: z.string(),
  exportVideo: z.string(),
  insertMarkdown: z.string(),
  open: z.string(),
  backToGrid: z.string(),
  actions: z.string(),
  loading: z.string(),
  videoErrorTitle: z.string(),
  videoErrorDecode: z.string(),
  videoErrorNetwork: z.string(),
  videoErrorAborted: z.string(),
  videoErrorUnknown: z.string(),
  playAll: z.string(),
  pauseAll: z.string(),
  restartAll: z.string(),
  compareControls: z.string(),
  /** Labels a tile's list of the parameters in which it differs from the other videos of the grid. */
  differences: z.string(),
  /** `{0}` number of videos. */
  gridCount: z.string(),
  /** `{0}` number of failed items. */
  gridFailedCount: z.string(),
  /** `{0}` number of running items. */
  gridRunningCount: z.string(),
  failed: z.string(),
  running: z.string(),
  gridEmpty: z.string(),
  /** Display names of the model's `video_size` values, by name; `custom` for a width/height object. */
  sizeNames: z.record(z.string(), z.string()),
});
export type PanelStrings = z.infer<typeof panelStringsSchema>;

/** What the host embeds in the panel's HTML (JSON in an escaped `data-*` attribute of a `<meta>` element). */
export const panelInitialDataSchema = z.object({
  /** VS Code's display language, for number formatting. */
  locale: z.string(),
  strings: panelStringsSchema,
  /** What to show at once, in the same shape as the later update messages. */
  content: z.nullable(toWebviewMessageSchema),
  /** Webview URI of dist/webview/export.js, the encoders, loaded (with the page's nonce) at the first `encode`. */
  exportScript: z.optional(z.string()),
});
export type PanelInitialData = z.infer<typeof panelInitialDataSchema>;

/** The `<meta>` element and attribute that carry {@link PanelInitialData}. */
export const PANEL_DATA_ELEMENT_ID = 'animatediff-panel-data';
export const PANEL_DATA_ATTRIBUTE = 'data-panel';
