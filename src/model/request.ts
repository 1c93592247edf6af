import { MODEL_DEFAULTS, type Motion, type TextToVideoInput, type VideoSize } from './animateDiff';

/** The defaults applied to every field a prompt or parameter file does not set (from user settings). */
export interface GenerationDefaults {
  negative_prompt: string;
  num_frames: number;
  num_inference_steps: number;
  guidance_scale: number;
  fps: number;
  video_size: VideoSize;
  /** Undefined means: let fal pick a random seed. */
  seed?: number;
  /** Empty or undefined sends no `motions`. */
  motions?: readonly Motion[];
}

export const BUILT_IN_DEFAULTS: GenerationDefaults = { ...MODEL_DEFAULTS };

/** Builds the exact text-to-video body: every field explicit, `seed` and `motions` only when set. */
export function buildTextToVideoInput(
  prompt: string,
  defaults: GenerationDefaults,
  overrides: Partial<Omit<TextToVideoInput, 'prompt'>> = {},
): TextToVideoInput {
  const merged = { ...defaults, ...overrides };
  const input: TextToVideoInput = {
    prompt: prompt.trim(),
    negative_prompt: merged.negative_prompt,
    num_frames: merged.num_frames,
    num_inference_steps: merged.num_inference_steps,
    guidance_scale: merged.guidance_scale,
    fps: merged.fps,
    video_size: merged.video_size,
  };
  if (merged.seed !== undefined) {
    input.seed = merged.seed;
  }
  if (merged.motions && merged.motions.length > 0) {
    input.motions = [...merged.motions];
  }
  return input;
}
