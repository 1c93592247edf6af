import { posix } from 'node:path';
import { isInsideFolder } from '../util/paths';
import { PARAMS_FILE_SUFFIX } from './ids';
import { buildTextToVideoInput, type GenerationDefaults } from '../model/request';
import {
  ENDPOINT_TUNING_DEFAULTS,
  LIMITS,
  REGULAR_TEXT_TO_VIDEO,
  REGULAR_VIDEO_TO_VIDEO,
  TURBO_TEXT_TO_VIDEO,
  TURBO_VIDEO_TO_VIDEO,
  VIDEO_TO_VIDEO_DEFAULTS,
  type TextToVideoInput,
  type VideoToVideoInput,
} from '../model/animateDiff';
import { isAbsoluteOrUrl } from './fileKeys';
import type { ParamsFile, TextToVideoParams, VideoToVideoParams } from './fileSchema';
import { l10n } from '../l10n/l10n';

/** One submission to fal, built from a parameter file. */
export type ParamsRequest =
  | { endpoint: typeof TURBO_TEXT_TO_VIDEO | typeof REGULAR_TEXT_TO_VIDEO; input: TextToVideoInput; label: string; seed: number }
  | { endpoint: typeof TURBO_VIDEO_TO_VIDEO | typeof REGULAR_VIDEO_TO_VIDEO; input: VideoToVideoInput; label: string; seed: number };

/**
 * The requests a validated file asks for: one per seed of a seed list, `variations` requests with
 * distinct random seeds, or a single request.
 *
 * Nothing is left to fal's server defaults: each field the file omits gets `defaults` (the user's
 * `animateDiff.defaults.*` settings), except `num_inference_steps` and `guidance_scale` on the
 * endpoints other than turbo text-to-video — the settings are tuned for turbo text-to-video, so
 * those endpoints get their own published defaults. Every request carries an explicit seed (the
 * file's, the configured one, or `randomSeed()`), so each result is reproducible and its file name
 * is known before it is submitted.
 */
export function buildRequestsFromParams(params: ParamsFile, defaults: GenerationDefaults, randomSeed: () => number): ParamsRequest[] {
  const seeds = seedsFor(params, defaults, randomSeed);
  return seeds.map((seed, index) => {
    const label = seeds.length === 1 ? l10n.t('seed {0}', seed) : l10n.t('{0} of {1} · seed {2}', index + 1, seeds.length, seed);
    if (params.endpoint === TURBO_VIDEO_TO_VIDEO || params.endpoint === REGULAR_VIDEO_TO_VIDEO) {
      return { endpoint: params.endpoint, input: videoToVideoInput(params, defaults, seed), label, seed };
    }
    return { endpoint: params.endpoint, input: textToVideoInput(params, defaults, seed), label, seed };
  });
}

/** A uniformly random seed in fal's range, from the platform's cryptographic generator. */
export function cryptoRandomSeed(): number {
  return globalThis.crypto.getRandomValues(new Uint32Array(1))[0];
}

function seedsFor(params: ParamsFile, defaults: GenerationDefaults, randomSeed: () => number): number[] {
  if (Array.isArray(params.seed)) {
    return [...params.seed];
  }
  if (params.variations !== undefined) {
    return distinctSeeds(params.variations, randomSeed);
  }
  if (typeof params.seed === 'number') {
    return [params.seed];
  }
  if (params.seed === undefined && defaults.seed !== undefined) {
    return [defaults.seed];
  }
  return distinctSeeds(1, randomSeed);
}

function distinctSeeds(count: number, randomSeed: () => number): number[] {
  const span = LIMITS.seed.max - LIMITS.seed.min + 1;
  const toSeed = (value: number) => LIMITS.seed.min + (Number.isFinite(value) ? Math.floor(Math.abs(value)) % span : 0);
  const seeds = new Set<number>();
  for (let attempt = 0; seeds.size < count && attempt < count * 20; attempt++) {
    seeds.add(toSeed(randomSeed()));
  }
  // Only a generator that keeps repeating itself gets here; counting up still gives distinct seeds.
  let next = seeds.size > 0 ? [...seeds][seeds.size - 1] : LIMITS.seed.min;
  while (seeds.size < count) {
    next = toSeed(next + 1);
    seeds.add(next);
  }
  return [...seeds];
}

function textToVideoInput(params: TextToVideoParams, defaults: GenerationDefaults, seed: number): TextToVideoInput {
  const base: GenerationDefaults = params.endpoint === TURBO_TEXT_TO_VIDEO
    ? defaults
    : { ...defaults, ...ENDPOINT_TUNING_DEFAULTS[params.endpoint] };
  const overrides: Partial<Omit<TextToVideoInput, 'prompt'>> = { seed };
  if (params.negative_prompt !== undefined) {
    overrides.negative_prompt = params.negative_prompt;
  }
  if (params.num_frames !== undefined) {
    overrides.num_frames = params.num_frames;
  }
  if (params.num_inference_steps !== undefined) {
    overrides.num_inference_steps = params.num_inference_steps;
  }
  if (params.guidance_scale !== undefined) {
    overrides.guidance_scale = params.guidance_scale;
  }
  if (params.fps !== undefined) {
    overrides.fps = params.fps;
  }
  if (params.video_size !== undefined) {
    overrides.video_size = params.video_size;
  }
  if (params.motions !== undefined) {
    overrides.motions = params.motions;
  }
  return buildTextToVideoInput(params.prompt, base, overrides);
}

function videoToVideoInput(params: VideoToVideoParams, defaults: GenerationDefaults, seed: number): VideoToVideoInput {
  const tuning = ENDPOINT_TUNING_DEFAULTS[params.endpoint];
  const input: VideoToVideoInput = {
    video_url: params.video_url,
    prompt: params.prompt,
    negative_prompt: params.negative_prompt ?? defaults.negative_prompt,
    seed,
    first_n_seconds: params.first_n_seconds ?? VIDEO_TO_VIDEO_DEFAULTS.first_n_seconds,
    fps: params.fps ?? defaults.fps,
    strength: params.strength ?? VIDEO_TO_VIDEO_DEFAULTS.strength,
    guidance_scale: params.guidance_scale ?? tuning.guidance_scale,
    num_inference_steps: params.num_inference_steps ?? tuning.num_inference_steps,
  };
  if (params.endpoint === REGULAR_VIDEO_TO_VIDEO) {
    const motions = params.motions ?? defaults.motions;
    if (motions && motions.length > 0) {
      input.motions = [...motions];
    }
  }
  return input;
}

// ---- Where results go ---------------------------------------------------------------------------

/** `sunset.animate.json` → `sunset` (any other name loses only its last extension). */
export function paramsFileStem(fileName: string): string {
  const base = fileName.replace(/^.*[\\/]/, '');
  if (base.toLowerCase().endsWith(PARAMS_FILE_SUFFIX) && base.length > PARAMS_FILE_SUFFIX.length) {
    return base.slice(0, -PARAMS_FILE_SUFFIX.length);
  }
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

/** The video and its result record for one seed: `<name>-<seed>.mp4` and `<name>-<seed>.result.json`. */
export function outputNameFor(fileBaseName: string, seed: number): { video: string; record: string } {
  const name = `${paramsFileStem(fileBaseName)}-${seed}`;
  return { video: `${name}.mp4`, record: `${name}.result.json` };
}

export type PathResolution = { ok: true; path: string } | { ok: false; message: string };

/**
 * The folder for a file's results: `output` resolved against the parameter file's folder, refused
 * when it leaves `workspaceRoot` (or, for a file outside any workspace folder, the file's own folder).
 *
 * Paths are URI paths — forward slashes, as in `vscode.Uri.path` — so the same logic holds on every
 * platform; `\` in `output` is read as a separator so files written on Windows work everywhere. This
 * is a lexical check: the VS Code layer resolves symbolic links before writing.
 */
export function resolveOutputFolder(paramsFilePath: string, output: string | undefined, workspaceRoot: string | undefined): PathResolution {
  const fileFolder = posix.dirname(toUriPath(paramsFilePath));
  if (output === undefined || output.trim() === '') {
    return { ok: true, path: fileFolder };
  }
  const relative = output.trim().replace(/\\/g, '/');
  if (isAbsoluteOrUrl(relative)) {
    return { ok: false, message: l10n.t('"output" must be a folder relative to the parameter file, not {0}.', JSON.stringify(output)) };
  }
  const folder = posix.join(fileFolder, relative).replace(/\/+$/, '') || '/';
  const root = workspaceRoot === undefined ? fileFolder : toUriPath(workspaceRoot);
  if (!isInsideFolder(folder, root, posix)) {
    return {
      ok: false,
      message: workspaceRoot === undefined
        ? l10n.t('"output" {0} leads outside the parameter file\'s folder ({1}); results are only written inside it.', JSON.stringify(output), root)
        : l10n.t('"output" {0} leads outside the workspace folder ({1}); results are only written inside it.', JSON.stringify(output), root),
    };
  }
  return { ok: true, path: folder };
}

export type VideoSource =
  | { kind: 'url'; url: string }
  | { kind: 'data'; url: string }
  | { kind: 'file'; path: string }
  | { kind: 'refused'; message: string };

/**
 * What a video-to-video `video_url` refers to: an http(s) URL or a `data:` URI (sent as they are),
 * or a local file (uploaded to fal storage first) which must lie inside `workspaceRoot`. Paths are
 * URI paths, as for `resolveOutputFolder`; `file://` URIs are accepted as local paths.
 */
export function resolveVideoSource(videoUrl: string, paramsFilePath: string, workspaceRoot: string | undefined): VideoSource {
  const value = videoUrl.trim();
  if (/^data:/i.test(value)) {
    return { kind: 'data', url: value };
  }
  if (/^https?:\/\//i.test(value)) {
    return { kind: 'url', url: value };
  }
  let local = value;
  if (/^file:\/\//i.test(value)) {
    try {
      local = decodeURIComponent(new URL(value).pathname);
    } catch {
      return { kind: 'refused', message: l10n.t('"video_url" {0} is not a valid file URI.', JSON.stringify(videoUrl)) };
    }
  } else if (/^[a-zA-Z][\w+.-]*:/.test(value) && !/^[a-zA-Z]:[\\/]/.test(value)) {
    return {
      kind: 'refused',
      message: l10n.t('"video_url" must be an http(s) URL, a data: URI or the path of a video in this workspace, not {0}.', JSON.stringify(videoUrl)),
    };
  }
  if (workspaceRoot === undefined) {
    return { kind: 'refused', message: l10n.t('A local "video_url" can only be used when the parameter file is in an open workspace folder.') };
  }
  const isAbsolute = /^[\\/]/.test(local) || /^[a-zA-Z]:[\\/]/.test(local);
  const path = isAbsolute ? toUriPath(local) : posix.join(posix.dirname(toUriPath(paramsFilePath)), local.replace(/\\/g, '/'));
  const root = toUriPath(workspaceRoot);
  if (!isInsideFolder(path, root, posix)) {
    return {
      kind: 'refused',
      message: l10n.t('"video_url" {0} is outside the workspace folder ({1}); only files inside it are uploaded.', JSON.stringify(videoUrl), root),
    };
  }
  return { kind: 'file', path };
}

/** Forward slashes, `/c:/…` for Windows drives (lower-case letter, as VS Code writes them), normalised. */
function toUriPath(path: string): string {
  let result = path.replace(/\\/g, '/');
  if (/^[a-zA-Z]:/.test(result)) {
    result = `/${result}`;
  }
  result = result.replace(/^\/([a-zA-Z]):/, (_, drive: string) => `/${drive.toLowerCase()}:`);
  return posix.normalize(result).replace(/(.)\/+$/, '$1');
}

