// A faithful local imitation of fal's queue, run and storage APIs for the AnimateDiff endpoints.
// The real @fal-ai/client works against it unchanged: through a fetch that rewrites fal hosts to
// this origin (adding x-fal-imitation-host), or through fal's proxy form at /api/fal/proxy.
// See README.md beside this file for the routes, the control API and where fal's behaviour is inferred.

import { existsSync, statSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo, Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  expectObject, InputError, optionalNumber, optionalOneOf, optionalString, optionalStringArray, requiredString,
} from './checks';
import {
  defaultErrorAnswer, ErrorAnswer, INVALID_KEY_FORMAT_DETAIL, isRecord, modelError, NO_USER_DETAIL,
} from './falErrors';
import {
  credentialsOf, echoKeyAnswer, malformedJson, redirectAnswer, relabelled, sendStalled, sendTrickled, sendWithHugeLength,
  TRICKLE_DEFAULTS, WRONG_CONTENT_TYPE_DEFAULT,
} from './delivery';
import {
  ANSWER_KINDS, DeliveryFault, FaultBook, FaultSpecError, FaultSubject, isDeliveryFault, NO_SUBJECT, WIRE_KINDS,
} from './faults';
import {
  answerWire, BodyTooLargeError, CORS_HEADERS, discardBody, fileWire, jsonWire, parseJson, readBody, sendJson, sendWire,
  ServedFile, serveFile, WireAnswer,
} from './http';
import { Job, JobPlan, JobQueue } from './jobs';
import {
  applyPricesPatch, defaultPricing, FORBIDDEN_ANSWER, isPricingPath, parsePricesPatch, pricingAnswer, requestedEndpointIds,
} from './pricing';
import { UPLOAD_PATH_PREFIX, UPLOADED_FILES_PREFIX, UploadError, UploadStore } from './storage';
import {
  FAST_TIMING, FaultKind, FaultRecord, FaultSpec, FaultStage, ImitationConfig, ImitationConfigPatch, ImitationStats,
  JobRecord, JobStatus, PricingConfig, RequestRecord, REALISTIC_TIMING, TimingConfig, UploadRecord, WaitForJobRequest,
} from './types';
import { isKnownEndpoint, isVideoToVideo, validateInput } from './validation';

export * from './types';

/** Header the sandbox fetch adds to say which fal host a rewritten request was meant for. */
export const IMITATION_HOST_HEADER = 'x-fal-imitation-host';
/** fal's server-side proxy protocol. */
export const TARGET_URL_HEADER = 'x-fal-target-url';
export const PROXY_PATHS = ['/api/fal/proxy', '/api/_fal/proxy'];
export const CONTROL_PREFIX = '/__imitation/';
export const RESULT_VIDEOS_PREFIX = '/files/videos/';
/** The key the proxy adds for requests that carry none (the "team's" key). */
export const DEFAULT_PROXY_KEY = 'imitation-team-key:imitation-team-secret';

const MAX_JSON_BODY = 64 * 1024 * 1024;
const DEFAULT_WAIT_MS = 10_000;

export interface FalImitationOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** Product-demo timings instead of the fast test timings. */
  realistic?: boolean;
  /** Overrides of the chosen timings; these are the defaults `reset()` goes back to. */
  timing?: Partial<TimingConfig>;
  rejectedKeys?: string[];
  /** The MP4 served as every result; default test/fixtures/clip.mp4 of this repository. */
  videoFile?: string;
  /** Where uploads are stored; default a new temporary folder (made on first upload), removed on close. */
  storageDir?: string;
  /** Key the proxy injects when a request has no Authorization header. */
  proxyKey?: string;
  /** One line per answered fal request (method, host, path, status); never includes keys. */
  onRequest?: (line: string) => void;
}

/** The imitation, running in this process. Its methods read and change the same state as the HTTP control API. */
export interface FalImitation {
  /** Origin, e.g. http://127.0.0.1:PORT. */
  readonly url: string;
  /** Key id of the key the proxy injects. */
  readonly proxyKeyId: string;
  close(): Promise<void>;
  /** Clears jobs, faults, records and uploads, closes hung, stalled and trickling requests, restores the config. */
  reset(): Promise<void>;
  config(): ImitationConfig;
  /** Also takes `prices` and `pricingForbiddenKeys`, which `pricingConfig()` shows. */
  configure(patch: ImitationConfigPatch): ImitationConfig;
  pricingConfig(): PricingConfig;
  addFault(spec: FaultSpec): FaultRecord;
  faults(): FaultRecord[];
  clearFaults(): void;
  requests(): RequestRecord[];
  jobs(): JobRecord[];
  job(requestId: string): JobRecord | undefined;
  waitForJob(request: WaitForJobRequest): Promise<JobRecord>;
  stats(): ImitationStats;
  uploads(): UploadRecord[];
  /** Makes result video URLs 404 (all of them, or those of the given jobs); returns the URLs removed. */
  deleteResultVideos(requestIds?: string[]): string[];
}

export async function startFalImitation(options: FalImitationOptions = {}): Promise<FalImitation> {
  const videoFile = options.videoFile ?? findFixtureVideo();
  // Created on the first upload, so an imitation that never stores a file leaves nothing behind.
  const storageDir = options.storageDir ?? path.join(os.tmpdir(), `fal-imitation-${process.pid}-${randomUUID()}`);
  const imitation = new Imitation(options, videoFile, storageDir, options.storageDir === undefined);
  await imitation.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  return imitation;
}

/** Finds test/fixtures/clip.mp4 from wherever this file runs (test/ or out/test/). */
function findFixtureVideo(): string {
  let dir = __dirname;
  for (;;) {
    const candidate = path.join(dir, 'test', 'fixtures', 'clip.mp4');
    if (existsSync(candidate)) {
      return candidate;
    }
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new Error(`test/fixtures/clip.mp4 not found above ${__dirname}; pass videoFile`);
    }
    dir = parent;
  }
}

type HostKind = 'queue' | 'run' | 'rest' | 'media';

/** Which fal service a host is, or null when it is not a fal host. */
export function classifyFalHost(host: string): HostKind | null {
  const name = host.toLowerCase().replace(/:\d+$/, '');
  const under = (domain: string): boolean => name === domain || name.endsWith(`.${domain}`);
  if (name === 'fal.run') {
    return 'run';
  }
  if (under('fal.run')) {
    return 'queue';
  }
  if (under('fal.media')) {
    return 'media';
  }
  if (under('fal.ai')) {
    return 'rest';
  }
  return null;
}

/** One fal API request as routed: host, path and the effective credentials. */
interface ApiCall {
  req: IncomingMessage;
  res: ServerResponse;
  hostKind: HostKind;
  path: string;
  query: URLSearchParams;
  authorization: string | undefined;
  record: RequestRecord;
  /** A delivery fault taken for this request: it shapes the normal answer. */
  delivery?: DeliveryFault;
}

const JOB_STATUSES: readonly JobStatus[] = ['IN_QUEUE', 'IN_PROGRESS', 'COMPLETED'];

function parseConfigPatch(input: unknown): ImitationConfigPatch {
  const fields = expectObject(
    input, 'config', ['timing', 'rejectedKeys', 'logsWhenDisabled', 'offline', 'prices', 'pricingForbiddenKeys'],
  );
  const patch: ImitationConfigPatch = {};
  if (fields.timing !== undefined) {
    const timing = expectObject(fields.timing, 'config.timing', ['queuePositions', 'queueMs', 'processingMs', 'logSteps', 'pingIntervalMs']);
    const what = 'config.timing';
    patch.timing = dropUndefined({
      queuePositions: optionalNumber(timing, 'queuePositions', what, { min: 0, max: 1000, integer: true }),
      queueMs: optionalNumber(timing, 'queueMs', what, { min: 0 }),
      processingMs: optionalNumber(timing, 'processingMs', what, { min: 0 }),
      logSteps: optionalNumber(timing, 'logSteps', what, { min: 0, max: 1000, integer: true }),
      pingIntervalMs: optionalNumber(timing, 'pingIntervalMs', what, { min: 10 }),
    });
  }
  const rejectedKeys = optionalStringArray(fields, 'rejectedKeys', 'config');
  if (rejectedKeys) {
    patch.rejectedKeys = rejectedKeys;
  }
  const logsWhenDisabled = optionalOneOf(fields, 'logsWhenDisabled', 'config', ['missing', 'null', 'empty'] as const);
  if (logsWhenDisabled) {
    patch.logsWhenDisabled = logsWhenDisabled;
  }
  if (fields.offline !== undefined) {
    if (typeof fields.offline !== 'boolean') {
      throw new InputError('config.offline must be a boolean');
    }
    patch.offline = fields.offline;
  }
  if (fields.prices !== undefined) {
    patch.prices = parsePricesPatch(fields.prices);
  }
  const pricingForbiddenKeys = optionalStringArray(fields, 'pricingForbiddenKeys', 'config');
  if (pricingForbiddenKeys) {
    patch.pricingForbiddenKeys = pricingForbiddenKeys;
  }
  return patch;
}

function parseWaitForJob(input: unknown): WaitForJobRequest {
  const fields = expectObject(input, 'wait-for-job', ['requestId', 'promptIncludes', 'endpoint', 'status', 'timeoutMs']);
  const status = optionalOneOf(fields, 'status', 'wait-for-job', JOB_STATUSES);
  if (!status) {
    throw new InputError('wait-for-job.status is required');
  }
  return dropUndefined({
    requestId: optionalString(fields, 'requestId', 'wait-for-job'),
    promptIncludes: optionalString(fields, 'promptIncludes', 'wait-for-job'),
    endpoint: optionalString(fields, 'endpoint', 'wait-for-job'),
    timeoutMs: optionalNumber(fields, 'timeoutMs', 'wait-for-job', { min: 0, max: 600_000, integer: true }),
    status,
  });
}

function parseCompleteMultipart(input: unknown): { partNumber: number; etag: string }[] {
  const fields = expectObject(input, 'body', ['parts']);
  if (!Array.isArray(fields.parts)) {
    throw new InputError('body.parts must be an array');
  }
  return fields.parts.map((part: unknown, index) => {
    const what = `body.parts[${index}]`;
    const entry = expectObject(part, what, ['partNumber', 'etag']);
    const partNumber = optionalNumber(entry, 'partNumber', what, { min: 1, integer: true });
    if (partNumber === undefined) {
      throw new InputError(`${what}.partNumber is required`);
    }
    return { partNumber, etag: requiredString(entry, 'etag', what) };
  });
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as T;
}

class Imitation implements FalImitation {
  private readonly server: Server;
  private origin = '';
  private readonly defaults: ImitationConfig;
  private current: ImitationConfig;
  private pricing = defaultPricing();
  private readonly faultBook = new FaultBook();
  private readonly queue: JobQueue;
  private readonly store: UploadStore;
  private readonly videoSize: number;
  private readonly deletedVideos = new Set<string>();
  private requestLog: RequestRecord[] = [];
  private nextSeq = 1;
  /** Requests held open by hang, stallMidBody and trickle faults, and open status streams: closed on reset and close. */
  private readonly heldOpen = new Set<ServerResponse>();
  private readonly streamClosers = new Set<() => void>();
  private readonly sockets = new Set<Socket>();
  readonly proxyKeyId: string;
  private readonly proxyKey: string;

  constructor(
    private readonly options: FalImitationOptions,
    private readonly videoFile: string,
    private readonly storageDir: string,
    private readonly ownsStorageDir: boolean,
  ) {
    this.defaults = {
      timing: { ...(options.realistic ? REALISTIC_TIMING : FAST_TIMING), ...(options.timing ?? {}) },
      rejectedKeys: [...(options.rejectedKeys ?? [])],
      logsWhenDisabled: 'null',
      offline: false,
    };
    this.current = structuredClone(this.defaults);
    this.proxyKey = options.proxyKey ?? DEFAULT_PROXY_KEY;
    this.proxyKeyId = this.proxyKey.split(':')[0];
    this.videoSize = statSync(videoFile).size;
    this.queue = new JobQueue(() => this.current.timing, (requestId) => ({
      url: `${this.origin}${RESULT_VIDEOS_PREFIX}${requestId}.mp4`,
      fileName: `${requestId}.mp4`,
      fileSize: this.videoSize,
    }));
    this.store = new UploadStore(path.join(storageDir, 'uploads'), () => this.origin);
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => this.internalError(res, error));
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  get url(): string {
    return this.origin;
  }

  listen(port: number, host: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const address = this.server.address() as AddressInfo;
        const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
        this.origin = `http://${shownHost === '0.0.0.0' ? '127.0.0.1' : shownHost}:${address.port}`;
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    this.releaseHeld();
    this.queue.clear();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const socket of this.sockets) {
        socket.destroy();
      }
    });
    await this.store.clear();
    if (this.ownsStorageDir) {
      await rm(this.storageDir, { recursive: true, force: true });
    }
  }

  async reset(): Promise<void> {
    this.releaseHeld();
    this.queue.clear();
    this.faultBook.clear();
    this.requestLog = [];
    this.nextSeq = 1;
    this.deletedVideos.clear();
    this.current = structuredClone(this.defaults);
    this.pricing = defaultPricing();
    await this.store.clear();
  }

  config(): ImitationConfig {
    return structuredClone(this.current);
  }

  configure(patch: ImitationConfigPatch): ImitationConfig {
    const parsed = parseConfigPatch(patch);
    this.current = {
      timing: { ...this.current.timing, ...(parsed.timing ?? {}) },
      rejectedKeys: parsed.rejectedKeys ?? this.current.rejectedKeys,
      logsWhenDisabled: parsed.logsWhenDisabled ?? this.current.logsWhenDisabled,
      offline: parsed.offline ?? this.current.offline,
    };
    this.pricing = {
      prices: parsed.prices ? applyPricesPatch(this.pricing.prices, parsed.prices) : this.pricing.prices,
      pricingForbiddenKeys: parsed.pricingForbiddenKeys ?? this.pricing.pricingForbiddenKeys,
    };
    return this.config();
  }

  pricingConfig(): PricingConfig {
    return structuredClone(this.pricing);
  }

  addFault(spec: FaultSpec): FaultRecord {
    return this.faultBook.add(spec);
  }

  faults(): FaultRecord[] {
    return this.faultBook.list();
  }

  clearFaults(): void {
    this.faultBook.clear();
  }

  requests(): RequestRecord[] {
    return structuredClone(this.requestLog);
  }

  jobs(): JobRecord[] {
    return this.queue.records();
  }

  job(requestId: string): JobRecord | undefined {
    const job = this.queue.get(requestId);
    return job ? structuredClone(job.record) : undefined;
  }

  waitForJob(request: WaitForJobRequest): Promise<JobRecord> {
    const { status, timeoutMs, ...query } = request;
    return this.queue.waitFor(query, status, timeoutMs ?? DEFAULT_WAIT_MS);
  }

  stats(): ImitationStats {
    return this.queue.stats();
  }

  uploads(): UploadRecord[] {
    return this.store.list();
  }

  deleteResultVideos(requestIds?: string[]): string[] {
    const removed: string[] = [];
    for (const record of this.queue.records()) {
      if (record.videoUrl && (!requestIds || requestIds.includes(record.requestId)) && !this.deletedVideos.has(record.requestId)) {
        this.deletedVideos.add(record.requestId);
        removed.push(record.videoUrl);
      }
    }
    return removed;
  }

  // ---- Routing --------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://imitation.invalid');
    if (this.current.offline && !url.pathname.startsWith(CONTROL_PREFIX)) {
      req.socket.destroy();
      return;
    }
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        ...CORS_HEADERS,
        'access-control-allow-methods': 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS',
        'access-control-allow-headers': req.headers['access-control-request-headers'] ?? '*',
        'access-control-max-age': '600',
      });
      res.end();
      return;
    }
    if (url.pathname.startsWith(CONTROL_PREFIX)) {
      await this.handleControl(req, res, url);
      return;
    }

    if (url.pathname.startsWith('/files/')) {
      await this.handleFile(req, res, url);
      return;
    }
    if (url.pathname.startsWith(UPLOAD_PATH_PREFIX)) {
      await this.handleUploadBytes(req, res, url);
      return;
    }
    if (PROXY_PATHS.includes(url.pathname.replace(/\/$/, ''))) {
      await this.handleProxy(req, res);
      return;
    }
    const declaredHost = headerValue(req, IMITATION_HOST_HEADER);
    const host = declaredHost ?? defaultHost(url.pathname);
    const hostKind = classifyFalHost(host);
    if (!hostKind) {
      sendJson(res, 400, { detail: `${IMITATION_HOST_HEADER}: '${host}' is not a fal host` });
      return;
    }
    const authorization = headerValue(req, 'authorization');
    await this.handleApi({
      req, res, hostKind, path: url.pathname, query: url.searchParams, authorization,
      record: this.record(req, host, `${url.pathname}${url.search}`, false, authorization, false),
    });
  }

  /** fal's documented server-side proxy: the target is in x-fal-target-url and the proxy holds the key. */
  private async handleProxy(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = headerValue(req, TARGET_URL_HEADER);
    if (!target) {
      sendJson(res, 400, { detail: `Missing the ${TARGET_URL_HEADER} header` });
      return;
    }
    let targetUrl: URL;
    try {
      targetUrl = new URL(target);
    } catch {
      sendJson(res, 412, { detail: `Invalid ${TARGET_URL_HEADER} header: '${target}' is not a URL` });
      return;
    }
    const hostKind = targetUrl.protocol === 'https:' ? classifyFalHost(targetUrl.host) : null;
    if (!hostKind) {
      sendJson(res, 412, {
        detail: `Invalid ${TARGET_URL_HEADER} header: the proxy only forwards to fal hosts over https ` +
          `(fal.run, fal.ai, fal.media), not '${targetUrl.protocol}//${targetUrl.host}'`,
      });
      return;
    }
    const clientAuthorization = headerValue(req, 'authorization');
    const authorization = clientAuthorization ?? `Key ${this.proxyKey}`;
    await this.handleApi({
      req, res, hostKind, path: targetUrl.pathname, query: targetUrl.searchParams, authorization,
      record: this.record(req, targetUrl.host, `${targetUrl.pathname}${targetUrl.search}`, true, authorization, !clientAuthorization),
    });
  }

  private async handleApi(call: ApiCall): Promise<void> {
    const auth = this.checkAuthorization(call.authorization);
    call.record.keyId = auth.keyId;
    if (!auth.ok) {
      this.answer(call, auth.answer);
      return;
    }
    if (call.hostKind === 'rest') {
      await (isPricingPath(call.path) ? this.handlePricing(call) : this.handleStorageApi(call));
      return;
    }
    if (call.hostKind === 'media') {
      sendJson(call.res, 404, { detail: 'Not Found' });
      return;
    }
    const requestRoute = /^\/(.+?)\/requests\/([^/]+)(\/status(\/stream)?|\/cancel)?\/?$/.exec(call.path);
    if (call.hostKind === 'queue' && requestRoute) {
      const [, , requestId, suffix, stream] = requestRoute;
      call.record.requestId = requestId;
      const method = call.req.method ?? 'GET';
      if (suffix === '/cancel') {
        call.record.stage = 'cancel';
        await (method === 'PUT' ? this.cancel(call, requestId) : this.methodNotAllowed(call));
      } else if (stream) {
        call.record.stage = 'stream';
        await (method === 'GET' ? this.streamStatus(call, requestId) : this.methodNotAllowed(call));
      } else if (suffix) {
        call.record.stage = 'status';
        await (method === 'GET' ? this.status(call, requestId) : this.methodNotAllowed(call));
      } else {
        call.record.stage = 'result';
        await (method === 'GET' ? this.result(call, requestId) : this.methodNotAllowed(call));
      }
      return;
    }
    call.record.stage = call.hostKind === 'run' ? 'run' : 'submit';
    if (call.req.method !== 'POST') {
      await this.methodNotAllowed(call);
      return;
    }
    await this.submit(call);
  }

  // ---- Queue ----------------------------------------------------------------------------------

  private async submit(call: ApiCall): Promise<void> {
    const endpoint = call.path.replace(/^\/+|\/+$/g, '');
    call.record.endpoint = endpoint;
    const body = await this.readJsonBody(call);
    if (body === invalidBody) {
      return;
    }
    if (!isKnownEndpoint(endpoint)) {
      this.answer(call, { status: 404, body: { detail: `Application '${endpoint}' not found` } });
      return;
    }
    const subject: FaultSubject = { prompt: promptOf(body), endpoints: [endpoint], requestId: null };
    if (await this.applyFault(call, 'submit', subject, body)) {
      return;
    }
    const jobFaults: FaultRecord[] = [];
    const jobKinds: FaultKind[] = ['noVideo', 'runnerDisconnected', 'neverFinish', 'slow'];
    for (let fault = this.faultBook.take('submit', subject, jobKinds); fault; fault = this.faultBook.take('submit', subject, jobKinds)) {
      jobFaults.push(fault);
      jobKinds.splice(jobKinds.indexOf(fault.kind), 1);
    }
    const synchronous = call.hostKind === 'run';
    const job = this.queue.submit({
      endpoint, input: body, viaProxy: call.record.viaProxy, synchronous, plan: this.plan(endpoint, body, jobFaults),
    });
    const { requestId } = job.record;
    call.record.requestId = requestId;
    if (synchronous) {
      await this.runSynchronously(call, job);
      return;
    }
    this.answer(call, {
      status: 200,
      body: { status: 'IN_QUEUE', ...this.requestUrls(job), queue_position: job.record.queuePosition ?? 0 },
      headers: { 'x-fal-request-id': requestId },
    });
  }

  private plan(endpoint: string, body: unknown, faults: FaultRecord[]): JobPlan {
    const plan: JobPlan = {
      values: null, inputError: null, processingMs: null, neverFinish: false, noVideo: false,
      runnerDisconnectedStatus: null, faults: faults.map((fault) => fault.kind),
    };
    for (const fault of faults) {
      if (fault.kind === 'slow') {
        plan.processingMs = fault.ms;
      } else if (fault.kind === 'neverFinish') {
        plan.neverFinish = true;
      } else if (fault.kind === 'noVideo') {
        plan.noVideo = true;
      } else if (fault.kind === 'runnerDisconnected') {
        plan.runnerDisconnectedStatus = fault.status ?? 503;
      }
    }
    if (!isKnownEndpoint(endpoint)) {
      return plan;
    }
    const validation = validateInput(endpoint, body);
    if (!validation.ok) {
      plan.inputError = { status: 422, body: { detail: validation.detail } };
      return plan;
    }
    const downloadError = isVideoToVideo(endpoint) ? this.checkVideoUrl(validation.values.video_url) : null;
    if (downloadError) {
      plan.inputError = downloadError;
      return plan;
    }
    plan.values = validation.values;
    return plan;
  }

  /** The runner downloads `video_url`: files of this imitation must exist; other URLs cannot be fetched offline and pass. */
  private checkVideoUrl(videoUrl: unknown): ErrorAnswer | null {
    const url = typeof videoUrl === 'string' ? videoUrl : '';
    const failed: ErrorAnswer = {
      status: 422,
      body: { detail: [modelError('file_download_error', ['body', 'video_url'], 'File download error', url)] },
      headers: { 'x-fal-retryable': 'false' },
    };
    if (url.startsWith('data:')) {
      return /^data:[^,]*,/.test(url) ? null : failed;
    }
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return failed;
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      return failed;
    }
    if (parsed.origin === this.origin && parsed.pathname.startsWith(UPLOADED_FILES_PREFIX)) {
      const token = parsed.pathname.slice(UPLOADED_FILES_PREFIX.length).split('/')[0];
      return this.store.has(token) ? null : failed;
    }
    if (parsed.origin === this.origin && parsed.pathname.startsWith(RESULT_VIDEOS_PREFIX)) {
      return this.resultVideoExists(parsed.pathname) ? null : failed;
    }
    return null;
  }

  private async runSynchronously(call: ApiCall, job: Job): Promise<void> {
    const { requestId } = job.record;
    // fal cancels a direct request when its caller goes away.
    const onClientGone = (): void => {
      if (!call.res.writableEnded) {
        this.queue.cancel(requestId);
      }
    };
    call.res.on('close', onClientGone);
    try {
      await this.queue.waitFor({ requestId }, 'COMPLETED', 24 * 60 * 60 * 1000);
    } catch {
      return;
    } finally {
      call.res.off('close', onClientGone);
    }
    if (call.res.destroyed || !this.queue.get(requestId)) {
      return;
    }
    const subject = this.subjectOf(job, requestId);
    if (await this.applyFault(call, 'result', subject, job.record.input)) {
      return;
    }
    this.answerResult(call, job, this.faultBook.take('result', subject, ['noVideo']) !== undefined);
  }

  private async status(call: ApiCall, requestId: string): Promise<void> {
    const job = this.queue.get(requestId);
    if (await this.applyFault(call, 'status', this.subjectOf(job, requestId), job?.record.input)) {
      return;
    }
    if (!job) {
      this.answer(call, { status: 404, body: { detail: `Request '${requestId}' not found` } });
      return;
    }
    const withLogs = call.query.get('logs') === '1';
    this.answer(call, {
      status: job.record.status === 'COMPLETED' ? 200 : 202,
      body: this.statusBody(job, withLogs, job.record.logs),
      headers: { 'x-fal-request-id': requestId },
    });
  }

  /** `text/event-stream` of status events on each change, `: ping` comments, closed after COMPLETED. */
  private async streamStatus(call: ApiCall, requestId: string): Promise<void> {
    const job = this.queue.get(requestId);
    if (await this.applyFault(call, 'stream', this.subjectOf(job, requestId), job?.record.input)) {
      return;
    }
    if (!job) {
      this.answer(call, { status: 404, body: { detail: `Request '${requestId}' not found` } });
      return;
    }
    const { res } = call;
    const withLogs = call.query.get('logs') === '1';
    const headers = {
      ...CORS_HEADERS,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-fal-request-id': requestId,
    };
    if (call.delivery) {
      // A stream has no whole body: a delivery fault shapes its first event.
      const firstEvent = `data: ${JSON.stringify(this.statusBody(job, withLogs, job.record.logs))}\n\n`;
      this.deliver(call, { status: 200, headers, body: Buffer.from(firstEvent) }, call.delivery);
      return;
    }
    res.writeHead(200, headers);
    call.record.responseStatus = 200;
    this.logLine(call);
    let logsSent = 0;
    let lastSent = '';
    const send = (): void => {
      const { record } = job;
      // Like fal, each event carries only the log lines that are new since the previous event.
      const signature = `${record.status}|${record.queuePosition ?? ''}|${record.logs.length}`;
      if (signature === lastSent) {
        return;
      }
      lastSent = signature;
      const newLogs = record.logs.slice(logsSent);
      logsSent = record.logs.length;
      res.write(`data: ${JSON.stringify(this.statusBody(job, withLogs, newLogs))}\n\n`);
      if (record.status === 'COMPLETED') {
        close();
      }
    };
    const ping = setInterval(() => res.write(': ping\n\n'), this.current.timing.pingIntervalMs);
    const unsubscribe = this.queue.onChange((changed) => {
      if (changed.record.requestId === requestId) {
        send();
      }
    });
    const close = (): void => {
      clearInterval(ping);
      unsubscribe();
      this.streamClosers.delete(close);
      if (!res.writableEnded) {
        res.end();
      }
    };
    this.streamClosers.add(close);
    res.on('close', close);
    send();
  }

  private async result(call: ApiCall, requestId: string): Promise<void> {
    const job = this.queue.get(requestId);
    const subject = this.subjectOf(job, requestId);
    if (await this.applyFault(call, 'result', subject, job?.record.input)) {
      return;
    }
    if (!job) {
      this.answer(call, { status: 404, body: { detail: `Request '${requestId}' not found` } });
      return;
    }
    if (job.record.status !== 'COMPLETED') {
      this.answer(call, { status: 400, body: { detail: 'Request is still in progress' }, headers: { 'x-fal-request-id': requestId } });
      return;
    }
    this.answerResult(call, job, this.faultBook.take('result', subject, ['noVideo']) !== undefined);
  }

  private answerResult(call: ApiCall, job: Job, withoutVideo: boolean): void {
    const headers = { 'x-fal-request-id': job.record.requestId };
    if (job.failure) {
      this.answer(call, { ...job.failure, headers: { ...headers, ...(job.failure.headers ?? {}) } });
      return;
    }
    if (withoutVideo) {
      call.record.fault = 'noVideo';
      this.answer(call, { status: 200, body: { seed: job.record.seed }, headers });
      return;
    }
    this.answer(call, { status: 200, body: job.output, headers });
  }

  private async cancel(call: ApiCall, requestId: string): Promise<void> {
    const job = this.queue.get(requestId);
    if (await this.applyFault(call, 'cancel', this.subjectOf(job, requestId), job?.record.input)) {
      return;
    }
    const outcome = this.queue.cancel(requestId);
    const answers = {
      notFound: { status: 404, body: { status: 'NOT_FOUND' } },
      alreadyCompleted: { status: 400, body: { status: 'ALREADY_COMPLETED' } },
      requested: { status: 202, body: { status: 'CANCELLATION_REQUESTED' } },
    } as const;
    this.answer(call, answers[outcome]);
  }

  private statusBody(job: Job, withLogs: boolean, logs: readonly unknown[]): Record<string, unknown> {
    const { record } = job;
    const body: Record<string, unknown> = { status: record.status, ...this.requestUrls(job) };
    if (record.status === 'IN_QUEUE') {
      body.queue_position = record.queuePosition ?? 0;
      return body;
    }
    if (withLogs) {
      body.logs = logs;
    } else if (this.current.logsWhenDisabled !== 'missing') {
      body.logs = this.current.logsWhenDisabled === 'null' ? null : [];
    }
    if (record.status === 'COMPLETED') {
      body.metrics = record.inferenceTimeSeconds === null ? {} : { inference_time: record.inferenceTimeSeconds };
      if (job.statusError) {
        Object.assign(body, job.statusError);
      }
    }
    return body;
  }

  /** Status, result and cancel URLs name only owner/alias, like fal's. */
  private requestUrls(job: Job): Record<string, string> {
    const [owner, alias] = job.record.endpoint.split('/');
    const base = `https://queue.fal.run/${owner}/${alias}/requests/${job.record.requestId}`;
    return {
      request_id: job.record.requestId,
      response_url: base,
      status_url: `${base}/status`,
      cancel_url: `${base}/cancel`,
    };
  }

  // ---- Storage --------------------------------------------------------------------------------

  private async handleStorageApi(call: ApiCall): Promise<void> {
    const route = /^\/storage\/upload\/(initiate|initiate-multipart)\/?$/.exec(call.path);
    if (!route) {
      call.record.stage = 'other';
      this.answer(call, { status: 404, body: { detail: 'Not Found' } });
      return;
    }
    call.record.stage = 'upload-initiate';
    if (call.req.method !== 'POST') {
      await this.methodNotAllowed(call);
      return;
    }
    const body = await this.readJsonBody(call);
    if (body === invalidBody) {
      return;
    }
    if (await this.applyFault(call, 'upload', NO_SUBJECT, body)) {
      return;
    }
    const missingOrWrong = ['content_type', 'file_name'].filter((field) => !isRecord(body) || typeof body[field] !== 'string');
    if (!isRecord(body) || missingOrWrong.length > 0) {
      const detail = missingOrWrong.map((field) => isRecord(body) && field in body
        ? { type: 'string_type', loc: ['body', field], msg: 'Input should be a valid string', input: body[field] }
        : { type: 'missing', loc: ['body', field], msg: 'Field required', input: body ?? null });
      this.answer(call, { status: 422, body: { detail } });
      return;
    }
    const multipart = route[1] === 'initiate-multipart';
    this.answer(call, { status: 200, body: this.store.initiate(String(body.content_type), String(body.file_name), multipart) });
  }

  /** PUT of the bytes to an upload URL (no Authorization, like a signed URL), parts and completion. */
  private async handleUploadBytes(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const [token, part] = url.pathname.slice(UPLOAD_PATH_PREFIX.length).split('/');
    const host = headerValue(req, IMITATION_HOST_HEADER) ?? new URL(this.origin).host;
    const record = this.record(req, host, `${url.pathname}${url.search}`, false, headerValue(req, 'authorization'), false);
    const call: ApiCall = { req, res, hostKind: 'rest', path: url.pathname, query: url.searchParams, authorization: undefined, record };
    try {
      if (part === undefined && req.method === 'PUT') {
        record.stage = 'upload-put';
        if (await this.applyFault(call, 'uploadPut', NO_SUBJECT, null)) {
          return;
        }
        await this.store.put(token, req, headerValue(req, 'content-type'));
        this.answer(call, { status: 200, body: { ok: true } });
      } else if (part === 'complete' && req.method === 'POST') {
        record.stage = 'upload-complete';
        const body = await this.readJsonBody(call);
        if (body === invalidBody) {
          return;
        }
        let parts: { partNumber: number; etag: string }[];
        try {
          parts = parseCompleteMultipart(body);
        } catch (error) {
          this.answer(call, { status: 400, body: { detail: error instanceof Error ? error.message : String(error) } });
          return;
        }
        const upload = await this.store.complete(token, parts);
        this.answer(call, { status: 200, body: { file_url: upload.fileUrl } });
      } else if (part !== undefined && /^\d+$/.test(part) && req.method === 'PUT') {
        record.stage = 'upload-part';
        if (await this.applyFault(call, 'uploadPut', NO_SUBJECT, null)) {
          return;
        }
        this.answer(call, { status: 200, body: await this.store.putPart(token, Number(part), req) });
      } else {
        record.stage = 'other';
        this.answer(call, { status: 405, body: { detail: 'Method Not Allowed' } });
      }
    } catch (error) {
      if (error instanceof UploadError) {
        req.resume();
        this.answer(call, { status: error.status, body: { detail: error.message } });
        return;
      }
      throw error;
    }
  }

  // ---- Files ----------------------------------------------------------------------------------

  /** Result videos and uploaded files: no key needed, recorded only when a `video` fault shapes the answer. */
  private async handleFile(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(res, 405, { detail: 'Method Not Allowed' });
      return;
    }
    const authorization = headerValue(req, 'authorization');
    const host = headerValue(req, IMITATION_HOST_HEADER) ?? new URL(this.origin).host;
    const record = this.newRecord(req, host, `${url.pathname}${url.search}`, false, authorization, false);
    record.stage = 'video';
    const call: ApiCall = { req, res, hostKind: 'media', path: url.pathname, query: url.searchParams, authorization, record };
    const subject = this.fileSubject(url.pathname);
    record.requestId = subject.requestId;
    if (await this.applyFault(call, 'video', subject, null)) {
      return;
    }
    const file = await this.fileAt(url.pathname);
    if (call.delivery) {
      this.send(call, file ? await fileWire(req, file) : jsonWire(404, { detail: 'File not found' }));
    } else if (file) {
      await serveFile(req, res, file);
    } else {
      sendJson(res, 404, { detail: 'File not found' });
    }
  }

  private fileSubject(pathname: string): FaultSubject {
    const requestId = /^\/files\/videos\/([^/]+)\.mp4$/.exec(pathname)?.[1];
    return requestId === undefined ? NO_SUBJECT : this.subjectOf(this.queue.get(requestId), requestId);
  }

  private async fileAt(pathname: string): Promise<ServedFile | undefined> {
    if (pathname.startsWith(RESULT_VIDEOS_PREFIX)) {
      return this.resultVideoExists(pathname) ? { file: this.videoFile, contentType: 'video/mp4', size: this.videoSize } : undefined;
    }
    if (pathname.startsWith(UPLOADED_FILES_PREFIX)) {
      return this.store.lookup(pathname.slice(UPLOADED_FILES_PREFIX.length).split('/')[0]);
    }
    return undefined;
  }

  // ---- Pricing --------------------------------------------------------------------------------

  /** fal's platform pricing API; a key listed in `pricingForbiddenKeys` may not read prices. */
  private async handlePricing(call: ApiCall): Promise<void> {
    call.record.stage = 'pricing';
    if (call.req.method !== 'GET') {
      await this.methodNotAllowed(call);
      return;
    }
    const ids = requestedEndpointIds(call.query);
    if (await this.applyFault(call, 'pricing', { ...NO_SUBJECT, endpoints: ids }, null)) {
      return;
    }
    const key = parseKey(call.authorization);
    const forbidden = key !== null && this.pricing.pricingForbiddenKeys.some((listed) => listed === key.key || listed === key.id);
    this.answer(call, forbidden ? FORBIDDEN_ANSWER : pricingAnswer(ids, this.pricing.prices));
  }

  private resultVideoExists(pathname: string): boolean {
    const match = /^\/files\/videos\/([^/]+)\.mp4$/.exec(pathname);
    if (!match || this.deletedVideos.has(match[1])) {
      return false;
    }
    const job = this.queue.get(match[1]);
    return job !== undefined && job.record.videoUrl !== null;
  }

  // ---- Control API ----------------------------------------------------------------------------

  private async handleControl(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const route = `${req.method ?? 'GET'} ${url.pathname.slice(CONTROL_PREFIX.length).replace(/\/$/, '')}`;
    const readBodyJson = async (): Promise<unknown> => {
      const parsed = parseJson(await readBody(req, MAX_JSON_BODY));
      if (parsed.kind === 'invalid') {
        throw new ControlError(400, `Body is not JSON: ${parsed.error}`);
      }
      return parsed.kind === 'json' ? parsed.value : {};
    };
    try {
      const finishMatch = /^POST jobs\/([^/]+)\/finish$/.exec(route);
      if (finishMatch) {
        const outcome = this.queue.finishNow(decodeURIComponent(finishMatch[1]));
        if (outcome !== 'finished') {
          throw new ControlError(outcome === 'notFound' ? 404 : 409, outcome === 'notFound' ? `No job ${finishMatch[1]}` : `Job ${finishMatch[1]} is not held running by a neverFinish fault`);
        }
        sendJson(res, 200, this.job(decodeURIComponent(finishMatch[1])));
        return;
      }
      const jobMatch = /^GET jobs\/([^/]+)$/.exec(route);
      if (jobMatch) {
        const record = this.job(decodeURIComponent(jobMatch[1]));
        if (!record) {
          throw new ControlError(404, `No job ${jobMatch[1]}`);
        }
        sendJson(res, 200, record);
        return;
      }
      switch (route) {
        case 'GET health':
          sendJson(res, 200, { ok: true, url: this.origin });
          return;
        case 'POST reset':
          await this.reset();
          sendJson(res, 200, { ok: true });
          return;
        case 'GET config':
          sendJson(res, 200, this.config());
          return;
        case 'GET pricing-config':
          sendJson(res, 200, this.pricingConfig());
          return;
        case 'POST config':
          sendJson(res, 200, this.configure(parseConfigPatch(await readBodyJson())));
          return;
        case 'GET faults':
          sendJson(res, 200, this.faults());
          return;
        case 'POST faults':
          sendJson(res, 201, this.faultBook.add(await readBodyJson()));
          return;
        case 'DELETE faults':
          this.clearFaults();
          sendJson(res, 200, { ok: true });
          return;
        case 'GET requests':
          sendJson(res, 200, this.requests());
          return;
        case 'GET jobs':
          sendJson(res, 200, this.jobs());
          return;
        case 'POST wait-for-job': {
          const request = parseWaitForJob(await readBodyJson());
          try {
            sendJson(res, 200, await this.waitForJob(request));
          } catch (error) {
            throw new ControlError(408, error instanceof Error ? error.message : String(error));
          }
          return;
        }
        case 'GET stats':
          sendJson(res, 200, this.stats());
          return;
        case 'GET uploads':
          sendJson(res, 200, this.uploads());
          return;
        case 'POST delete-result-videos': {
          const fields = expectObject(await readBodyJson(), 'delete-result-videos', ['requestIds']);
          sendJson(res, 200, { deleted: this.deleteResultVideos(optionalStringArray(fields, 'requestIds', 'delete-result-videos')) });
          return;
        }
        default:
          throw new ControlError(404, `Unknown control operation '${route}'`);
      }
    } catch (error) {
      if (error instanceof ControlError) {
        sendJson(res, error.status, { detail: error.message });
      } else if (error instanceof FaultSpecError || error instanceof InputError) {
        sendJson(res, 400, { detail: error.message });
      } else {
        throw error;
      }
    }
  }

  // ---- Shared pieces --------------------------------------------------------------------------

  private checkAuthorization(header: string | undefined):
    { ok: true; keyId: string } | { ok: false; keyId: string | null; answer: ErrorAnswer } {
    const parsed = parseKey(header);
    if (!parsed) {
      return { ok: false, keyId: null, answer: { status: 401, body: { detail: INVALID_KEY_FORMAT_DETAIL } } };
    }
    const { id: keyId, key } = parsed;
    if (this.current.rejectedKeys.includes(key) || this.current.rejectedKeys.includes(keyId)) {
      return { ok: false, keyId, answer: { status: 401, body: { detail: NO_USER_DETAIL } } };
    }
    return { ok: true, keyId };
  }

  /**
   * Takes the first fault armed for this stage and request. An answer fault answers (or withholds
   * the answer) at once: true, the request is done. A delivery fault is kept on the call to shape its
   * normal answer: false, processing goes on.
   */
  private async applyFault(call: ApiCall, stage: FaultStage, subject: FaultSubject, input: unknown): Promise<boolean> {
    // A fal.run request keeps the delivery fault taken at its submit for the answer it gives at the end.
    const fault = this.faultBook.take(stage, subject, call.delivery ? ANSWER_KINDS : WIRE_KINDS);
    if (!fault) {
      return false;
    }
    this.keepRecord(call.record);
    call.record.fault = fault.kind;
    if (isDeliveryFault(fault)) {
      call.delivery = fault;
      return false;
    }
    switch (fault.kind) {
      case 'hang':
        this.hold(call.res);
        this.logLine(call, 'held open (hang)');
        return true;
      case 'drop':
        this.logLine(call, 'dropped');
        call.req.socket.destroy();
        return true;
      case 'http': {
        const defaults = defaultErrorAnswer(fault.status, input);
        // An upload PUT may still be sending its bytes.
        await discardBody(call.req);
        this.answer(call, fault.body === undefined
          ? { ...defaults, headers: { ...(defaults.headers ?? {}), ...(fault.headers ?? {}) } }
          : { status: fault.status, body: fault.body, contentType: fault.contentType, headers: fault.headers });
        return true;
      }
      case 'redirect':
        await discardBody(call.req);
        this.answer(call, redirectAnswer(fault.location));
        return true;
      case 'echoKey':
        await discardBody(call.req);
        this.answer(call, echoKeyAnswer(credentialsOf(call.req, call.authorization), fault.status ?? 401, fault.shape ?? 'detailString'));
        return true;
      default:
        return false;
    }
  }

  /** Puts the normal answer on the wire the way the request's delivery fault says. */
  private deliver(call: ApiCall, wire: WireAnswer, fault: DeliveryFault): void {
    const { req, res, record } = call;
    switch (fault.kind) {
      case 'resetAfterRequest':
        this.logLine(call, 'reset after processing');
        req.socket.destroy();
        return;
      case 'stallMidBody':
        sendStalled(res, wire, fault.afterBytes);
        this.hold(res);
        break;
      case 'trickle':
        sendTrickled(res, wire, fault.bytesPerChunk ?? TRICKLE_DEFAULTS.bytesPerChunk, fault.intervalMs ?? TRICKLE_DEFAULTS.intervalMs);
        this.hold(res);
        break;
      case 'malformedJson':
        sendWire(res, malformedJson(wire));
        break;
      case 'wrongContentType':
        sendWire(res, relabelled(wire, fault.contentType ?? WRONG_CONTENT_TYPE_DEFAULT));
        break;
      case 'hugeContentLength':
        sendWithHugeLength(req.socket, wire);
        break;
    }
    record.responseStatus = wire.status;
    this.logLine(call, `${wire.status} (${fault.kind})`);
  }

  private hold(res: ServerResponse): void {
    this.heldOpen.add(res);
    res.on('close', () => this.heldOpen.delete(res));
  }

  private subjectOf(job: Job | undefined, requestId: string): FaultSubject {
    return { prompt: promptOf(job?.record.input), endpoints: job ? [job.record.endpoint] : [], requestId };
  }

  private async readJsonBody(call: ApiCall): Promise<unknown> {
    let buffer: Buffer;
    try {
      buffer = await readBody(call.req, MAX_JSON_BODY);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        this.answer(call, { status: 413, body: { detail: error.message } });
        return invalidBody;
      }
      throw error;
    }
    const parsed = parseJson(buffer);
    if (parsed.kind === 'invalid') {
      this.answer(call, {
        status: 422,
        body: { detail: [{ type: 'json_invalid', loc: ['body', 0], msg: 'JSON decode error', input: {}, ctx: { error: parsed.error } }] },
      });
      return invalidBody;
    }
    const value = parsed.kind === 'json' ? parsed.value : null;
    call.record.body = value;
    return value;
  }

  private async methodNotAllowed(call: ApiCall): Promise<void> {
    call.req.resume();
    this.answer(call, { status: 405, body: { detail: 'Method Not Allowed' } });
  }

  private answer(call: ApiCall, answer: ErrorAnswer): void {
    this.send(call, answerWire(answer));
  }

  /** Sends the normal answer, or hands it to the request's delivery fault. */
  private send(call: ApiCall, wire: WireAnswer): void {
    if (call.res.headersSent || call.res.destroyed) {
      return;
    }
    if (call.delivery) {
      this.deliver(call, wire, call.delivery);
      return;
    }
    sendWire(call.res, wire);
    call.record.responseStatus = wire.status;
    this.logLine(call);
  }

  private record(
    req: IncomingMessage, host: string, pathAndQuery: string, viaProxy: boolean,
    authorization: string | undefined, keyInjectedByProxy: boolean,
  ): RequestRecord {
    return this.keepRecord(this.newRecord(req, host, pathAndQuery, viaProxy, authorization, keyInjectedByProxy));
  }

  /** Adds a record to the log (once); its `seq` is 0 until then. */
  private keepRecord(record: RequestRecord): RequestRecord {
    if (record.seq === 0) {
      record.seq = this.nextSeq++;
      this.requestLog.push(record);
    }
    return record;
  }

  private newRecord(
    req: IncomingMessage, host: string, pathAndQuery: string, viaProxy: boolean,
    authorization: string | undefined, keyInjectedByProxy: boolean,
  ): RequestRecord {
    const falHeaders: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (name.startsWith('x-fal-') && name !== IMITATION_HOST_HEADER && name !== TARGET_URL_HEADER && typeof value === 'string') {
        falHeaders[name] = value;
      }
    }
    const record: RequestRecord = {
      seq: 0,
      at: new Date().toISOString(),
      method: req.method ?? 'GET',
      host,
      path: pathAndQuery,
      stage: 'other',
      viaProxy,
      authorizationPresent: headerValue(req, 'authorization') !== undefined,
      keyId: authorization ? /^Key ([^:\s]+):/.exec(authorization.trim())?.[1] ?? null : null,
      keyInjectedByProxy,
      requestId: null,
      endpoint: null,
      body: null,
      falHeaders,
      responseStatus: null,
      fault: null,
    };
    return record;
  }

  private logLine(call: ApiCall, note?: string): void {
    const { record } = call;
    this.options.onRequest?.(
      `${record.method} ${record.host}${record.path.split('?')[0]}${record.viaProxy ? ' (proxy)' : ''} → ${note ?? String(record.responseStatus)}`,
    );
  }

  private releaseHeld(): void {
    for (const close of [...this.streamClosers]) {
      close();
    }
    for (const res of [...this.heldOpen]) {
      res.socket?.destroy();
    }
    this.heldOpen.clear();
  }

  private internalError(res: ServerResponse, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`fal imitation: internal error: ${message}\n`);
    if (!res.headersSent && !res.destroyed) {
      sendJson(res, 500, { detail: `fal imitation internal error: ${message}` });
    } else {
      res.destroy();
    }
  }
}

class ControlError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** Marks a body that was already answered as unreadable. */
const invalidBody = Symbol('invalid body');

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The id and whole key of a well-formed `Key <id>:<secret>` header. */
function parseKey(header: string | undefined): { id: string; key: string } | null {
  const match = header ? /^Key ([^:\s]+):(\S+)$/.exec(header.trim()) : null;
  return match ? { id: match[1], key: `${match[1]}:${match[2]}` } : null;
}

/** The fal host a request without x-fal-imitation-host was meant for. */
function defaultHost(pathname: string): string {
  if (pathname.startsWith('/storage/')) {
    return 'rest.fal.ai';
  }
  return isPricingPath(pathname) ? 'api.fal.ai' : 'queue.fal.run';
}

function promptOf(input: unknown): string | null {
  return isRecord(input) && typeof input.prompt === 'string' ? input.prompt : null;
}
