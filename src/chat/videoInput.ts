import * as z from 'zod/mini';
import { REGULAR_TEXT_TO_VIDEO, TURBO_TEXT_TO_VIDEO } from '../model/animateDiff';
import type { GenerationDefaults } from '../model/request';
import { checkSeedChoice, turboTextToVideoParamsSchema, type TextToVideoParams } from '../params/fileSchema';
import { buildRequestsFromParams, type ParamsRequest } from '../params/requests';

/**
 * What an agent, a chat request or the parameter-file tool asks for: the fields of a text-to-video parameter file,
 * taken from the very zod model that checks `.animate.json` files (params/fileSchema.ts) — the same names, bounds,
 * defaults and words. The tools' JSON Schema (package.json `languageModelTools`) is generated from it, and VS Code
 * does not check a tool's input against its schema, so every input is checked here again.
 */

const fields = turboTextToVideoParamsSchema.shape;

export const videoInputSchema = z.strictObject({
  prompt: fields.prompt,
  negative_prompt: fields.negative_prompt,
  num_frames: fields.num_frames,
  num_inference_steps: fields.num_inference_steps,
  guidance_scale: fields.guidance_scale,
  seed: fields.seed,
  fps: fields.fps,
  video_size: fields.video_size,
  motions: fields.motions,
  variations: fields.variations,
}).check(z.superRefine(checkSeedChoice), z.meta({
  title: 'AnimateDiff video',
  description: 'A short text-to-video clip made by fal.ai\'s AnimateDiff Turbo. Only `prompt` is required; omitted fields take the user\'s animateDiff.defaults.* settings.',
}));
export type VideoInput = z.output<typeof videoInputSchema>;

/** The parameter-file tool also takes where to write the file. */
export const paramsFileInputSchema = z.strictObject({
  ...videoInputSchema.shape,
  name: z.optional(z.string().check(
    z.trim(), z.minLength(1), z.maxLength(80), z.regex(/^[^\\/:*?"<>|]+$/, 'a plain file name without / \\ : * ? " < > |'),
  )).check(z.meta({
    description: 'File name without the .animate.json suffix (for example "fox-in-snow"). When omitted: made from the prompt. An existing file is never replaced: a number is added.',
  })),
  folder: z.optional(z.string().check(z.trim(), z.minLength(1))).check(z.meta({
    description: 'Folder relative to the first workspace folder (for example "videos"); it must stay inside the workspace. When omitted: the workspace folder itself.',
  })),
}).check(z.superRefine(checkSeedChoice), z.meta({
  title: 'AnimateDiff parameter file',
  description: 'Writes a .animate.json parameter file that the user can run later (nothing is sent to fal, nothing is spent).',
}));
export type ParamsFileToolInput = z.output<typeof paramsFileInputSchema>;

/** Keys only VS Code's JSON editor reads: a language model is better off without them. */
const EDITOR_ONLY_KEYS = new Set(['markdownDescription', 'markdownEnumDescriptions', 'defaultSnippets', '$schema']);

function withoutEditorKeys(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(withoutEditorKeys);
  }
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).filter(([key]) => !EDITOR_ONLY_KEYS.has(key)).map(([key, child]) => [key, withoutEditorKeys(child)]));
  }
  return value;
}

/** The JSON Schema of a tool's input, as package.json contributes it (a unit test keeps the two equal). */
export function toolInputJsonSchema(schema: z.ZodMiniType): Record<string, unknown> {
  return withoutEditorKeys(z.toJSONSchema(schema, { target: 'draft-07', io: 'input', unrepresentable: 'throw' })) as Record<string, unknown>;
}

export const generateToolInputJsonSchema = (): Record<string, unknown> => toolInputJsonSchema(videoInputSchema);
export const paramsFileToolInputJsonSchema = (): Record<string, unknown> => toolInputJsonSchema(paramsFileInputSchema);

export type Checked<T> = { ok: true; value: T } | { ok: false; problems: string[] };

/** Checks an input against `schema`; each problem names its field (`num_frames: …`). */
export function checkInput<T>(schema: z.ZodMiniType<T>, raw: unknown): Checked<T> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) {
    return { ok: true, value: parsed.data };
  }
  return { ok: false, problems: parsed.error.issues.map((issue) => describeIssue(issue)) };
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.length > 0 ? issue.path.map(String).join('.') : 'input';
  if (issue.code === 'unrecognized_keys') {
    return `${where}: ${issue.keys.map((key) => JSON.stringify(key)).join(', ')} ${issue.keys.length === 1 ? 'is not a field' : 'are not fields'} of an AnimateDiff video`;
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) {
    return `${where}: required`;
  }
  return `${where}: ${issue.message}`;
}

/** The text-to-video endpoint whose published defaults the input gets: the regular one if set, else turbo's. */
export function paramsEndpointFor(endpoint: string): typeof TURBO_TEXT_TO_VIDEO | typeof REGULAR_TEXT_TO_VIDEO {
  return endpoint === REGULAR_TEXT_TO_VIDEO ? REGULAR_TEXT_TO_VIDEO : TURBO_TEXT_TO_VIDEO;
}

/**
 * The requests an input asks for, built exactly as a parameter file's are (requests.ts): every field explicit, each
 * variation its own random seed, omitted fields from the user's defaults.
 */
export function requestsFor(input: VideoInput, endpoint: string, defaults: GenerationDefaults, randomSeed: () => number): ParamsRequest[] {
  const params: TextToVideoParams = { ...input, endpoint: paramsEndpointFor(endpoint) };
  return buildRequestsFromParams(params, defaults, randomSeed);
}

/** How many videos an input asks for. */
export function videoCountOf(input: VideoInput): number {
  return Array.isArray(input.seed) ? input.seed.length : input.variations ?? 1;
}
