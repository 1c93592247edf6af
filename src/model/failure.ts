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
    } = {},
  ) {
    super(message);
    this.name = 'FalFailure';
  }
}

/** The buttons offered for a failure, most useful first. */
export function actionsFor(failure: FalFailure): FailureAction[] {
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

