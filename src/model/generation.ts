import * as z from 'zod/mini';
import { VIDEO_SIZE_NAMES } from './animateDiff';
import type { FalFailure } from './failure';

/**
 * A generation as the product carries it: the request sent to fal, the record of its result, the outcome, and
 * the job while it runs. The input is typed field by field, whatever endpoint it went to.
 */

export const GENERATION_SOURCE_KINDS = ['selection', 'prompt', 'file', 'rerun'] as const;
export type GenerationSourceKind = (typeof GENERATION_SOURCE_KINDS)[number];

export const generationSourceSchema = z.object({
  kind: z.enum(GENERATION_SOURCE_KINDS),
  /** The parameter file or document the prompt came from (a URI string). */
  file: z.optional(z.string()),
});
export type GenerationSource = z.infer<typeof generationSourceSchema>;

/**
 * The JSON body sent to fal, as kept in the history and read back. Every field any AnimateDiff endpoint takes is
 * typed; each is optional because the four endpoints take different sets (and an endpoint from the settings may
 * take fewer). Fields the product does not know are kept as they were sent, so a re-run sends the same body.
 */
export const generationInputSchema = z.looseObject({
  prompt: z.optional(z.string()),
  negative_prompt: z.optional(z.string()),
  num_frames: z.optional(z.number()),
  num_inference_steps: z.optional(z.number()),
  guidance_scale: z.optional(z.number()),
  seed: z.optional(z.number()),
  fps: z.optional(z.number()),
  video_size: z.optional(z.union([z.enum(VIDEO_SIZE_NAMES), z.object({ width: z.number(), height: z.number() })])),
  motions: z.optional(z.array(z.string())),
  video_url: z.optional(z.string()),
  first_n_seconds: z.optional(z.number()),
  strength: z.optional(z.number()),
});
export type GenerationInput = z.infer<typeof generationInputSchema>;

export interface GenerationRequest {
  /** Undefined: the `animateDiff.endpoint` setting. */
  endpoint?: string;
  /** The exact JSON body sent to fal. */
  input: GenerationInput;
  source: GenerationSource;
  /** Shown in progress and messages. */
  label?: string;
}

/** A finished generation: what was sent and what fal gave back. */
export interface GenerationRecord {
  id: string;
  endpoint: string;
  input: GenerationInput;
  source: GenerationSource;
  requestId: string;
  seed: number | null;
  videoUrl: string;
  contentType: string | undefined;
  createdAt: number;
  /** From the first byte sent to the result in hand; null when not known (an entry from an older version). */
  totalMs: number | null;
  inferenceSeconds: number | null;
  sandbox: boolean;
  /** fal's whole answer, as it came (kept in the history and the result record); undefined when not known. */
  falResult?: unknown;
}

export type GenerationOutcome =
  | { kind: 'done'; record: GenerationRecord }
  | { kind: 'failed'; failure: FalFailure }
  | { kind: 'cancelled' }
  | { kind: 'notStarted'; reason: string };

export type RunningJobState = 'submitting' | 'queued' | 'running';

/** A job this window follows right now. */
export interface RunningJob {
  readonly id: string;
  readonly label: string;
  readonly endpoint: string;
  readonly request: GenerationRequest;
  readonly startedAt: number;
  requestId: string | undefined;
  state: RunningJobState;
  /** fal has made the video; the job is only being saved (into the history) and can no longer be cancelled. */
  resultReady: boolean;
  queuePosition: number | undefined;
  lastLog: string | undefined;
  cancel(): void;
}

/** A job fal accepted earlier (e.g. before a window reload), to be followed to its result. */
export interface ResumableJob {
  id: string;
  endpoint: string;
  requestId: string;
  request: GenerationRequest;
  startedAt: number;
}

/** The seed fal used, else the one the request asked for. */
export function seedOf(generation: { seed?: number | null; input: GenerationInput }): number | undefined {
  return generation.seed ?? generation.input.seed;
}
