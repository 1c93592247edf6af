import type { EchoShape, FaultSpec, FaultStage } from '../../fal-imitation/types';

/**
 * The fault matrix: every fal call the extension makes × every way the answer can go wrong. A case arms its fault
 * for every request of its call while the case runs (a call that is broken stays broken: the retries the fal client
 * makes meet the same fault), and drives the call through the product path that makes it.
 */

/** The fal calls, in the order a generation makes them. `video` is the GET of the result video. */
export const CALLS = ['submit', 'status', 'stream', 'result', 'cancel', 'upload', 'uploadPut', 'video'] as const;
/** `job` is no call: fal's job itself goes wrong (while every call is answered). */
export type Call = (typeof CALLS)[number] | 'job';

export const FAULTS = [
  'refused',
  'resetBeforeAnswer',
  'resetAfterRequest',
  'stallBeforeHeaders',
  'stallMidBody',
  'trickle',
  'http401',
  'http403',
  'http404',
  'http422',
  'http429',
  'http500',
  'http502',
  'http503',
  'http504',
  'malformedJson',
  'wrongContentType',
  'hugeContentLength',
  'redirectOtherOrigin',
  'redirectFile',
  'echoKey',
] as const;
/** How fal's job itself can go wrong: it never finishes, takes its time, its runner fails, it makes no video. */
export const JOB_FAULTS = ['neverFinish', 'slowJob', 'runnerDisconnected', 'noVideo'] as const;
export type Fault = (typeof FAULTS)[number] | (typeof JOB_FAULTS)[number];

/**
 * Combinations left out, and why. Each is one the imitation cannot put on the wire because it does not exist on it:
 * - the status stream is open-ended (events as they come, `: ping` comments, no Content-Length), so there is no whole
 *   body to trickle, cut into malformed JSON, relabel or give a huge Content-Length — the stream's broken deliveries are
 *   its stall and its reset, which are in the matrix;
 * - a video is not JSON: a body that is not what was asked for is `wrongContentType` (an HTML page), which is in.
 */
const LEFT_OUT: ReadonlyArray<[Call, Fault]> = [
  ['stream', 'trickle'],
  ['stream', 'malformedJson'],
  ['stream', 'wrongContentType'],
  ['stream', 'hugeContentLength'],
  ['video', 'malformedJson'],
];

/**
 * How a case reaches its call:
 * - `command`: "Generate Video…" (`generateFromPrompt`, interactive: progress, a failure's message and buttons, the
 *   result in the video panel), recorded in the history with its local copy;
 * - `cancel`: the same, with fal's job running until the user cancels it (fal's cancel is the call);
 * - `paramsUpload`: a video-to-video parameter file whose local `video_url` is uploaded first;
 * - `paramsVideo`: a text-to-video parameter file whose video is saved beside it (after the history's copy).
 * Parameter-file runs find an earlier video and result record of the same name, and the user chooses Replace.
 */
export type Flow = 'command' | 'cancel' | 'paramsUpload' | 'paramsVideo';

const FLOW: Record<Call, Flow> = {
  job: 'command',
  submit: 'command',
  status: 'command',
  stream: 'command',
  result: 'command',
  cancel: 'cancel',
  upload: 'paramsUpload',
  uploadPut: 'paramsUpload',
  video: 'paramsVideo',
};

/** The shape fal's answer takes when it quotes the key, varied over the calls so that every shape is met. */
const ECHO: Record<Exclude<Call, 'job'>, { shape: EchoShape; status?: number }> = {
  submit: { shape: 'detailList', status: 422 },
  status: { shape: 'text' },
  stream: { shape: 'html' },
  result: { shape: 'detailString' },
  cancel: { shape: 'detailString', status: 500 },
  upload: { shape: 'detailString' },
  uploadPut: { shape: 'text', status: 403 },
  video: { shape: 'html', status: 403 },
};

export interface Case {
  /** `submit × http429`. */
  name: string;
  call: Call;
  fault: Fault;
  flow: Flow;
}

export const CASES: readonly Case[] = [
  ...CALLS.flatMap((call) => FAULTS
    .filter((fault) => !LEFT_OUT.some(([c, f]) => c === call && f === fault))
    .map((fault): Case => ({ name: `${call} × ${fault}`, call, fault, flow: FLOW[call] }))),
  ...JOB_FAULTS.map((fault): Case => ({ name: `job × ${fault}`, call: 'job', fault, flow: FLOW.job })),
];

/** Where the imitation arms the case's fault (what `faultExercised` looks at). */
export function armedStage(c: Case): FaultStage {
  if (c.call === 'job') {
    return c.fault === 'noVideo' ? 'result' : 'submit';
  }
  return c.fault === 'refused' && c.call === 'video' ? 'result' : c.call;
}

/** Every request of the call while the case runs. */
const ALWAYS = 1000;

/**
 * The imitation's faults that make the case, for a call whose answer the imitation shapes; undefined for `refused`
 * (the network refuses to connect: see World) and for the refused video (whose URL is on a refusing origin).
 * `foreignOrigin` is a local server that is not fal; `refusingOrigin` one where nothing listens.
 */
export function faultSpecs(c: Case, origins: { foreign: string; refusing: string }): FaultSpec[] {
  if (c.call === 'job') {
    switch (c.fault) {
      case 'neverFinish':
        // Bounded by `animateDiff.requestTimeoutSeconds` alone: every call is answered, the job just never ends.
        return [{ at: 'submit', kind: 'neverFinish' }];
      case 'slowJob':
        return [{ at: 'submit', kind: 'slow', ms: 2500 }];
      case 'runnerDisconnected':
        return [{ at: 'submit', kind: 'runnerDisconnected' }];
      default:
        return [{ at: 'result', kind: 'noVideo' }];
    }
  }
  const at: FaultStage = c.call;
  const specs: FaultSpec[] = [];
  if (c.call === 'status') {
    // fal's status is polled only when the event stream breaks (a 500 is not retried: the fallback starts at once).
    specs.push({ at: 'stream', kind: 'http', status: 500, times: ALWAYS });
  }
  if (c.call === 'cancel') {
    // The job runs until it is cancelled: the user's Cancel is what makes the call.
    specs.push({ at: 'submit', kind: 'neverFinish' });
  }
  const times = ALWAYS;
  switch (c.fault) {
    case 'refused':
      if (c.call === 'video') {
        specs.push({
          at: 'result',
          kind: 'http',
          status: 200,
          body: { video: { url: `${origins.refusing}/files/videos/refused.mp4`, content_type: 'video/mp4', file_name: 'refused.mp4', file_size: 18_000 }, seed: 7 },
          times,
        });
      }
      break;
    case 'resetBeforeAnswer':
      specs.push({ at, kind: 'drop', times });
      break;
    case 'resetAfterRequest':
      specs.push({ at, kind: 'resetAfterRequest', times });
      break;
    case 'stallBeforeHeaders':
      specs.push({ at, kind: 'hang', times });
      break;
    case 'stallMidBody':
      specs.push({ at, kind: 'stallMidBody', times });
      break;
    case 'trickle':
      specs.push({ at, kind: 'trickle', times });
      break;
    case 'malformedJson':
    case 'wrongContentType':
    case 'hugeContentLength':
      specs.push({ at, kind: c.fault, times });
      break;
    case 'redirectOtherOrigin':
      specs.push({ at, kind: 'redirect', location: `${origins.foreign}/moved${c.call === 'video' ? '/video.mp4' : ''}`, times });
      break;
    case 'redirectFile':
      specs.push({ at, kind: 'redirect', location: 'file:///etc/passwd', times });
      break;
    case 'echoKey':
      specs.push({ at, kind: 'echoKey', ...ECHO[c.call], times });
      break;
    case 'http429':
      // fal's rate limit, with the wait it asks for.
      specs.push({ at, kind: 'http', status: 429, headers: { 'retry-after': '1' }, times });
      break;
    default:
      specs.push({ at, kind: 'http', status: Number(c.fault.slice('http'.length)), times });
      break;
  }
  return specs;
}
