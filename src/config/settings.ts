import { z } from 'zod';
import { LIMITS, MOTIONS, TURBO_TEXT_TO_VIDEO, VIDEO_SIZE_NAMES } from '../model/animateDiff';
import { BUILT_IN_DEFAULTS, type GenerationDefaults } from '../model/request';

export const SECTION = 'animateDiff';

/** Each `animateDiff.defaults.*` setting, its field in the request, and how it is validated. */
const DEFAULT_SETTINGS = {
  negativePrompt: { field: 'negative_prompt', schema: z.string(), expected: 'a string' },
  numFrames: {
    field: 'num_frames',
    schema: z.number().int().min(LIMITS.num_frames.min).max(LIMITS.num_frames.max),
    expected: `a whole number from ${LIMITS.num_frames.min} to ${LIMITS.num_frames.max}`,
  },
  numInferenceSteps: {
    field: 'num_inference_steps',
    schema: z.number().int().min(LIMITS.num_inference_steps.min).max(LIMITS.num_inference_steps.max),
    expected: `a whole number from ${LIMITS.num_inference_steps.min} to ${LIMITS.num_inference_steps.max} (4–12 recommended for turbo)`,
  },
  guidanceScale: {
    field: 'guidance_scale',
    schema: z.number().min(LIMITS.guidance_scale.min).max(LIMITS.guidance_scale.max),
    expected: `a number from ${LIMITS.guidance_scale.min} to ${LIMITS.guidance_scale.max}`,
  },
  fps: {
    field: 'fps',
    schema: z.number().int().min(LIMITS.fps.min).max(LIMITS.fps.max),
    expected: `a whole number from ${LIMITS.fps.min} to ${LIMITS.fps.max}`,
  },
  videoSize: { field: 'video_size', schema: z.enum(VIDEO_SIZE_NAMES), expected: `one of ${VIDEO_SIZE_NAMES.join(', ')}` },
  seed: {
    field: 'seed',
    schema: z.number().int().min(LIMITS.seed.min).max(LIMITS.seed.max).nullable(),
    expected: `empty (null) for a random seed, or a whole number from 0 to ${LIMITS.seed.max}`,
  },
  motions: { field: 'motions', schema: z.array(z.enum(MOTIONS)), expected: `a list of ${MOTIONS.join(', ')}` },
} as const;

export type DefaultSettingName = keyof typeof DEFAULT_SETTINGS;

export interface SettingProblem {
  /** Full setting id, e.g. `animateDiff.defaults.numFrames`. */
  setting: string;
  message: string;
}

export type DefaultsResult = { ok: true; defaults: GenerationDefaults } | { ok: false; problems: SettingProblem[] };

/** Reads the `animateDiff.defaults.*` settings; any invalid value is reported by its full setting name. */
export function readGenerationDefaults(read: (name: string) => unknown): DefaultsResult {
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
        message: `The setting ${SECTION}.defaults.${name} must be ${spec.expected}, but it is ${JSON.stringify(value)}.`,
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

const endpointSchema = z.string().regex(/^[\w.-]+\/[\w.-]+(\/[\w.-]+)*$/);

export function readConnectionSettings(read: (name: string) => unknown): { ok: true; value: ConnectionSettings } | { ok: false; problems: SettingProblem[] } {
  const problems: SettingProblem[] = [];
  const endpointValue = read('endpoint') ?? TURBO_TEXT_TO_VIDEO;
  const endpoint = endpointSchema.safeParse(endpointValue);
  if (!endpoint.success) {
    problems.push({ setting: `${SECTION}.endpoint`, message: `The setting ${SECTION}.endpoint must be a fal endpoint id like ${TURBO_TEXT_TO_VIDEO}, but it is ${JSON.stringify(endpointValue)}.` });
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
      problems.push({ setting: `${SECTION}.proxyUrl`, message: `The setting ${SECTION}.proxyUrl must be an http(s) URL of a fal proxy, but it is ${JSON.stringify(proxyValue)}.` });
    }
  } else if (proxyValue !== undefined && proxyValue !== null && proxyValue !== '') {
    problems.push({ setting: `${SECTION}.proxyUrl`, message: `The setting ${SECTION}.proxyUrl must be a URL string.` });
  }
  const timeoutValue = read('requestTimeoutSeconds') ?? 300;
  const timeout = z.number().min(10).max(3600).safeParse(timeoutValue);
  if (!timeout.success) {
    problems.push({ setting: `${SECTION}.requestTimeoutSeconds`, message: `The setting ${SECTION}.requestTimeoutSeconds must be a number of seconds from 10 to 3600, but it is ${JSON.stringify(timeoutValue)}.` });
  }
  if (problems.length > 0 || !endpoint.success || !timeout.success) {
    return { ok: false, problems };
  }
  return { ok: true, value: { endpoint: endpoint.data, proxyUrl, timeoutMs: timeout.data * 1000 } };
}
