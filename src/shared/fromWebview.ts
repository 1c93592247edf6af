import * as z from 'zod/mini';

/**
 * The webview → host half of the protocol (see protocol.ts), apart so that the panel's bundle, which only posts these
 * messages, does not carry their schemas. The host validates every incoming message with them.
 */

/** What the webview asks of the extension (handed on to its handler). */
const fromWebviewMessages = [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('saveVideo'), id: z.string() }),
  z.object({ type: z.literal('copySeed'), id: z.string() }),
  z.object({ type: z.literal('copyAsCode'), id: z.string() }),
  z.object({ type: z.literal('rerunWithSeed'), id: z.string() }),
  z.object({ type: z.literal('saveParameters'), id: z.string() }),
  z.object({ type: z.literal('exportVideo'), id: z.string() }),
  z.object({ type: z.literal('insertMarkdown'), id: z.string() }),
  /** Show one generation of the grid on its own (handled by the panel manager itself). */
  z.object({ type: z.literal('openGeneration'), id: z.string() }),
  /** `code` is the HTMLMediaElement's MediaError code (1 aborted, 2 network, 3 decode, 4 source not supported). */
  z.object({ type: z.literal('videoError'), id: z.string(), code: z.nullable(z.number()), message: z.string() }),
  z.object({ type: z.literal('videoPlaying'), id: z.string() }),
] as const;

/** Navigation inside the panel, handled by the panel manager and never passed on to the extension's handler. */
const panelNavigationMessages = [
  /** Go back from a single generation to the batch grid it was opened from. */
  z.object({ type: z.literal('backToGrid') }),
  /** The answer to `encode`: the file's bytes in base64, its frame count and size in pixels. */
  z.object({ type: z.literal('encoded'), requestId: z.string(), data: z.string(), frames: z.number(), width: z.number(), height: z.number() }),
  z.object({ type: z.literal('encodeFailed'), requestId: z.string(), message: z.string() }),
] as const;

export const fromWebviewMessageSchema = z.discriminatedUnion('type', [...fromWebviewMessages]);
export type FromWebviewMessage = z.infer<typeof fromWebviewMessageSchema>;

export const panelNavigationMessageSchema = z.discriminatedUnion('type', [...panelNavigationMessages]);
export type PanelNavigationMessage = z.infer<typeof panelNavigationMessageSchema>;

/** Everything the webview may post (one union for this direction); what the host validates incoming messages with. */
export const webviewMessageSchema = z.discriminatedUnion('type', [...fromWebviewMessages, ...panelNavigationMessages]);
export type WebviewMessage = z.infer<typeof webviewMessageSchema>;

/** State the webview keeps with `setState` so a restored panel shows the same generation (or batch). */
export const webviewStateSchema = z.object({
  generationId: z.nullable(z.string()),
  grid: z.optional(z.object({ title: z.string(), generationIds: z.array(z.string()) })),
});
export type WebviewState = z.infer<typeof webviewStateSchema>;
