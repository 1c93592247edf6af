import * as z from 'zod/mini';
import { LIMITS, MODEL_DEFAULTS, MOTIONS, TURBO_TEXT_TO_VIDEO, VIDEO_SIZE_NAMES, wholeNumber } from '../model/animateDiff';
import { BUILT_IN_DEFAULTS, type GenerationDefaults } from '../model/request';
import { l10n } from '../l10n/l10n';

export const SECTION = 'animateDiff';

/**
 * Reads one setting of the `animateDiff` section by its name without the section (`defaults.numFrames`). The
 * parsers below take one, so they are unit-tested on Node; src/config/reader.ts gives the real one.
 */
export type SettingsReader = (name: string) => unknown;

/** Each `animateDiff.defaults.*` setting: its field in the request, how it is validated, its default in the manifest. */
const DEFAULT_SETTINGS = {
  negativePrompt: { field: 'negative_prompt', schema: z.string().check(z.maxLength(LIMITS.negative_prompt.maxLength)), problem: (setting: string, value: string) => l10n.t('The setting {0} must be a string of at most {1} characters, but it is {2}.', setting, LIMITS.negative_prompt.maxLength, value), default: MODEL_DEFAULTS.negative_prompt },
  numFrames: {
    field: 'num_frames',
    default: MODEL_DEFAULTS.num_frames,
    schema: wholeNumber(LIMITS.num_frames),
    problem: (setting: string, value: string) => l10n.t('The setting {0} must be a whole number from {1} to {2}, but it is {3}.', setting, LIMITS.num_frames.min, LIMITS.num_frames.max, value),
  },
  numInferenceSteps: {
    field: 'num_inference_steps',
    default: MODEL_DEFAULTS.num_inference_steps,
    schema: wholeNumber(LIMITS.num_inference_steps),
    problem: (setting: string, value: string) => l10n.t('The setting {0} must be a whole number from {1} to {2} (4–12 recommended for turbo), but it is {3}.', setting, LIMITS.num_inference_steps.min, LIMITS.num_inference_steps.max, value),
  },
  guidanceScale: {
    field: 'guidance_scale',
    default: MODEL_DEFAULTS.guidance_scale,
    schema: z.number().check(z.minimum(LIMITS.guidance_scale.min), z.maximum(LIMITS.guidance_scale.max)),
    problem: (setting: string, value: string) => l10n.t('The setting {0} must be a number from {1} to {2}, but it is {3}.', setting, LIMITS.guidance_scale.min, LIMITS.guidance_scale.max, value),
  },
  fps: {
    field: 'fps',
    default: MODEL_DEFAULTS.fps,
    schema: wholeNumber(LIMITS.fps),
    problem: (setting: string, value: string) => l10n.t('The setting {0} must be a whole number from {1} to {2}, but it is {3}.', setting, LIMITS.fps.min, LIMITS.fps.max, value),
  },
  videoSize: { field: 'video_size', schema: z.enum(VIDEO_SIZE_NAMES), problem: (setting: string, value: string) => l10n.t('The setting {0} must be one of {1}, but it is {2}.', setting, VIDEO_SIZE_NAMES.join(', '), value), default: MODEL_DEFAULTS.video_size },
  seed: {
    field: 'seed',
    default: null,
    schema: z.nullable(wholeNumber(LIMITS.seed)),
    problem: (setting: string, value: string) => l10n.t('The setting {0} must be empty (null) for a random seed, or a whole number from 0 to {1}, but it is {2}.', setting, LIMITS.seed.max, value),
  },
  motions: { field: 'motions', schema: z.array(z.enum(MOTIONS)), problem: (setting: string, value: string) => l10n.t('The setting {0} must be a list of {1}, but it is {2}.', setting, MOTIONS.join(', '), value), default: [] },
} as const;

export type DefaultSettingName = keyof typeof DEFAULT_SETTINGS;

export const REQUEST_TIMEOUT_SECONDS = { default: 300, min: 10, max: 3600 } as const;

const requestTimeoutSchema = z.number().check(z.minimum(REQUEST_TIMEOUT_SECONDS.min), z.maximum(REQUEST_TIMEOUT_SECONDS.max));

export interface SettingProblem {
  /** Full setting id, e.g. `animateDiff.defaults.numFrames`. */
  setting: string;
  message: string;
}

export type DefaultsResult = { ok: true; defaults: GenerationDefaults } | { ok: false; problems: SettingProblem[] };

/** Reads the `animateDiff.defaults.*` settings; any invalid value is reported by its full setting name. */
export function readGenerationDefaults(read: SettingsReader): DefaultsResult {
  const defaults: Record<string, unknown> = { ...BUILT_IN_DEFAULTS };
  const problems: SettingProblem[] = [];
  for (const [name, spec] of Object.entries(DEFAULT_SETTINGS)) {
    const value = read(`defaults.${name}`);
    if (value === undefined) {
      continue;
    }
    const parsed = spec.schema.safeParse(value);
    if (!parsed.success) {
      problems.push({
        setting: `${SECTION}.defaults.${name}`,
        message: spec.problem(`${SECTION}.defaults.${name}`, JSON.stringify(value)),
      });
      continue;
    }
    defaults[spec.field] = parsed.data ?? undefined;
  }
  if (problems.length > 0) {
    return { ok: false, problems };
  }
  return { ok: true, defaults: defaults as unknown as GenerationDefaults };
}

export interface ConnectionSettings {
  endpoint: string;
  proxyUrl: string | undefined;
  timeoutMs: number;
}

const endpointSchema = z.string().check(z.regex(/^[\w.-]+\/[\w.-]+(\/[\w.-]+)*$/));

export function readConnectionSettings(read: SettingsReader): { ok: true; value: ConnectionSettings } | { ok: false; problems: SettingProblem[] } {
  const problems: SettingProblem[] = [];
  const endpointValue = read('endpoint') ?? TURBO_TEXT_TO_VIDEO;
  const endpoint = endpointSchema.safeParse(endpointValue);
  if (!endpoint.success) {
    problems.push({ setting: `${SECTION}.endpoint`, message: l10n.t('The setting {0} must be a fal endpoint id like {1}, but it is {2}.', `${SECTION}.endpoint`, TURBO_TEXT_TO_VIDEO, JSON.stringify(endpointValue)) });
  }
  const proxyValue = read('proxyUrl');
  let proxyUrl: string | undefined;
  if (typeof proxyValue === 'string' && proxyValue.trim() !== '') {
    try {
      const url = new URL(proxyValue.trim());
      if (url.protocol !== 'https:' && url.protocol !== 'http:') {
        throw new Error('protocol');
      }
      proxyUrl = url.href;
    } catch {
      // Never quote a password that may be in it.
      const shown = JSON.stringify(proxyValue.replace(/\/\/[^/@\s]*@/, '//…@'));
      problems.push({ setting: `${SECTION}.proxyUrl`, message: l10n.t('The setting {0} must be an http(s) URL of a fal proxy, but it is {1}.', `${SECTION}.proxyUrl`, shown) });
    }
  } else if (proxyValue !== undefined && proxyValue !== null && proxyValue !== '') {
    problems.push({ setting: `${SECTION}.proxyUrl`, message: l10n.t('The setting {0} must be a URL string.', `${SECTION}.proxyUrl`) });
  }
  const timeoutValue = read('requestTimeoutSeconds') ?? REQUEST_TIMEOUT_SECONDS.default;
  const timeout = requestTimeoutSchema.safeParse(timeoutValue);
  if (!timeout.success) {
    problems.push({
      setting: `${SECTION}.requestTimeoutSeconds`,
      message: l10n.t('The setting {0} must be a number of seconds from {1} to {2}, but it is {3}.', `${SECTION}.requestTimeoutSeconds`, REQUEST_TIMEOUT_SECONDS.min, REQUEST_TIMEOUT_SECONDS.max, JSON.stringify(timeoutValue)),
    });
  }
  if (problems.length > 0 || !endpoint.success || !timeout.success) {
    return { ok: false, problems };
  }
  return { ok: true, value: { endpoint: endpoint.data, proxyUrl, timeoutMs: timeout.data * 1000 } };
}

// ---- Parameter-file batches ----

export const BATCH_CONCURRENCY_SETTING = 'batch.concurrency';
export const BATCH_CONCURRENCY = { default: 4, min: 1, max: 16 } as const;

export type ConcurrencySetting =
  | { ok: true; value: number }
  | { ok: false; setting: string; message: string };

/** Reads `animateDiff.batch.concurrency` (`read` gets the name without the section); unset gives the default. */
export function readBatchConcurrency(read: SettingsReader): ConcurrencySetting {
  const value = read(BATCH_CONCURRENCY_SETTING);
  if (value === undefined || value === null) {
    return { ok: true, value: BATCH_CONCURRENCY.default };
  }
  if (typeof value === 'number' && Number.isInteger(value) && value >= BATCH_CONCURRENCY.min && value <= BATCH_CONCURRENCY.max) {
    return { ok: true, value };
  }
  return {
    ok: false,
    setting: `animateDiff.${BATCH_CONCURRENCY_SETTING}`,
    message: l10n.t('The setting {0} must be a whole number from {1} to {2}, but it is {3}.', `animateDiff.${BATCH_CONCURRENCY_SETTING}`, BATCH_CONCURRENCY.min, BATCH_CONCURRENCY.max, JSON.stringify(value)),
  };
}

/** `animateDiff.batch.confirmAbove`: a run of more videos than this asks first (0 asks for every batch). */
export const BATCH_CONFIRM_ABOVE = { setting: 'batch.confirmAbove', default: 8 } as const;

export function readBatchConfirmAbove(read: SettingsReader): number {
  const value = read(BATCH_CONFIRM_ABOVE.setting);
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : BATCH_CONFIRM_ABOVE.default;
}

// ---- Downloads ----

/** `animateDiff.download.maxMegabytes`: the largest video downloaded. */
export const DOWNLOAD_MAX_MEGABYTES = { setting: 'download.maxMegabytes', default: 500, min: 1 } as const;

export function readDownloadMaxBytes(read: SettingsReader): number {
  const value = read(DOWNLOAD_MAX_MEGABYTES.setting);
  const megabytes = typeof value === 'number' && Number.isFinite(value) && value >= DOWNLOAD_MAX_MEGABYTES.min ? value : DOWNLOAD_MAX_MEGABYTES.default;
  return Math.round(megabytes * 1024 * 1024);
}

// ---- History limits ----

export const HISTORY_SETTINGS = {
  maxVideos: 'history.maxVideos',
  maxVideoMegabytes: 'history.maxVideoMegabytes',
} as const;

/** The manifest's defaults for the history limits (0 = no limit). */
export const HISTORY_LIMIT_DEFAULTS = { maxVideos: 200, maxVideoMegabytes: 1024 } as const;

const MEGABYTE = 1024 * 1024;

export interface HistoryLimits {
  /** Omitted: no limit. */
  limits: { maxVideos?: number; maxTotalBytes?: number };
  /** For the user: e.g. `200 videos and 1024 MB`; empty when there is no limit. */
  description: string;
  /** Settings that were invalid and ignored (each a sentence). */
  problems: string[];
}

/** Reads `animateDiff.history.maxVideos` and `.maxVideoMegabytes` (0 = no limit); invalid values are ignored and named. */
export function readHistoryLimits(read: SettingsReader): HistoryLimits {
  const problems: string[] = [];
  const count = (name: string, whole: boolean): number | undefined => {
    const value = read(name);
    if (value === undefined || value === null || value === 0) {
      return undefined;
    }
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (whole && !Number.isInteger(value))) {
      problems.push(whole
        ? l10n.t('animateDiff.{0} must be a whole number of 0 or more (0 = no limit), but it is {1}; it is ignored.', name, JSON.stringify(value))
        : l10n.t('animateDiff.{0} must be a number of 0 or more (0 = no limit), but it is {1}; it is ignored.', name, JSON.stringify(value)));
      return undefined;
    }
    return value;
  };
  const maxVideos = count(HISTORY_SETTINGS.maxVideos, true);
  const maxMegabytes = count(HISTORY_SETTINGS.maxVideoMegabytes, false);
  const parts = [
    ...(maxVideos !== undefined ? [maxVideos === 1 ? l10n.t('1 video') : l10n.t('{0} videos', maxVideos)] : []),
    ...(maxMegabytes !== undefined ? [l10n.t('{0} MB', maxMegabytes)] : []),
  ];
  return {
    limits: { maxVideos, maxTotalBytes: maxMegabytes !== undefined ? maxMegabytes * MEGABYTE : undefined },
    description: parts.length === 2 ? l10n.t('{0} and {1}', parts[0], parts[1]) : parts.join(''),
    problems,
  };
}

// ---- The manifest ----

/**
 * The value rules and defaults of the settings the extension checks, from the model and the constants above.
 * package.json's `contributes.configuration` must say the same; a unit test pins it.
 */
export function settingContracts(): Record<string, { schema: z.ZodMiniType; default: unknown }> {
  const contracts: Record<string, { schema: z.ZodMiniType; default: unknown }> = {
    requestTimeoutSeconds: { schema: requestTimeoutSchema, default: REQUEST_TIMEOUT_SECONDS.default },
    [BATCH_CONCURRENCY_SETTING]: { schema: wholeNumber(BATCH_CONCURRENCY), default: BATCH_CONCURRENCY.default },
    [BATCH_CONFIRM_ABOVE.setting]: { schema: z.number().check(z.int(), z.minimum(0)), default: BATCH_CONFIRM_ABOVE.default },
    [DOWNLOAD_MAX_MEGABYTES.setting]: { schema: z.number().check(z.minimum(DOWNLOAD_MAX_MEGABYTES.min)), default: DOWNLOAD_MAX_MEGABYTES.default },
    [HISTORY_SETTINGS.maxVideos]: { schema: z.number().check(z.int(), z.minimum(0)), default: HISTORY_LIMIT_DEFAULTS.maxVideos },
    [HISTORY_SETTINGS.maxVideoMegabytes]: { schema: z.number().check(z.minimum(0)), default: HISTORY_LIMIT_DEFAULTS.maxVideoMegabytes },
  };
  for (const [name, spec] of Object.entries(DEFAULT_SETTINGS)) {
    contracts[`defaults.${name}`] = { schema: spec.schema, default: spec.default };
  }
  return contracts;
}
