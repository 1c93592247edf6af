import { l10n } from '../l10n/l10n';
/**
 * Why a generation did not produce a video, in the product's own terms: the kinds of failure, fal's field
 * errors (422) and the actions each kind offers. fal/ maps HTTP answers onto these; the UI turns actions into buttons.
 */

export type FalFailureKind =
  | 'auth'
  | 'balance'
  | 'forbidden'
  | 'validation'
  | 'contentPolicy'
  | 'rateLimit'
  | 'server'
  | 'generationTimeout'
  | 'network'
  | 'timeout'
  /** The connection broke after the request was sent: fal may have started (and will bill) the job. */
  | 'ambiguous'
  | 'noVideo'
  | 'notFound'
  | 'proxy'
  | 'cancelled'
  | 'unknown';

export interface FalFieldError {
  /** The input field (e.g. `num_frames`), or undefined for errors about the whole request. */
  field: string | undefined;
  loc: Array<string | number>;
  message: string;
  type: string | undefined;
  /** pydantic's context, e.g. the bound `{ le: 32 }` of a value that is too large. */
  ctx?: Record<string, unknown>;
}

/** The actions a failure can offer; the UI layer turns them into buttons. */
export type FailureAction = 'setApiKey' | 'retry' | 'retryMayCharge' | 'openLog' | 'openBilling' | 'openSettings' | 'openDashboard';

export class FalFailure extends Error {
  constructor(
    readonly kind: FalFailureKind,
    message: string,
    readonly details: {
      status?: number;
      requestId?: string;
      fieldErrors?: FalFieldError[];
      /** fal's own words (body.detail) when they add something. */
      falDetail?: string;
      /** fal had accepted the job, and the extension stopped following it without hearing how it ended. */
      mayHaveFinished?: boolean;
      /** fal said how the job ended (e.g. its runner failed): this failure is fal's word on the job. */
      endedAtFal?: boolean;
    } = {},
  ) {
    super(message);
    this.name = 'FalFailure';
  }
}

/**
 * Failures in which the extension did not hear fal's word on the job — it could not reach fal, could not read its
 * answer, or gave up waiting — as opposed to fal's own answer about the job or the request.
 */
const NOT_HEARD_FROM_FAL: ReadonlySet<string> = new Set<FalFailureKind>(['network', 'timeout', 'unknown', 'server', 'rateLimit', 'proxy']);

/** Whether a job that failed this way after fal accepted it may have been finished (and billed) by fal meanwhile. */
export function mayHaveFinishedAtFal(kind: string): boolean {
  return NOT_HEARD_FROM_FAL.has(kind);
}

/**
 * A job fal had accepted (`requestId`) failed here: when how it ended at fal is unknown, fal may have made (and billed)
 * its video, so the failure keeps the request id and says how to get the video without paying again.
 */
export function failureAfterAcceptance(failure: FalFailure, requestId: string): FalFailure {
  if (!mayHaveFinishedAtFal(failure.kind) || failure.details.endedAtFal) {
    return failure.details.requestId ? failure : new FalFailure(failure.kind, failure.message, { ...failure.details, requestId });
  }
  const message = l10n.t('{0} fal had accepted this job (request {1}) and may have made its video: “Check fal Again” on it in the AnimateDiff history gets the video without a new charge.', failure.message.replace(/\s*$/, ''), requestId);
  return new FalFailure(failure.kind, message, { ...failure.details, requestId, mayHaveFinished: true });
}

/** The buttons offered for a failure, most useful first. */
export function actionsFor(failure: FalFailure): FailureAction[] {
  if (failure.details.mayHaveFinished) {
    return ['openDashboard', 'retryMayCharge', failure.kind === 'timeout' ? 'openSettings' : 'openLog'];
  }
  switch (failure.kind) {
    case 'auth':
      return ['setApiKey', 'openLog'];
    case 'balance':
      return ['openBilling', 'retry'];
    case 'forbidden':
      return ['setApiKey', 'retry'];
    case 'validation':
      return ['openSettings', 'openLog'];
    case 'contentPolicy':
      return ['openLog'];
    case 'notFound':
      return ['openSettings', 'openLog'];
    case 'timeout':
      return ['retry', 'openSettings'];
    case 'proxy':
      return ['openSettings', 'retry'];
    case 'ambiguous':
      return ['openDashboard', 'retryMayCharge', 'openLog'];
    case 'cancelled':
      return [];
    default:
      return ['retry', 'openLog'];
  }
}

