// Input validation as fal's AnimateDiff apps do it: pydantic v2 models in lax mode behind FastAPI,
// so errors come back as 422 `{"detail":[{loc,msg,type,ctx?,input}]}` in field declaration order.
// Unknown fields are ignored (pydantic's default), not rejected.

import { ANIMATEDIFF_ENDPOINTS, AnimateDiffEndpoint } from './types';
import { isRecord, ModelErrorItem } from './falErrors';

export const VIDEO_SIZE_NAMES = ['square_hd', 'square', 'portrait_4_3', 'portrait_16_9', 'landscape_4_3', 'landscape_16_9'] as const;
export const MOTION_NAMES = ['zoom-out', 'zoom-in', 'pan-left', 'pan-right', 'tilt-up', 'tilt-down'] as const;
const MAX_DIMENSION = 14142;

type NumberBounds = { ge?: number; le?: number; gt?: number };
type FieldRule =
  | { kind: 'str' }
  | ({ kind: 'int' } & NumberBounds)
  | ({ kind: 'float' } & NumberBounds)
  | { kind: 'literalList'; values: readonly string[] }
  | { kind: 'videoSize' };

interface FieldSpec {
  name: string;
  rule: FieldRule;
  required?: boolean;
  /** `Optional[...] = None`: null is accepted. */
  nullable?: boolean;
  default?: unknown;
}

const NEGATIVE_PROMPT_DEFAULT = '(bad quality, worst quality:1.2), ugly faces, bad anime';

function textToVideoFields(defaultSteps: number): FieldSpec[] {
  return [
    { name: 'prompt', rule: { kind: 'str' }, required: true },
    { name: 'negative_prompt', rule: { kind: 'str' }, default: NEGATIVE_PROMPT_DEFAULT },
    { name: 'num_frames', rule: { kind: 'int', ge: 1, le: 32 }, default: 16 },
    { name: 'num_inference_steps', rule: { kind: 'int', ge: 1, le: 50 }, default: defaultSteps },
    { name: 'guidance_scale', rule: { kind: 'float' }, default: 1 },
    { name: 'seed', rule: { kind: 'int' }, nullable: true, default: null },
    { name: 'fps', rule: { kind: 'int' }, default: 8 },
    { name: 'motions', rule: { kind: 'literalList', values: MOTION_NAMES }, nullable: true, default: null },
    { name: 'video_size', rule: { kind: 'videoSize' }, default: 'square' },
  ];
}

function videoToVideoFields(defaultSteps: number, withMotions: boolean): FieldSpec[] {
  const fields: FieldSpec[] = [
    { name: 'video_url', rule: { kind: 'str' }, required: true },
    { name: 'prompt', rule: { kind: 'str' }, required: true },
    { name: 'negative_prompt', rule: { kind: 'str' }, default: NEGATIVE_PROMPT_DEFAULT },
    { name: 'seed', rule: { kind: 'int' }, nullable: true, default: null },
    { name: 'first_n_seconds', rule: { kind: 'int' }, default: 3 },
    { name: 'fps', rule: { kind: 'int' }, default: 8 },
    { name: 'strength', rule: { kind: 'float', ge: 0, le: 1 }, default: 0.7 },
    { name: 'guidance_scale', rule: { kind: 'float' }, default: 2 },
    { name: 'num_inference_steps', rule: { kind: 'int', ge: 1, le: 50 }, default: defaultSteps },
  ];
  if (withMotions) {
    fields.push({ name: 'motions', rule: { kind: 'literalList', values: MOTION_NAMES }, nullable: true, default: null });
  }
  return fields;
}

const SCHEMAS: Record<AnimateDiffEndpoint, FieldSpec[]> = {
  'fal-ai/fast-animatediff/turbo/text-to-video': textToVideoFields(4),
  'fal-ai/fast-animatediff/text-to-video': textToVideoFields(25),
  'fal-ai/fast-animatediff/turbo/video-to-video': videoToVideoFields(12, false),
  'fal-ai/fast-animatediff/video-to-video': videoToVideoFields(25, true),
};

export function isKnownEndpoint(endpoint: string): endpoint is AnimateDiffEndpoint {
  return (ANIMATEDIFF_ENDPOINTS as readonly string[]).includes(endpoint);
}

export function isVideoToVideo(endpoint: AnimateDiffEndpoint): boolean {
  return endpoint.endsWith('/video-to-video');
}

export type ValidationResult =
  | { ok: true; values: Record<string, unknown> }
  | { ok: false; detail: ModelErrorItem[] };

/** Validates a request body the way the endpoint's pydantic model would; `values` has defaults filled in. */
export function validateInput(endpoint: AnimateDiffEndpoint, body: unknown): ValidationResult {
  if (body === undefined || body === null) {
    return { ok: false, detail: [{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }] };
  }
  if (!isRecord(body)) {
    return {
      ok: false,
      detail: [{
        type: 'model_attributes_type',
        loc: ['body'],
        msg: 'Input should be a valid dictionary or object to extract fields from',
        input: body,
      }],
    };
  }
  const detail: ModelErrorItem[] = [];
  const values: Record<string, unknown> = { ...body };
  for (const field of SCHEMAS[endpoint]) {
    const loc = ['body', field.name];
    if (!(field.name in body)) {
      if (field.required) {
        detail.push({ type: 'missing', loc, msg: 'Field required', input: body });
      } else {
        values[field.name] = field.default;
      }
      continue;
    }
    const raw = body[field.name];
    if (raw === null && field.nullable) {
      continue;
    }
    const checked = checkField(field.rule, raw, loc);
    if (checked.errors.length > 0) {
      detail.push(...checked.errors);
    } else {
      values[field.name] = checked.value;
    }
  }
  return detail.length > 0 ? { ok: false, detail } : { ok: true, values };
}

interface Checked {
  value: unknown;
  errors: ModelErrorItem[];
}

function checkField(rule: FieldRule, raw: unknown, loc: (string | number)[]): Checked {
  switch (rule.kind) {
    case 'str':
      return typeof raw === 'string'
        ? { value: raw, errors: [] }
        : fail({ type: 'string_type', loc, msg: 'Input should be a valid string', input: raw });
    case 'int':
      return checkNumber(raw, loc, rule, true);
    case 'float':
      return checkNumber(raw, loc, rule, false);
    case 'literalList':
      return checkLiteralList(raw, loc, rule.values);
    case 'videoSize':
      return checkVideoSize(raw, loc);
  }
}

function fail(error: ModelErrorItem): Checked {
  return { value: undefined, errors: [error] };
}

function checkNumber(raw: unknown, loc: (string | number)[], bounds: NumberBounds, integer: boolean): Checked {
  const coerced = integer ? coerceInt(raw, loc) : coerceFloat(raw, loc);
  if (typeof coerced !== 'number') {
    return fail(coerced);
  }
  if (bounds.gt !== undefined && !(coerced > bounds.gt)) {
    return fail({ type: 'greater_than', loc, msg: `Input should be greater than ${bounds.gt}`, ctx: { gt: bounds.gt }, input: raw });
  }
  if (bounds.ge !== undefined && !(coerced >= bounds.ge)) {
    return fail({
      type: 'greater_than_equal', loc, msg: `Input should be greater than or equal to ${bounds.ge}`, ctx: { ge: bounds.ge }, input: raw,
    });
  }
  if (bounds.le !== undefined && !(coerced <= bounds.le)) {
    return fail({
      type: 'less_than_equal', loc, msg: `Input should be less than or equal to ${bounds.le}`, ctx: { le: bounds.le }, input: raw,
    });
  }
  return { value: coerced, errors: [] };
}

/** pydantic's lax int: ints, integral floats, bools and integer strings. */
function coerceInt(raw: unknown, loc: (string | number)[]): number | ModelErrorItem {
  if (typeof raw === 'boolean') {
    return raw ? 1 : 0;
  }
  if (typeof raw === 'number') {
    return Number.isInteger(raw)
      ? raw
      : { type: 'int_from_float', loc, msg: 'Input should be a valid integer, got a number with a fractional part', input: raw };
  }
  if (typeof raw === 'string') {
    return /^\s*[+-]?\d+\s*$/.test(raw)
      ? Number.parseInt(raw, 10)
      : { type: 'int_parsing', loc, msg: 'Input should be a valid integer, unable to parse string as an integer', input: raw };
  }
  return { type: 'int_type', loc, msg: 'Input should be a valid integer', input: raw };
}

/** pydantic's lax float: numbers, bools and numeric strings. */
function coerceFloat(raw: unknown, loc: (string | number)[]): number | ModelErrorItem {
  if (typeof raw === 'boolean') {
    return raw ? 1 : 0;
  }
  if (typeof raw === 'number') {
    return raw;
  }
  if (typeof raw === 'string') {
    const parsed = raw.trim() === '' ? Number.NaN : Number(raw);
    return Number.isFinite(parsed)
      ? parsed
      : { type: 'float_parsing', loc, msg: 'Input should be a valid number, unable to parse string as a number', input: raw };
  }
  return { type: 'float_type', loc, msg: 'Input should be a valid number', input: raw };
}

/** pydantic renders a Literal's allowed values as "'a', 'b' or 'c'". */
export function expectedLiterals(values: readonly string[]): string {
  const quoted = values.map((value) => `'${value}'`);
  return quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}`;
}

function literalError(raw: unknown, loc: (string | number)[], values: readonly string[]): ModelErrorItem {
  const expected = expectedLiterals(values);
  return { type: 'literal_error', loc, msg: `Input should be ${expected}`, ctx: { expected }, input: raw };
}

function checkLiteralList(raw: unknown, loc: (string | number)[], values: readonly string[]): Checked {
  if (!Array.isArray(raw)) {
    return fail({ type: 'list_type', loc, msg: 'Input should be a valid list', input: raw });
  }
  const errors = raw.flatMap((item, index) =>
    typeof item === 'string' && values.includes(item) ? [] : [literalError(item, [...loc, index], values)]);
  return { value: raw, errors };
}

/** pydantic's tag for a Literal member of a union, as it appears in `loc`. */
const VIDEO_SIZE_LITERAL_TAG = `literal[${VIDEO_SIZE_NAMES.map((name) => `'${name}'`).join(',')}]`;

/** `Union[ImageSize, Literal[...]]`: a failure reports why each member rejected the input. */
function checkVideoSize(raw: unknown, loc: (string | number)[]): Checked {
  if (typeof raw === 'string' && (VIDEO_SIZE_NAMES as readonly string[]).includes(raw)) {
    return { value: raw, errors: [] };
  }
  const modelLoc = [...loc, 'ImageSize'];
  const errors: ModelErrorItem[] = [];
  if (isRecord(raw)) {
    const size: Record<string, unknown> = { ...raw };
    for (const dimension of ['width', 'height'] as const) {
      if (!(dimension in raw)) {
        size[dimension] = 512;
        continue;
      }
      const checked = checkNumber(raw[dimension], [...modelLoc, dimension], { gt: 0, le: MAX_DIMENSION }, true);
      errors.push(...checked.errors);
      size[dimension] = checked.value;
    }
    if (errors.length === 0) {
      return { value: size, errors: [] };
    }
  } else {
    errors.push({
      type: 'model_type',
      loc: modelLoc,
      msg: 'Input should be a valid dictionary or instance of ImageSize',
      ctx: { class_name: 'ImageSize' },
      input: raw,
    });
  }
  errors.push(literalError(raw, [...loc, VIDEO_SIZE_LITERAL_TAG], VIDEO_SIZE_NAMES));
  return { value: undefined, errors };
}
