// Fault injection: a list of armed faults, each applying to the next matching request(s) at a stage.

import { randomUUID } from 'node:crypto';
import {
  expectObject, InputError, optionalNumber, optionalOneOf, optionalString, optionalStringRecord, requiredNumber,
} from './checks';
import {
  ECHO_SHAPES, FAULT_STAGES, FaultAction, FaultKind, FaultMatch, FaultRecord, FaultSpec, FaultStage,
} from './types';

/** Kinds that replace the answer: the request is not processed. */
export const ANSWER_KINDS = ['http', 'hang', 'drop', 'redirect', 'echoKey'] as const;
/** Kinds that let the request be processed as normal and shape how its answer goes on the wire. */
export const DELIVERY_KINDS = [
  'resetAfterRequest', 'stallMidBody', 'trickle', 'malformedJson', 'wrongContentType', 'hugeContentLength',
] as const;
/** Every kind that concerns one HTTP exchange rather than the job behind it. */
export const WIRE_KINDS: readonly FaultKind[] = [...ANSWER_KINDS, ...DELIVERY_KINDS];
export type DeliveryFault = Extract<FaultRecord, { kind: (typeof DELIVERY_KINDS)[number] }>;

export function isDeliveryFault(fault: FaultRecord): fault is DeliveryFault {
  return (DELIVERY_KINDS as readonly string[]).includes(fault.kind);
}

/** A status stream has no body to cut, slow down, relabel or mis-measure: it is open-ended. */
const NOT_STREAM = FAULT_STAGES.filter((stage) => stage !== 'stream');
/** Stages whose normal answer is JSON. */
const JSON_STAGES: readonly FaultStage[] = ['submit', 'status', 'result', 'cancel', 'upload', 'uploadPut', 'pricing'];

/** Which stages each kind can apply at. Job-level kinds shape the job, so they are armed at submit. */
const ALLOWED_STAGES: Record<FaultKind, readonly FaultStage[]> = {
  http: FAULT_STAGES,
  hang: FAULT_STAGES,
  drop: FAULT_STAGES,
  noVideo: ['submit', 'result'],
  runnerDisconnected: ['submit'],
  neverFinish: ['submit'],
  slow: ['submit'],
  resetAfterRequest: FAULT_STAGES,
  stallMidBody: FAULT_STAGES,
  trickle: NOT_STREAM,
  malformedJson: JSON_STAGES,
  wrongContentType: NOT_STREAM,
  hugeContentLength: NOT_STREAM,
  redirect: FAULT_STAGES,
  echoKey: FAULT_STAGES,
};
const FAULT_KINDS = Object.keys(ALLOWED_STAGES) as FaultKind[];
const COMMON_FIELDS = ['kind', 'at', 'match', 'times'];
const KIND_FIELDS: Record<FaultKind, readonly string[]> = {
  http: ['status', 'body', 'contentType', 'headers'],
  hang: [],
  drop: [],
  noVideo: [],
  runnerDisconnected: ['status'],
  neverFinish: [],
  slow: ['ms'],
  resetAfterRequest: [],
  stallMidBody: ['afterBytes'],
  trickle: ['bytesPerChunk', 'intervalMs'],
  malformedJson: [],
  wrongContentType: ['contentType'],
  hugeContentLength: [],
  redirect: ['location'],
  echoKey: ['status', 'shape'],
};

export class FaultSpecError extends Error {}

/** Parses and checks a fault from untrusted JSON (the control API) or typed callers alike. */
export function parseFaultSpec(input: unknown): FaultSpec {
  try {
    return parseChecked(input);
  } catch (error) {
    if (error instanceof InputError) {
      throw new FaultSpecError(`Invalid fault: ${error.message}`);
    }
    throw error;
  }
}

function parseChecked(input: unknown): FaultSpec {
  const kind = expectObject(input, 'fault', [...COMMON_FIELDS, ...new Set(Object.values(KIND_FIELDS).flat())]).kind;
  if (typeof kind !== 'string' || !(FAULT_KINDS as string[]).includes(kind)) {
    throw new InputError(`fault.kind must be one of ${FAULT_KINDS.map((name) => `'${name}'`).join(', ')}`);
  }
  const faultKind = kind as FaultKind;
  const fields = expectObject(input, `'${faultKind}' fault`, [...COMMON_FIELDS, ...KIND_FIELDS[faultKind]]);
  const at = fields.at;
  if (typeof at !== 'string' || !(FAULT_STAGES as readonly string[]).includes(at)) {
    throw new InputError(`fault.at must be one of ${FAULT_STAGES.map((stage) => `'${stage}'`).join(', ')}`);
  }
  const stage = at as FaultStage;
  if (!ALLOWED_STAGES[faultKind].includes(stage)) {
    throw new FaultSpecError(
      `A '${faultKind}' fault applies at ${ALLOWED_STAGES[faultKind].map((name) => `'${name}'`).join(' or ')}, not at '${stage}'.`,
    );
  }
  let match: FaultMatch | undefined;
  if (fields.match !== undefined) {
    const raw = expectObject(fields.match, 'fault.match', ['promptIncludes', 'endpoint', 'requestId']);
    match = {};
    for (const key of ['promptIncludes', 'endpoint', 'requestId'] as const) {
      const value = optionalString(raw, key, 'fault.match');
      if (value !== undefined) {
        match[key] = value;
      }
    }
  }
  const times = optionalNumber(fields, 'times', 'fault', { min: 1, integer: true });
  const action = parseAction(faultKind, fields);
  return { ...action, at: stage, ...(match ? { match } : {}), ...(times !== undefined ? { times } : {}) };
}

function parseAction(kind: FaultKind, fields: Record<string, unknown>): FaultAction {
  switch (kind) {
    case 'http': {
      const contentType = optionalString(fields, 'contentType', 'fault');
      const headers = optionalStringRecord(fields, 'headers', 'fault');
      return {
        kind,
        status: requiredNumber(fields, 'status', 'fault', { min: 100, max: 599, integer: true }),
        ...('body' in fields ? { body: fields.body } : {}),
        ...(contentType !== undefined ? { contentType } : {}),
        ...(headers !== undefined ? { headers } : {}),
      };
    }
    case 'runnerDisconnected': {
      const status = optionalNumber(fields, 'status', 'fault', { min: 400, max: 599, integer: true });
      return status === undefined ? { kind } : { kind, status };
    }
    case 'slow':
      return { kind, ms: requiredNumber(fields, 'ms', 'fault', { min: 0, integer: true }) };
    case 'stallMidBody': {
      const afterBytes = optionalNumber(fields, 'afterBytes', 'fault', { min: 0, integer: true });
      return afterBytes === undefined ? { kind } : { kind, afterBytes };
    }
    case 'trickle': {
      const bytesPerChunk = optionalNumber(fields, 'bytesPerChunk', 'fault', { min: 1, max: 65_536, integer: true });
      const intervalMs = optionalNumber(fields, 'intervalMs', 'fault', { min: 1, max: 60_000, integer: true });
      return {
        kind, ...(bytesPerChunk !== undefined ? { bytesPerChunk } : {}), ...(intervalMs !== undefined ? { intervalMs } : {}),
      };
    }
    case 'wrongContentType': {
      const contentType = optionalHeaderValue(fields, 'contentType');
      return contentType === undefined ? { kind } : { kind, contentType };
    }
    case 'redirect': {
      const location = optionalHeaderValue(fields, 'location');
      if (location === undefined) {
        throw new InputError('fault.location is required');
      }
      return { kind, location };
    }
    case 'echoKey': {
      const status = optionalNumber(fields, 'status', 'fault', { min: 400, max: 599, integer: true });
      const shape = optionalOneOf(fields, 'shape', 'fault', ECHO_SHAPES);
      return { kind, ...(status !== undefined ? { status } : {}), ...(shape !== undefined ? { shape } : {}) };
    }
    case 'hang':
    case 'drop':
    case 'noVideo':
    case 'neverFinish':
    case 'resetAfterRequest':
    case 'malformedJson':
    case 'hugeContentLength':
      return { kind };
  }
}

/** A string that can be sent as a header value: not empty, no line breaks or other control characters. */
function optionalHeaderValue(fields: Record<string, unknown>, key: string): string | undefined {
  const value = optionalString(fields, key, 'fault');
  if (value !== undefined && (value.trim() === '' || /[^\t\x20-\x7e\x80-\xff]/.test(value))) {
    throw new InputError(`fault.${key} must be a non-empty header value without line breaks or control characters`);
  }
  return value;
}

/** What a request is about, for matching. */
export interface FaultSubject {
  prompt: string | null;
  /** The job's endpoint, or the endpoint ids a pricing request asks for. */
  endpoints: readonly string[];
  requestId: string | null;
}

export const NO_SUBJECT: FaultSubject = { prompt: null, endpoints: [], requestId: null };

function matches(match: FaultMatch | undefined, subject: FaultSubject): boolean {
  if (!match) {
    return true;
  }
  if (match.promptIncludes !== undefined && !(subject.prompt ?? '').includes(match.promptIncludes)) {
    return false;
  }
  if (match.endpoint !== undefined && !subject.endpoints.includes(match.endpoint)) {
    return false;
  }
  if (match.requestId !== undefined && subject.requestId !== match.requestId) {
    return false;
  }
  return true;
}

export class FaultBook {
  private faults: FaultRecord[] = [];

  add(input: unknown): FaultRecord {
    const spec = parseFaultSpec(input);
    const times = spec.times ?? 1;
    const record: FaultRecord = { ...spec, times, id: randomUUID(), remaining: times, hits: 0 };
    this.faults.push(record);
    return structuredClone(record);
  }

  /** Consumes and returns the first armed fault for this stage and subject, if any. */
  take(stage: FaultStage, subject: FaultSubject, kinds?: readonly FaultKind[]): FaultRecord | undefined {
    const fault = this.faults.find((candidate) =>
      candidate.at === stage &&
      candidate.remaining > 0 &&
      (kinds === undefined || kinds.includes(candidate.kind)) &&
      matches(candidate.match, subject));
    if (!fault) {
      return undefined;
    }
    fault.remaining -= 1;
    fault.hits += 1;
    return structuredClone(fault);
  }

  list(): FaultRecord[] {
    return structuredClone(this.faults);
  }

  clear(): void {
    this.faults = [];
  }
}
