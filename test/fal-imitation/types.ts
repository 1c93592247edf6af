// Types shared by the imitation server, its in-process API and the HTTP control client.
// Everything here is plain JSON so the HTTP control API returns exactly these shapes.

export const ANIMATEDIFF_ENDPOINTS = [
  'fal-ai/fast-animatediff/turbo/text-to-video',
  'fal-ai/fast-animatediff/text-to-video',
  'fal-ai/fast-animatediff/turbo/video-to-video',
  'fal-ai/fast-animatediff/video-to-video',
] as const;
export type AnimateDiffEndpoint = (typeof ANIMATEDIFF_ENDPOINTS)[number];

export interface TimingConfig {
  /** How many queue positions a job reports before it starts (N-1 down to 0); 0 starts it at once. */
  queuePositions: number;
  /** Total time a job spends IN_QUEUE, split evenly over its queue positions. */
  queueMs: number;
  /** Time from IN_PROGRESS to COMPLETED. */
  processingMs: number;
  /** How many "step k/n" log lines a run writes (at most the request's num_inference_steps). */
  logSteps: number;
  /** Interval of `: ping` comments on status streams. */
  pingIntervalMs: number;
}

/** fal may send `logs` as missing, `null` or `[]` when logs were not asked for (`logs=0`). */
export type LogsWhenDisabled = 'missing' | 'null' | 'empty';

export interface ImitationConfig {
  timing: TimingConfig;
  /** Keys (`id:secret`) or key ids answered with 401 "No user found for Key ID and Secret". */
  rejectedKeys: string[];
  logsWhenDisabled: LogsWhenDisabled;
  /** The network to fal is gone: every request but the control API's has its connection dropped unanswered. */
  offline: boolean;
}

export interface ImitationConfigPatch {
  timing?: Partial<TimingConfig>;
  rejectedKeys?: string[];
  logsWhenDisabled?: LogsWhenDisabled;
  offline?: boolean;
  /** Prices the pricing API lists, merged by endpoint id; `null` removes an endpoint's price. */
  prices?: Record<string, ModelPrice | null>;
  /** Keys (`id:secret`) or key ids the pricing API answers with 403. */
  pricingForbiddenKeys?: string[];
}

/** One entry of fal's platform pricing API (`GET api.fal.ai/v1/models/pricing`). */
export interface ModelPrice {
  unit_price: number;
  unit: string;
  currency: string;
}

/** The pricing API's settings; kept apart from `ImitationConfig`, whose shape predates them. */
export interface PricingConfig {
  prices: Record<string, ModelPrice>;
  pricingForbiddenKeys: string[];
}

/** The imitation's own prices, not fal's: round numbers that tell the four endpoints apart. */
export const IMITATION_PRICES: Readonly<Record<AnimateDiffEndpoint, Readonly<ModelPrice>>> = {
  'fal-ai/fast-animatediff/turbo/text-to-video': { unit_price: 0.01, unit: 'video', currency: 'USD' },
  'fal-ai/fast-animatediff/text-to-video': { unit_price: 0.02, unit: 'video', currency: 'USD' },
  'fal-ai/fast-animatediff/turbo/video-to-video': { unit_price: 0.012, unit: 'video', currency: 'USD' },
  'fal-ai/fast-animatediff/video-to-video': { unit_price: 0.024, unit: 'video', currency: 'USD' },
};

export const FAST_TIMING: Readonly<TimingConfig> = {
  queuePositions: 1,
  queueMs: 100,
  processingMs: 400,
  logSteps: 4,
  pingIntervalMs: 1000,
};

/** Product-demo timings: a couple of queue positions over about a second, then ~3 s of work. */
export const REALISTIC_TIMING: Readonly<TimingConfig> = {
  queuePositions: 2,
  queueMs: 1000,
  processingMs: 3000,
  logSteps: 12,
  pingIntervalMs: 1000,
};

// ---- Faults ---------------------------------------------------------------------------------

/**
 * Where a fault applies. `upload` is the storage initiate call (single or multipart), `uploadPut`
 * a PUT of bytes to the upload URL it handed out (or of one part), `video` a GET of a result video
 * or an uploaded file, `pricing` the platform pricing API.
 */
export type FaultStage = 'submit' | 'status' | 'stream' | 'result' | 'cancel' | 'upload' | 'uploadPut' | 'video' | 'pricing';
export const FAULT_STAGES: readonly FaultStage[] = [
  'submit', 'status', 'stream', 'result', 'cancel', 'upload', 'uploadPut', 'video', 'pricing',
];

/** How an `echoKey` fault's error body quotes the credentials back. */
export type EchoShape = 'detailString' | 'detailList' | 'text' | 'html';
export const ECHO_SHAPES: readonly EchoShape[] = ['detailString', 'detailList', 'text', 'html'];

export interface FaultMatch {
  /** The job's (or the submitted body's) `prompt` contains this text. */
  promptIncludes?: string;
  /** The job's endpoint id equals this (for `pricing`: it is among the ids asked for). */
  endpoint?: string;
  /** The request concerns this fal request id. */
  requestId?: string;
}

export type FaultAction =
  /** Answer with this status; `body` defaults to fal's real body for the status. */
  | { kind: 'http'; status: number; body?: unknown; contentType?: string; headers?: Record<string, string> }
  /** Never answer the HTTP request (until reset or close). */
  | { kind: 'hang' }
  /** Destroy the socket without any response. */
  | { kind: 'drop' }
  /** The result is 200 but has no `video` (at `result`, or for the whole job at `submit`). */
  | { kind: 'noVideo' }
  /** The job ends COMPLETED with `error`/`error_type`; its result then fails (status, default 503). */
  | { kind: 'runnerDisconnected'; status?: number }
  /** The job stays IN_PROGRESS, logging now and then, until it is cancelled or the imitation reset. */
  | { kind: 'neverFinish' }
  /** The job's processing takes `ms`. */
  | { kind: 'slow'; ms: number }
  /** The request is processed as normal (a submit creates its job), then the socket is destroyed unanswered. */
  | { kind: 'resetAfterRequest' }
  /** Status, headers and the first `afterBytes` (default half) of the normal body, then silence. */
  | { kind: 'stallMidBody'; afterBytes?: number }
  /** The normal answer, its body sent `bytesPerChunk` (default 1) every `intervalMs` (default 200). */
  | { kind: 'trickle'; bytesPerChunk?: number; intervalMs?: number }
  /** The normal status, labelled application/json, with a body that is not JSON. */
  | { kind: 'malformedJson' }
  /** The normal body labelled `contentType` (default text/html). */
  | { kind: 'wrongContentType'; contentType?: string }
  /** The normal answer under a Content-Length of 10^12, then the connection is closed. */
  | { kind: 'hugeContentLength' }
  /** 302 to `location`. */
  | { kind: 'redirect'; location: string }
  /** An error (status default 401) whose body quotes the request's credentials back. */
  | { kind: 'echoKey'; status?: number; shape?: EchoShape };

export type FaultKind = FaultAction['kind'];

export type FaultSpec = FaultAction & {
  at: FaultStage;
  /** Without `match` the fault applies to the next request(s) at that stage. */
  match?: FaultMatch;
  /** How many requests it applies to (default 1). */
  times?: number;
};

export type FaultRecord = FaultSpec & { id: string; remaining: number; hits: number };

// ---- Records ---------------------------------------------------------------------------------

export type RequestStage =
  | 'submit'
  | 'run'
  | 'status'
  | 'stream'
  | 'result'
  | 'cancel'
  | 'upload-initiate'
  | 'upload-put'
  | 'upload-part'
  | 'upload-complete'
  | 'pricing'
  /** A GET of a result video or an uploaded file: recorded only when a fault shaped it. */
  | 'video'
  | 'other';

export interface RequestRecord {
  seq: number;
  /** ISO time the request arrived. */
  at: string;
  method: string;
  /** The fal host the request was meant for (from x-fal-imitation-host or the proxy's target URL). */
  host: string;
  /** Path and query as sent to that host. */
  path: string;
  stage: RequestStage;
  viaProxy: boolean;
  /** Whether the client itself sent an Authorization header. */
  authorizationPresent: boolean;
  /** The key id part of the key used (never the secret). */
  keyId: string | null;
  /** The proxy added the team's key because the client sent none. */
  keyInjectedByProxy: boolean;
  /** The request id the request concerns; for a submit, the job it created (null when none was). */
  requestId: string | null;
  endpoint: string | null;
  /** Parsed JSON body (null when there was none or it was not JSON; uploads are not kept here). */
  body: unknown;
  /** The request's x-fal-* headers (other than the sandbox routing header). */
  falHeaders: Record<string, string>;
  /** Status sent, or null while unanswered / when hung, dropped or reset after the request. */
  responseStatus: number | null;
  /** The fault that shaped (or withheld) the answer, if any. */
  fault: FaultKind | null;
}

export type JobStatus = 'IN_QUEUE' | 'IN_PROGRESS' | 'COMPLETED';

/** How a completed job ended. */
export type JobOutcome = 'succeeded' | 'invalidInput' | 'runnerDisconnected' | 'cancelled';

export interface JobTransition {
  status: JobStatus;
  queuePosition: number | null;
  at: string;
}

export interface FalLogEntry {
  message: string;
  level?: string;
  source?: string;
  timestamp: string;
}

export interface JobRecord {
  requestId: string;
  endpoint: string;
  input: unknown;
  submittedAt: string;
  viaProxy: boolean;
  /** Submitted through the synchronous `fal.run` host rather than the queue. */
  synchronous: boolean;
  status: JobStatus;
  queuePosition: number | null;
  transitions: JobTransition[];
  logs: FalLogEntry[];
  /** A cancel was received (in any state). */
  cancelRequested: boolean;
  /** The job was stopped by a cancel (queued, or a never-finishing run). */
  cancelled: boolean;
  outcome: JobOutcome | null;
  /** Seed the result reports (null until it completes successfully). */
  seed: number | null;
  /** URL of the result video (null unless it succeeded with a video). */
  videoUrl: string | null;
  /** Job-level faults applied at submit. */
  faults: FaultKind[];
  inferenceTimeSeconds: number | null;
}

export interface JobQuery {
  requestId?: string;
  promptIncludes?: string;
  endpoint?: string;
}

export interface WaitForJobRequest extends JobQuery {
  /** Resolve once the job has reached this status (or any later one). */
  status: JobStatus;
  timeoutMs?: number;
}

export interface ImitationStats {
  jobsSubmitted: number;
  inProgressNow: number;
  /** Most jobs that were IN_PROGRESS at the same moment since the last reset. */
  maxConcurrentInProgress: number;
}

export interface UploadRecord {
  fileName: string;
  contentType: string;
  size: number;
  sha256: string;
  fileUrl: string;
  multipart: boolean;
  completedAt: string;
}
