import type { HistoryCharge, HistoryEntry } from './store/entry';
import type { Charge } from '../model/price';
import { mayHaveFinishedAtFal } from '../model/failure';
import { seedOf, type GenerationInput, type GenerationRecord, type GenerationRequest, type ResumableJob } from '../model/generation';

/** The fal imitation (sandbox) serves its videos from a loopback http origin; fal serves https from its CDN. */
export function isSandboxVideoUrl(url: string | undefined): boolean {
  if (!url) {
    return false;
  }
  try {
    const { protocol, hostname } = new URL(url);
    return protocol === 'http:' || hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';
  } catch {
    return false;
  }
}

/** A finished generation as the panel and its actions know it; undefined unless the entry is done. */
export function recordOf(entry: HistoryEntry): GenerationRecord | undefined {
  if (entry.status !== 'done' || entry.requestId === undefined || (entry.remoteVideoUrl === undefined && entry.video === undefined)) {
    return undefined;
  }
  return {
    id: entry.id,
    endpoint: entry.endpoint,
    input: { ...entry.input },
    source: { ...entry.source },
    requestId: entry.requestId,
    seed: seedOf(entry) ?? null,
    videoUrl: entry.remoteVideoUrl ?? '',
    contentType: entry.video?.contentType,
    createdAt: entry.createdAt,
    totalMs: entry.timings.totalMs ?? null,
    inferenceSeconds: entry.timings.inferenceSeconds ?? null,
    sandbox: isSandboxVideoUrl(entry.remoteVideoUrl),
    falResult: entry.result,
    ...(entry.charge ? { charge: chargeOfStored(entry.charge) } : {}),
  };
}

/** A charge as the history keeps it. */
export function storedCharge(charge: Charge): HistoryCharge {
  return charge.known
    ? { amount: charge.amount, currency: charge.currency, unitPrice: charge.price.unitPrice, unit: charge.price.unit, endpointId: charge.price.endpointId }
    : { unknown: charge.reason };
}

export function chargeOfStored(stored: HistoryCharge): Charge {
  if ('unknown' in stored) {
    return { known: false, reason: stored.unknown, videos: 1 };
  }
  return {
    known: true,
    amount: stored.amount,
    currency: stored.currency,
    videos: 1,
    price: { endpointId: stored.endpointId, unitPrice: stored.unitPrice, unit: stored.unit, currency: stored.currency },
  };
}

/**
 * The entry's parameters in the shape "Save Parameters as .animate.json" takes, for any entry — a failed or
 * cancelled job's parameters are worth keeping too. Only endpoint, input, seed and source are meaningful.
 */
export function parametersRecordOf(entry: HistoryEntry): GenerationRecord {
  return recordOf(entry) ?? {
    id: entry.id,
    endpoint: entry.endpoint,
    input: { ...entry.input },
    source: { ...entry.source },
    requestId: entry.requestId ?? '',
    seed: seedOf(entry) ?? null,
    videoUrl: entry.remoteVideoUrl ?? '',
    contentType: undefined,
    createdAt: entry.createdAt,
    totalMs: null,
    inferenceSeconds: null,
    sandbox: isSandboxVideoUrl(entry.remoteVideoUrl),
  };
}

/** The same request again: with the seed fal used (the same video), or without a seed (fal picks a new one). */
export function rerunRequestOf(entry: HistoryEntry, seed: 'same' | 'new'): GenerationRequest {
  const input: GenerationInput = { ...entry.input };
  if (seed === 'new') {
    delete input.seed;
  } else {
    const used = seedOf(entry);
    if (used !== undefined) {
      input.seed = used;
    }
  }
  return { endpoint: entry.endpoint, input, source: { kind: 'rerun', file: entry.source.file } };
}

/** What `GenerationService.resume` needs to follow an unfinished entry's fal job again. */
export function resumableJobOf(entry: HistoryEntry): ResumableJob | undefined {
  if (entry.requestId === undefined) {
    return undefined;
  }
  return {
    id: entry.id,
    endpoint: entry.endpoint,
    requestId: entry.requestId,
    request: { endpoint: entry.endpoint, input: { ...entry.input }, source: { ...entry.source } },
    startedAt: entry.createdAt,
  };
}

/**
 * Whether the job failed without fal's word on it (fal could not be reached or read while following it, or the wait
 * timed out): fal had accepted it and may have finished it meanwhile, so it can be followed again by request id (no
 * new credits).
 */
export function canFollowAgain(entry: HistoryEntry): boolean {
  return entry.status === 'failed' && entry.error !== undefined && mayHaveFinishedAtFal(entry.error.kind) && entry.requestId !== undefined;
}
