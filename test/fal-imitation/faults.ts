// Fault injection: a list of armed faults, each applying to the next matching request(s) at a stage.

import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { FAULT_STAGES, FaultKind, FaultMatch, FaultRecord, FaultSpec, FaultStage } from './types';

const matchSchema = z.object({
  promptIncludes: z.string().optional(),
  endpoint: z.string().optional(),
  requestId: z.string().optional(),
}).strict();

const common = {
  at: z.enum(FAULT_STAGES as [FaultStage, ...FaultStage[]]),
  match: matchSchema.optional(),
  times: z.number().int().min(1).optional(),
};

const faultSpecSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('http'),
    status: z.number().int().min(100).max(599),
    body: z.unknown().optional(),
    contentType: z.string().optional(),
    headers: z.record(z.string(), z.string()).optional(),
    ...common,
  }).strict(),
  z.object({ kind: z.literal('hang'), ...common }).strict(),
  z.object({ kind: z.literal('drop'), ...common }).strict(),
  z.object({ kind: z.literal('noVideo'), ...common }).strict(),
  z.object({ kind: z.literal('runnerDisconnected'), status: z.number().int().min(400).max(599).optional(), ...common }).strict(),
  z.object({ kind: z.literal('neverFinish'), ...common }).strict(),
  z.object({ kind: z.literal('slow'), ms: z.number().int().min(0), ...common }).strict(),
]);

/** Which stages each kind can apply at. Job-level kinds shape the job, so they are armed at submit. */
const ALLOWED_STAGES: Record<FaultKind, readonly FaultStage[]> = {
  http: FAULT_STAGES,
  hang: FAULT_STAGES,
  drop: FAULT_STAGES,
  noVideo: ['submit', 'result'],
  runnerDisconnected: ['submit'],
  neverFinish: ['submit'],
  slow: ['submit'],
};

export class FaultSpecError extends Error {}

/** Parses and checks a fault from untrusted JSON (the control API) or typed callers alike. */
export function parseFaultSpec(input: unknown): FaultSpec {
  const parsed = faultSpecSchema.safeParse(input);
  if (!parsed.success) {
    throw new FaultSpecError(`Invalid fault: ${z.prettifyError(parsed.error)}`);
  }
  const spec = parsed.data as FaultSpec;
  if (!ALLOWED_STAGES[spec.kind].includes(spec.at)) {
    throw new FaultSpecError(
      `A '${spec.kind}' fault applies at ${ALLOWED_STAGES[spec.kind].map((stage) => `'${stage}'`).join(' or ')}, not at '${spec.at}'.`,
    );
  }
  return spec;
}

/** What a request is about, for matching. */
export interface FaultSubject {
  prompt: string | null;
  endpoint: string | null;
  requestId: string | null;
}

function matches(match: FaultMatch | undefined, subject: FaultSubject): boolean {
  if (!match) {
    return true;
  }
  if (match.promptIncludes !== undefined && !(subject.prompt ?? '').includes(match.promptIncludes)) {
    return false;
  }
  if (match.endpoint !== undefined && subject.endpoint !== match.endpoint) {
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
