import * as z from 'zod/mini';
import { l10n } from '../l10n/l10n';

/**
 * The AnimateDiff Turbo text-to-video input, as specified on the model's page
 * (../shared/reference/fal-animatediff-turbo-page.txt). Every field is sent explicitly so a saved
 * parameter set reproduces the same request whatever fal's server defaults are that day.
 */
export const TURBO_TEXT_TO_VIDEO = 'fal-ai/fast-animatediff/turbo/text-to-video';

export const VIDEO_SIZE_NAMES = ['square_hd', 'square', 'portrait_4_3', 'portrait_16_9', 'landscape_4_3', 'landscape_16_9'] as const;
export type VideoSizeName = (typeof VIDEO_SIZE_NAMES)[number];

export const VIDEO_SIZE_PIXELS: Readonly<Record<VideoSizeName, { width: number; height: number }>> = {
  square_hd: { width: 1024, height: 1024 },
  square: { width: 512, height: 512 },
  portrait_4_3: { width: 768, height: 1024 },
  portrait_16_9: { width: 576, height: 1024 },
  landscape_4_3: { width: 1024, height: 768 },
  landscape_16_9: { width: 1024, height: 576 },
};

export const MOTIONS = ['zoom-out', 'zoom-in', 'pan-left', 'pan-right', 'tilt-up', 'tilt-down'] as const;
export type Motion = (typeof MOTIONS)[number];

export const MODEL_DEFAULTS = {
  negative_prompt: '(bad quality, worst quality:1.2), ugly faces, bad anime',
  num_frames: 16,
  num_inference_steps: 4,
  guidance_scale: 1,
  fps: 8,
  video_size: 'square' as VideoSizeName,
} as const;

export const LIMITS = {
  num_frames: { min: 1, max: 32 },
  num_inference_steps: { min: 1, max: 50, recommendedMin: 4, recommendedMax: 12 },
  guidance_scale: { min: 0, max: 20 },
  fps: { min: 1, max: 60 },
  seed: { min: 0, max: 2 ** 32 - 1 },
  dimension: { min: 1, max: 14142 },
  // fal publishes no bound. A prompt is a sentence or a paragraph; this keeps a pasted document from being sent.
  prompt: { maxLength: 10_000 },
  negative_prompt: { maxLength: 10_000 },
} as const;

/** A whole number from `min` to `max` (a zod schema; the settings and the parameter files use it too). */
export function wholeNumber(limits: { readonly min: number; readonly max: number }): z.ZodMiniNumber {
  return z.number().check(z.int(), z.minimum(limits.min), z.maximum(limits.max));
}

export const videoSizeSchema = z.union([
  z.enum(VIDEO_SIZE_NAMES),
  z.strictObject({
    width: z._default(wholeNumber(LIMITS.dimension), 512),
    height: z._default(wholeNumber(LIMITS.dimension), 512),
  }),
]);
export type VideoSize = z.infer<typeof videoSizeSchema>;

/** The exact JSON body sent to the turbo text-to-video endpoint. */
export const textToVideoInputSchema = z.strictObject({
  prompt: z.string().check(z.trim(), z.minLength(1)),
  negative_prompt: z.string(),
  num_frames: wholeNumber(LIMITS.num_frames),
  num_inference_steps: wholeNumber(LIMITS.num_inference_steps),
  guidance_scale: z.number().check(z.minimum(LIMITS.guidance_scale.min), z.maximum(LIMITS.guidance_scale.max)),
  seed: z.optional(wholeNumber(LIMITS.seed)),
  fps: wholeNumber(LIMITS.fps),
  video_size: videoSizeSchema,
  motions: z.optional(z.array(z.enum(MOTIONS))),
});
export type TextToVideoInput = z.infer<typeof textToVideoInputSchema>;

/** What the product takes from fal's output (the same for all four endpoints): the video, and the seed if fal says. */
export interface VideoOutput {
  video: { url: string; content_type?: string };
  seed: number | null;
}

export type VideoOutputReading = { ok: true; output: VideoOutput } | { ok: false; problem: string };

// `content_type` is read leniently below (anything but text is left out), so it is not checked here.
const videoPartSchema = z.object({ url: z.string().check(z.minLength(1)), content_type: z.optional(z.unknown()) });

/**
 * Reads fal's output: the video strictly (an absolute http(s) address — anything else cannot be shown or saved),
 * the rest leniently (an unusual `seed` is not reported rather than failing a paid result).
 */
export function readVideoOutput(raw: unknown): VideoOutputReading {
  const record = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const video = videoPartSchema.safeParse(record.video);
  if (!video.success) {
    return { ok: false, problem: 'it returned no video' };
  }
  const { url, content_type: contentType } = video.data;
  if (!isWebAddress(url)) {
    return { ok: false, problem: l10n.t('the video address it returned, {0}, is not a web address', JSON.stringify(url.length > 120 ? `${url.slice(0, 119)}…` : url)) };
  }
  const seed = record.seed;
  return {
    ok: true,
    output: {
      video: { url, ...(typeof contentType === 'string' && contentType ? { content_type: contentType } : {}) },
      seed: typeof seed === 'number' && Number.isSafeInteger(seed) && seed >= 0 ? seed : null,
    },
  };
}

/** An absolute http or https URL. */
export function isWebAddress(text: string): boolean {
  try {
    const { protocol } = new URL(text);
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
}

export function videoSizePixels(size: VideoSize): { width: number; height: number } {
  return typeof size === 'string' ? VIDEO_SIZE_PIXELS[size] : size;
}

// ---- The whole AnimateDiff family (parameter files can target any of the four endpoints) ----------

export const REGULAR_TEXT_TO_VIDEO = 'fal-ai/fast-animatediff/text-to-video';
export const TURBO_VIDEO_TO_VIDEO = 'fal-ai/fast-animatediff/turbo/video-to-video';
export const REGULAR_VIDEO_TO_VIDEO = 'fal-ai/fast-animatediff/video-to-video';

export const ANIMATEDIFF_ENDPOINTS = [TURBO_TEXT_TO_VIDEO, REGULAR_TEXT_TO_VIDEO, TURBO_VIDEO_TO_VIDEO, REGULAR_VIDEO_TO_VIDEO] as const;
export type AnimateDiffEndpoint = (typeof ANIMATEDIFF_ENDPOINTS)[number];

export function isAnimateDiffEndpoint(value: unknown): value is AnimateDiffEndpoint {
  return typeof value === 'string' && (ANIMATEDIFF_ENDPOINTS as readonly string[]).includes(value);
}

export function isVideoToVideoEndpoint(endpoint: AnimateDiffEndpoint): endpoint is typeof TURBO_VIDEO_TO_VIDEO | typeof REGULAR_VIDEO_TO_VIDEO {
  return endpoint === TURBO_VIDEO_TO_VIDEO || endpoint === REGULAR_VIDEO_TO_VIDEO;
}

export function isTurboEndpoint(endpoint: AnimateDiffEndpoint): boolean {
  return endpoint === TURBO_TEXT_TO_VIDEO || endpoint === TURBO_VIDEO_TO_VIDEO;
}

/**
 * The tuning defaults each endpoint publishes (fal's model pages / @fal-ai/client endpoint types).
 * The turbo text-to-video values are MODEL_DEFAULTS; the others differ, so a turbo-tuned value
 * (4 steps) is never silently sent to an endpoint that needs 25.
 */
export const ENDPOINT_TUNING_DEFAULTS: Readonly<Record<AnimateDiffEndpoint, { num_inference_steps: number; guidance_scale: number }>> = {
  [TURBO_TEXT_TO_VIDEO]: { num_inference_steps: MODEL_DEFAULTS.num_inference_steps, guidance_scale: MODEL_DEFAULTS.guidance_scale },
  [REGULAR_TEXT_TO_VIDEO]: { num_inference_steps: 25, guidance_scale: 7.5 },
  [TURBO_VIDEO_TO_VIDEO]: { num_inference_steps: 12, guidance_scale: 2 },
  [REGULAR_VIDEO_TO_VIDEO]: { num_inference_steps: 25, guidance_scale: 7.5 },
};

export const VIDEO_TO_VIDEO_DEFAULTS = {
  first_n_seconds: 3,
  strength: 0.7,
} as const;

export const VIDEO_TO_VIDEO_LIMITS = {
  strength: { min: 0, max: 1 },
  // fal publishes no upper bound.
  first_n_seconds: { min: 1 },
} as const;

/** The exact JSON body sent to either video-to-video endpoint (`motions` only on the regular one). */
export interface VideoToVideoInput {
  video_url: string;
  prompt: string;
  negative_prompt: string;
  seed?: number;
  first_n_seconds: number;
  fps: number;
  strength: number;
  guidance_scale: number;
  num_inference_steps: number;
  motions?: Motion[];
}
