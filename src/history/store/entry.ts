import { randomUUID } from 'node:crypto';
import * as z from 'zod/mini';
import { generationInputSchema, generationSourceSchema, type RunningJobState } from '../../model/generation';

/** How many of a job's most recent fal log lines an entry keeps. */
export const MAX_LOG_LINES = 50;

export const historyStatusSchema = z.enum(['submitting', 'queued', 'running', 'done', 'failed', 'cancelled']);
export type HistoryStatus = z.infer<typeof historyStatusSchema>;

/** States in which fal may still be working on the job. */
export const UNFINISHED_STATUSES: readonly HistoryStatus[] = ['submitting', 'queued', 'running'];

const epochMs = z.number().check(z.int(), z.nonnegative());


export const storedVideoSchema = z.object({
  /** Relative to the store folder, with forward slashes (e.g. `videos/<id>.mp4`). */
  file: z.string().check(z.minLength(1), z.refine((file) => !file.startsWith('/') && !file.split(/[\\/]/).includes('..'), {
    message: 'must be a path inside the store folder',
  })),
  bytes: z.number().check(z.int(), z.nonnegative()),
  contentType: z.string(),
});
export type StoredVideo = z.infer<typeof storedVideoSchema>;

export const historyTimingsSchema = z.object({
  submittedAt: z.optional(epochMs),
  startedAt: z.optional(epochMs),
  completedAt: z.optional(epochMs),
  totalMs: z.optional(z.number().check(z.nonnegative())),
  inferenceSeconds: z.optional(z.number().check(z.nonnegative())),
});
export type HistoryTimings = z.infer<typeof historyTimingsSchema>;

/** `error.kind` of a job whose window closed before fal accepted it. */
export const INTERRUPTED_ERROR_KIND = 'interrupted';
/** `error.kind` of a job fal no longer knew when a window picked it up again. */
export const LOST_ERROR_KIND = 'lost';

export const historyErrorSchema = z.object({
  /** A fal failure kind (`FalFailureKind`), or e.g. `download` / `lost` for failures of our own. */
  kind: z.string().check(z.minLength(1)),
  message: z.string(),
});
export type HistoryError = z.infer<typeof historyErrorSchema>;

/** What a finished job is expected to have cost at fal's listed price, or why that is not known. */
export const historyChargeSchema = z.union([
  z.object({
    amount: z.number().check(z.nonnegative()),
    currency: z.string().check(z.minLength(1)),
    unitPrice: z.number().check(z.nonnegative()),
    unit: z.string().check(z.minLength(1)),
    endpointId: z.string().check(z.minLength(1)),
  }),
  z.object({ unknown: z.string() }),
]);
export type HistoryCharge = z.infer<typeof historyChargeSchema>;

export const historyEntrySchema = z.object({
  id: z.uuid(),
  createdAt: epochMs,
  updatedAt: epochMs,
  status: historyStatusSchema,
  queuePosition: z.optional(z.number().check(z.int(), z.nonnegative())),
  endpoint: z.string().check(z.minLength(1)),
  /** The exact JSON body sent to fal. */
  input: generationInputSchema,
  source: generationSourceSchema,
  /** fal's request id, stored the moment fal accepts the job: what a resume needs. */
  requestId: z.optional(z.string().check(z.minLength(1))),
  /** The seed fal actually used. */
  seed: z.optional(z.number().check(z.int())),
  remoteVideoUrl: z.optional(z.string()),
  video: z.optional(storedVideoSchema),
  /** The local copy was deleted by pruning; the parameters are still here. */
  videoPruned: z.optional(z.literal(true)),
  timings: historyTimingsSchema,
  error: z.optional(historyErrorSchema),
  /**
   * The extension host process following the job while it is unfinished. Each VS Code window has its own, all
   * sharing one history: a window resumes only jobs whose process is gone (a reload), never another window's.
   */
  ownerPid: z.optional(z.number().check(z.int(), z.positive())),
  /** The last {@link MAX_LOG_LINES} fal log lines. */
  logs: z.optional(z.array(z.string()).check(z.maxLength(MAX_LOG_LINES))),
  /** fal's answer as it came (only what the product does not read may be unusual), when it is small enough to keep. */
  result: z.optional(z.unknown()),
  /** Its expected charge when it finished (entries of earlier versions have none). */
  charge: z.optional(historyChargeSchema),
});
export type HistoryEntry = z.infer<typeof historyEntrySchema>;

/** What `HistoryStore.add` takes: id, timestamps, status and timings get defaults. */
export type NewHistoryEntry = Omit<HistoryEntry, 'id' | 'createdAt' | 'updatedAt' | 'status' | 'timings'>
  & Partial<Pick<HistoryEntry, 'id' | 'createdAt' | 'updatedAt' | 'status' | 'timings'>>;

/**
 * A change to an entry: fields set to `undefined` are removed (e.g. `queuePosition` once running).
 * `id` and `createdAt` never change; `updatedAt` is set by the store.
 */
export type HistoryEntryPatch = { [K in Exclude<keyof HistoryEntry, 'id' | 'createdAt' | 'updatedAt'>]?: HistoryEntry[K] | undefined };

export function isUnfinished(entry: HistoryEntry): entry is HistoryEntry & { status: RunningJobState } {
  return isUnfinishedStatus(entry.status);
}

export function isUnfinishedStatus(status: HistoryStatus): boolean {
  return UNFINISHED_STATUSES.includes(status);
}

/** Builds a complete, validated entry (a copy: nothing of `init` is shared); throws if the result is not a valid entry (a programming error). */
export function createEntry(init: NewHistoryEntry, now: number = Date.now()): HistoryEntry {
  return historyEntrySchema.parse(withoutUndefined({
    ...structuredClone(init),
    id: init.id ?? randomUUID(),
    createdAt: init.createdAt ?? now,
    updatedAt: init.updatedAt ?? now,
    status: init.status ?? 'submitting',
    timings: init.timings ?? {},
  }));
}

/** Applies a patch; throws if the result is not a valid entry. */
export function applyPatch(entry: HistoryEntry, patch: HistoryEntryPatch, now: number = Date.now()): HistoryEntry {
  return historyEntrySchema.parse(withoutUndefined({
    ...entry,
    ...structuredClone(patch),
    id: entry.id,
    createdAt: entry.createdAt,
    updatedAt: Math.max(now, entry.updatedAt),
  }));
}

/** Appends log lines, keeping only the last {@link MAX_LOG_LINES}. */
export function appendLogLines(existing: readonly string[] | undefined, lines: readonly string[]): string[] {
  return [...(existing ?? []), ...lines].slice(-MAX_LOG_LINES);
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** Entries are shared between the store and its callers: frozen, so no caller can change one behind its back. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) {
      deepFreeze(child);
    }
  }
  return value;
}
