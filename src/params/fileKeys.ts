import { REGULAR_TEXT_TO_VIDEO, REGULAR_VIDEO_TO_VIDEO, TURBO_TEXT_TO_VIDEO, TURBO_VIDEO_TO_VIDEO, type AnimateDiffEndpoint } from '../model/animateDiff';

/*
 * What writing and running a parameter file needs to know of its shape, without the zod schemas of fileSchema.ts:
 * building those takes about 10 ms, which the core would pay at load for every window. The schemas' own keys are
 * checked against these lists by a unit test.
 */

const TEXT_TO_VIDEO_KEYS = Object.freeze(['$schema', 'endpoint', 'prompt', 'negative_prompt', 'num_frames', 'num_inference_steps', 'guidance_scale', 'seed', 'fps', 'motions', 'video_size', 'variations', 'output']);
const VIDEO_TO_VIDEO_KEYS = ['$schema', 'endpoint', 'video_url', 'prompt', 'negative_prompt', 'seed', 'first_n_seconds', 'fps', 'strength', 'guidance_scale', 'num_inference_steps'];

const KEYS_BY_ENDPOINT: Readonly<Record<AnimateDiffEndpoint, readonly string[]>> = {
  [TURBO_TEXT_TO_VIDEO]: TEXT_TO_VIDEO_KEYS,
  [REGULAR_TEXT_TO_VIDEO]: TEXT_TO_VIDEO_KEYS,
  [TURBO_VIDEO_TO_VIDEO]: Object.freeze([...VIDEO_TO_VIDEO_KEYS, 'variations', 'output']),
  // The regular endpoint also takes camera motions.
  [REGULAR_VIDEO_TO_VIDEO]: Object.freeze([...VIDEO_TO_VIDEO_KEYS, 'motions', 'variations', 'output']),
};

/** The keys a file for `endpoint` may contain, in the order templates write them. */
export function paramsKeysFor(endpoint: AnimateDiffEndpoint): readonly string[] {
  return KEYS_BY_ENDPOINT[endpoint] ?? [];
}

/** True for paths that do not depend on where the file is: POSIX or Windows absolute paths and URLs. */
export function isAbsoluteOrUrl(path: string): boolean {
  return /^[\\/]/.test(path) || /^[a-zA-Z]:/.test(path) || /^[a-zA-Z][\w+.-]*:\/\//.test(path);
}
