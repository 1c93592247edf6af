import * as z from 'zod/mini';
import {
  ANIMATEDIFF_ENDPOINTS,
  ENDPOINT_TUNING_DEFAULTS,
  LIMITS,
  MODEL_DEFAULTS,
  MOTIONS,
  REGULAR_TEXT_TO_VIDEO,
  REGULAR_VIDEO_TO_VIDEO,
  TURBO_TEXT_TO_VIDEO,
  TURBO_VIDEO_TO_VIDEO,
  VIDEO_SIZE_NAMES,
  VIDEO_SIZE_PIXELS,
  VIDEO_TO_VIDEO_DEFAULTS,
  VIDEO_TO_VIDEO_LIMITS,
  wholeNumber,
  type AnimateDiffEndpoint,
} from '../model/animateDiff';
import { formatCount } from '../util/text';
import { isAbsoluteOrUrl } from './fileKeys';

/**
 * The single source of truth for a `.animate.json` parameter file: it validates files (validate.ts),
 * types the code (the exports below) and becomes the JSON Schema VS Code uses for completion and
 * hovers (jsonSchema.ts). One strict object per endpoint, discriminated by `endpoint`.
 *
 * Model fields carry no zod `.default()`: a field the file omits must stay distinguishable from one it
 * sets, because omitted fields get the user's configured defaults when the request is built
 * (requests.ts). The documented defaults live in each field's metadata, for hovers and completion.
 */

export const MAX_VARIATIONS = 16;

/** Markdown shown by VS Code's hovers, plus a plain-text `description` for other JSON tools. */
function documented<T extends z.ZodMiniType>(schema: T, markdown: string, extra: Record<string, unknown> = {}): T {
  return schema.check(z.meta({ description: markdown.replace(/`|\*\*/g, ''), markdownDescription: markdown, ...extra }));
}


const ENDPOINT_SUMMARIES: Readonly<Record<AnimateDiffEndpoint, string>> = {
  [TURBO_TEXT_TO_VIDEO]: 'Turbo text-to-video: prompt to video in a few steps (the default).',
  [REGULAR_TEXT_TO_VIDEO]: 'Regular text-to-video: slower, more steps (25 by default).',
  [TURBO_VIDEO_TO_VIDEO]: 'Turbo video-to-video: restyles the first seconds of `video_url`.',
  [REGULAR_VIDEO_TO_VIDEO]: 'Regular video-to-video: restyles `video_url` with more steps; supports `motions`.',
};

/** Short names for messages ("turbo text-to-video"). */
export const ENDPOINT_NAMES: Readonly<Record<AnimateDiffEndpoint, string>> = {
  [TURBO_TEXT_TO_VIDEO]: 'turbo text-to-video',
  [REGULAR_TEXT_TO_VIDEO]: 'regular text-to-video',
  [TURBO_VIDEO_TO_VIDEO]: 'turbo video-to-video',
  [REGULAR_VIDEO_TO_VIDEO]: 'regular video-to-video',
};

// Each branch's `endpoint` is a literal (zod discriminates on it), but its JSON Schema also lists all
// four ids: VS Code completes a property's values from the best-matching branch only, so without the
// full list a new file would only ever be offered the default endpoint.
function endpointField<E extends AnimateDiffEndpoint>(endpoint: E): z.ZodMiniLiteral<E> {
  return documented(
    z.literal(endpoint),
    `Which fal AnimateDiff endpoint runs this file. Default: \`${TURBO_TEXT_TO_VIDEO}\`.`,
    {
      enum: [...ANIMATEDIFF_ENDPOINTS],
      markdownEnumDescriptions: ANIMATEDIFF_ENDPOINTS.map((id) => ENDPOINT_SUMMARIES[id]),
    },
  );
}

const schemaKey = z.optional(documented(
  z.string(),
  'The JSON Schema of this file. Optional: VS Code already applies the AnimateDiff schema to every `*.animate.json` file.',
));

const prompt = documented(
  z.string().check(z.trim(), z.minLength(1), z.maxLength(LIMITS.prompt.maxLength)),
  `What the video shows. Be as descriptive as possible for best results (at most ${formatCount(LIMITS.prompt.maxLength)} characters). **Required.**`,
  { examples: ['a red fox running through fresh snow at sunrise, cinematic, highly detailed'] },
);

const negativePrompt = z.optional(documented(
  z.string().check(z.maxLength(LIMITS.negative_prompt.maxLength)),
  'What the video should not show: colours, objects, scenery or details such as "blurry" or "low resolution" '
    + `(at most ${formatCount(LIMITS.negative_prompt.maxLength)} characters). `
    + `When omitted: the \`animateDiff.defaults.negativePrompt\` setting (\`${MODEL_DEFAULTS.negative_prompt}\` unless changed).`,
  { default: MODEL_DEFAULTS.negative_prompt },
));

const numFrames = z.optional(documented(
  wholeNumber(LIMITS.num_frames),
  `How many frames to generate, ${LIMITS.num_frames.min}–${LIMITS.num_frames.max}. `
    + `When omitted: the \`animateDiff.defaults.numFrames\` setting (${MODEL_DEFAULTS.num_frames} unless changed).`,
  { default: MODEL_DEFAULTS.num_frames },
));

function numInferenceSteps(endpoint: AnimateDiffEndpoint): z.ZodMiniOptional<z.ZodMiniNumber> {
  const fallback = ENDPOINT_TUNING_DEFAULTS[endpoint].num_inference_steps;
  const turboNote = endpoint === TURBO_TEXT_TO_VIDEO || endpoint === TURBO_VIDEO_TO_VIDEO
    ? ` ${LIMITS.num_inference_steps.recommendedMin}–${LIMITS.num_inference_steps.recommendedMax} is recommended for turbo mode.`
    : '';
  const whenOmitted = endpoint === TURBO_TEXT_TO_VIDEO
    ? `the \`animateDiff.defaults.numInferenceSteps\` setting (${fallback} unless changed)`
    : `${fallback}, this endpoint's default`;
  return z.optional(documented(
    wholeNumber(LIMITS.num_inference_steps),
    `Denoising steps, ${LIMITS.num_inference_steps.min}–${LIMITS.num_inference_steps.max}: more steps add detail and take longer.${turboNote} When omitted: ${whenOmitted}.`,
    { default: fallback },
  ));
}

function guidanceScale(endpoint: AnimateDiffEndpoint): z.ZodMiniOptional<z.ZodMiniNumber> {
  const fallback = ENDPOINT_TUNING_DEFAULTS[endpoint].guidance_scale;
  const whenOmitted = endpoint === TURBO_TEXT_TO_VIDEO
    ? `the \`animateDiff.defaults.guidanceScale\` setting (${fallback} unless changed)`
    : `${fallback}, this endpoint's default`;
  return z.optional(documented(
    z.number().check(z.minimum(LIMITS.guidance_scale.min), z.maximum(LIMITS.guidance_scale.max)),
    `How closely the video follows the prompt (classifier-free guidance), ${LIMITS.guidance_scale.min}–${LIMITS.guidance_scale.max}. When omitted: ${whenOmitted}.`,
    { default: fallback },
  ));
}

const seedValue = wholeNumber(LIMITS.seed);

const seedList = z.array(seedValue).check(z.minLength(1), z.maxLength(MAX_VARIATIONS), z.meta({ uniqueItems: true }), z.superRefine((seeds, ctx) => {
  const seen = new Set<number>();
  seeds.forEach((seed, index) => {
    if (seen.has(seed)) {
      ctx.addIssue({
        code: 'custom',
        path: [index],
        message: `Seed ${seed} is listed twice: the same seed and prompt give the same video, so it would be generated (and paid for) twice.`,
        params: { rule: 'duplicate-seed', seed },
      });
    }
    seen.add(seed);
  });
}));

const seed = z.optional(documented(
  z.union([seedValue, seedList, z.null()]),
  'Seed of the random noise: the same seed, prompt and settings give the same video. '
    + `A whole number from ${LIMITS.seed.min} to ${LIMITS.seed.max}; a list of up to ${MAX_VARIATIONS} different seeds runs one generation per seed; `
    + '`null` picks a random seed. When omitted: the `animateDiff.defaults.seed` setting, or a random seed. '
    + 'The seed used is always recorded in the result.',
  // Lets VS Code insert `"seed": 0` on completion (it reads `type`, not the `anyOf` members).
  { type: ['integer', 'array', 'null'] },
));

const fps = z.optional(documented(
  wholeNumber(LIMITS.fps),
  `Frames per second, ${LIMITS.fps.min}–${LIMITS.fps.max}. When omitted: the \`animateDiff.defaults.fps\` setting (${MODEL_DEFAULTS.fps} unless changed).`,
  { default: MODEL_DEFAULTS.fps },
));

const MOTION_DESCRIPTIONS: Readonly<Record<(typeof MOTIONS)[number], string>> = {
  'zoom-out': 'The camera pulls back.',
  'zoom-in': 'The camera pushes in.',
  'pan-left': 'The camera turns left.',
  'pan-right': 'The camera turns right.',
  'tilt-up': 'The camera tilts up.',
  'tilt-down': 'The camera tilts down.',
};

const motions = z.optional(documented(
  z.array(z.enum(MOTIONS).check(z.meta({ markdownEnumDescriptions: MOTIONS.map((m) => MOTION_DESCRIPTIONS[m]) }))),
  `Camera motions to apply: one or more of ${MOTIONS.map((m) => `\`${m}\``).join(', ')}. \`[]\` applies none. `
    + 'When omitted: the `animateDiff.defaults.motions` setting (none unless changed).',
));

const dimension = (name: 'width' | 'height') => documented(
  z._default(wholeNumber(LIMITS.dimension), 512),
  `The video's ${name} in pixels, ${LIMITS.dimension.min}–${LIMITS.dimension.max}. Default: 512.`,
  { default: 512 },
);

const videoSize = z.optional(documented(
  z.union([
    z.enum(VIDEO_SIZE_NAMES).check(z.meta({
      markdownEnumDescriptions: VIDEO_SIZE_NAMES.map((name) => `${VIDEO_SIZE_PIXELS[name].width}×${VIDEO_SIZE_PIXELS[name].height}`),
    })),
    z.strictObject({ width: dimension('width'), height: dimension('height') }),
  ]),
  `Size of the video: a preset (${VIDEO_SIZE_NAMES.map((n) => `\`${n}\``).join(', ')}) or \`{ "width": …, "height": … }\` in pixels. `
    + `When omitted: the \`animateDiff.defaults.videoSize\` setting (\`${MODEL_DEFAULTS.video_size}\` unless changed).`,
  {
    default: MODEL_DEFAULTS.video_size,
    defaultSnippets: [{ label: '{ width, height }', body: { width: 512, height: 512 } }],
  },
));

const videoUrl = documented(
  z.string().check(z.trim(), z.minLength(1)),
  'The video to restyle: an `https://` URL, a `data:` URI, or the path of a video file in this workspace '
    + '(relative to this file), which is uploaded to fal storage before the run. **Required** for video-to-video.',
);

const strength = z.optional(documented(
  z.number().check(z.minimum(VIDEO_TO_VIDEO_LIMITS.strength.min), z.maximum(VIDEO_TO_VIDEO_LIMITS.strength.max)),
  `How strongly the input video shapes the result, ${VIDEO_TO_VIDEO_LIMITS.strength.min}–${VIDEO_TO_VIDEO_LIMITS.strength.max}. When omitted: ${VIDEO_TO_VIDEO_DEFAULTS.strength}.`,
  { default: VIDEO_TO_VIDEO_DEFAULTS.strength },
));

const firstNSeconds = z.optional(documented(
  z.number().check(z.int(), z.minimum(VIDEO_TO_VIDEO_LIMITS.first_n_seconds.min)),
  `How many seconds from the start of the input video to restyle (a whole number, at least ${VIDEO_TO_VIDEO_LIMITS.first_n_seconds.min}). When omitted: ${VIDEO_TO_VIDEO_DEFAULTS.first_n_seconds}.`,
  { default: VIDEO_TO_VIDEO_DEFAULTS.first_n_seconds },
));

const variations = z.optional(documented(
  wholeNumber({ min: 1, max: MAX_VARIATIONS }),
  `Generate this many videos in parallel, each with its own random seed (1–${MAX_VARIATIONS}). `
    + 'To choose the seeds yourself, give `seed` a list instead. Cannot be combined with a single fixed `seed`.',
));

const output = documented(
  z.string().check(z.trim(), z.minLength(1), z.refine((path) => !isAbsoluteOrUrl(path), {
    message: 'must be a folder relative to this file (such as "renders"), so the file works on every machine',
    params: { rule: 'output-not-relative' },
  })),
  'Folder for the videos and their `.result.json` records, relative to this file (for example `renders`). '
    + 'It must stay inside the workspace. When omitted: next to this file.',
);

const runKeys = {
  variations,
  output: z.optional(output),
};

const textToVideoFields = (endpoint: typeof TURBO_TEXT_TO_VIDEO | typeof REGULAR_TEXT_TO_VIDEO) => ({
  prompt,
  negative_prompt: negativePrompt,
  num_frames: numFrames,
  num_inference_steps: numInferenceSteps(endpoint),
  guidance_scale: guidanceScale(endpoint),
  seed,
  fps,
  motions,
  video_size: videoSize,
});

const videoToVideoFields = (endpoint: typeof TURBO_VIDEO_TO_VIDEO | typeof REGULAR_VIDEO_TO_VIDEO) => ({
  video_url: videoUrl,
  prompt,
  negative_prompt: negativePrompt,
  seed,
  first_n_seconds: firstNSeconds,
  fps,
  strength,
  guidance_scale: guidanceScale(endpoint),
  num_inference_steps: numInferenceSteps(endpoint),
});

/** `variations` picks random seeds, so a fixed seed (a number or a list) contradicts it. */
export function checkSeedChoice(file: { variations?: number; seed?: number | number[] | null }, ctx: z.core.$RefinementCtx): void {
  if (file.variations === undefined || file.seed === undefined || file.seed === null) {
    return;
  }
  ctx.addIssue({
    code: 'custom',
    path: ['variations'],
    message: Array.isArray(file.seed)
      ? 'Use either "variations" (random seeds) or a list of seeds in "seed", not both.'
      : `"variations" runs ${file.variations} generations with random seeds, which contradicts the fixed "seed". Remove one of them.`,
    params: { rule: 'variations-with-seed', variations: file.variations, seedList: Array.isArray(file.seed) },
  });
}

export const turboTextToVideoParamsSchema = z.strictObject({
  $schema: schemaKey,
  endpoint: z._default(endpointField(TURBO_TEXT_TO_VIDEO), TURBO_TEXT_TO_VIDEO),
  ...textToVideoFields(TURBO_TEXT_TO_VIDEO),
  ...runKeys,
}).check(z.superRefine(checkSeedChoice));

export const regularTextToVideoParamsSchema = z.strictObject({
  $schema: schemaKey,
  endpoint: endpointField(REGULAR_TEXT_TO_VIDEO),
  ...textToVideoFields(REGULAR_TEXT_TO_VIDEO),
  ...runKeys,
}).check(z.superRefine(checkSeedChoice));

export const turboVideoToVideoParamsSchema = z.strictObject({
  $schema: schemaKey,
  endpoint: endpointField(TURBO_VIDEO_TO_VIDEO),
  ...videoToVideoFields(TURBO_VIDEO_TO_VIDEO),
  ...runKeys,
}).check(z.superRefine(checkSeedChoice));

export const regularVideoToVideoParamsSchema = z.strictObject({
  $schema: schemaKey,
  endpoint: endpointField(REGULAR_VIDEO_TO_VIDEO),
  ...videoToVideoFields(REGULAR_VIDEO_TO_VIDEO),
  motions,
  ...runKeys,
}).check(z.superRefine(checkSeedChoice));

/** A whole `.animate.json` file. */
export const paramsFileSchema = z.discriminatedUnion('endpoint', [
  turboTextToVideoParamsSchema,
  regularTextToVideoParamsSchema,
  turboVideoToVideoParamsSchema,
  regularVideoToVideoParamsSchema,
]).check(z.meta({
  title: 'AnimateDiff parameter file',
  description: 'Every input of one fal AnimateDiff generation. Run it with "Generate" above the first line.',
}));

/** A validated file: `endpoint` is always set, model fields only when the file sets them. */
export type ParamsFile = z.output<typeof paramsFileSchema>;
/** A file as written (what the JSON Schema describes). */
export type ParamsFileInput = z.input<typeof paramsFileSchema>;
export type TextToVideoParams = Extract<ParamsFile, { endpoint: typeof TURBO_TEXT_TO_VIDEO | typeof REGULAR_TEXT_TO_VIDEO }>;
export type VideoToVideoParams = Extract<ParamsFile, { endpoint: typeof TURBO_VIDEO_TO_VIDEO | typeof REGULAR_VIDEO_TO_VIDEO }>;

export const PARAMS_SCHEMA_BY_ENDPOINT = {
  [TURBO_TEXT_TO_VIDEO]: turboTextToVideoParamsSchema,
  [REGULAR_TEXT_TO_VIDEO]: regularTextToVideoParamsSchema,
  [TURBO_VIDEO_TO_VIDEO]: turboVideoToVideoParamsSchema,
  [REGULAR_VIDEO_TO_VIDEO]: regularVideoToVideoParamsSchema,
} as const;


/** The keys that are part of the product, not of fal's input. */
export const PRODUCT_KEYS = ['$schema', 'endpoint', 'variations', 'output'] as const;
