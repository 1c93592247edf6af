import { z } from 'zod';

/**
 * The one protocol between the extension host and the video panel's webview.
 * Imported by both sides; each side validates what it receives with these schemas.
 */

export const generationViewSchema = z.object({
  /** Stable id of the generation (history id). */
  id: z.string(),
  prompt: z.string(),
  negativePrompt: z.string(),
  seed: z.number().int().nullable(),
  endpoint: z.string(),
  size: z.object({ label: z.string(), width: z.number(), height: z.number() }),
  frames: z.number(),
  fps: z.number(),
  steps: z.number(),
  guidance: z.number(),
  /** Wall-clock time from submit to result, in milliseconds. */
  totalMs: z.number().nullable(),
  /** fal's reported inference time, in seconds. */
  inferenceSeconds: z.number().nullable(),
  /** A URI the webview may load: the remote result URL or a webview URI of a local copy. */
  videoSrc: z.string(),
  /** Present when the result came from the local fal imitation, not from fal. */
  sandboxNote: z.string().nullable(),
});
export type GenerationView = z.infer<typeof generationViewSchema>;

/** One video in a batch grid (issue 3): a finished video or a failure. */
export const gridItemSchema = z.discriminatedUnion('state', [
  z.object({ state: z.literal('done'), view: generationViewSchema }),
  z.object({ state: z.literal('failed'), label: z.string(), reason: z.string() }),
  z.object({ state: z.literal('running'), label: z.string(), detail: z.string() }),
]);
export type GridItem = z.infer<typeof gridItemSchema>;

export const toWebviewMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('showGeneration'), generation: generationViewSchema }),
  z.object({ type: z.literal('showGrid'), title: z.string(), items: z.array(gridItemSchema) }),
  z.object({ type: z.literal('notice'), text: z.string() }),
]);
export type ToWebviewMessage = z.infer<typeof toWebviewMessageSchema>;

export const fromWebviewMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('saveVideo'), id: z.string() }),
  z.object({ type: z.literal('copySeed'), id: z.string() }),
  z.object({ type: z.literal('rerunWithSeed'), id: z.string() }),
  z.object({ type: z.literal('saveParameters'), id: z.string() }),
  z.object({ type: z.literal('openGeneration'), id: z.string() }),
  z.object({ type: z.literal('videoError'), id: z.string(), code: z.number().nullable(), message: z.string() }),
  z.object({ type: z.literal('videoPlaying'), id: z.string() }),
]);
export type FromWebviewMessage = z.infer<typeof fromWebviewMessageSchema>;

/** State the webview keeps with `setState` so a restored panel shows the same generation. */
export const webviewStateSchema = z.object({ generationId: z.string().nullable() });
export type WebviewState = z.infer<typeof webviewStateSchema>;
