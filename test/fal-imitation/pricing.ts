// fal's platform pricing API, `GET https://api.fal.ai/v1/models/pricing?endpoint_id=…`, with the
// imitation's own price table (IMITATION_PRICES: made-up values, not fal's).

import { expectObject, InputError, optionalNumber, requiredString } from './checks';
import { ErrorAnswer, isRecord } from './falErrors';
import { IMITATION_PRICES, ModelPrice, PricingConfig } from './types';

export const PRICING_PATH = '/v1/models/pricing';
/** fal's documented limit of endpoint ids per request. */
const MAX_ENDPOINT_IDS = 50;

export function isPricingPath(path: string): boolean {
  return path.replace(/\/$/, '') === PRICING_PATH;
}

export function defaultPricing(): PricingConfig {
  return { prices: structuredClone(IMITATION_PRICES), pricingForbiddenKeys: [] };
}

/** The ids asked for, in order and once each: comma-separated, repeated, or both. */
export function requestedEndpointIds(query: URLSearchParams): string[] {
  const ids = query.getAll('endpoint_id').flatMap((value) => value.split(',')).map((id) => id.trim()).filter((id) => id !== '');
  return [...new Set(ids)];
}

/** fal's answer for these ids: only the ones it has a price for, in one page. */
export function pricingAnswer(ids: readonly string[], prices: Readonly<Record<string, ModelPrice>>): ErrorAnswer {
  if (ids.length === 0) {
    return { status: 422, body: { detail: [{ type: 'missing', loc: ['query', 'endpoint_id'], msg: 'Field required', input: null }] } };
  }
  if (ids.length > MAX_ENDPOINT_IDS) {
    return {
      status: 422,
      body: {
        detail: [{
          type: 'too_long', loc: ['query', 'endpoint_id'],
          msg: `List should have at most ${MAX_ENDPOINT_IDS} items after validation, not ${ids.length}`, input: ids,
          ctx: { field_type: 'List', max_length: MAX_ENDPOINT_IDS, actual_length: ids.length },
        }],
      },
    };
  }
  const listed = ids
    .filter((id) => Object.hasOwn(prices, id))
    .map((id) => ({ endpoint_id: id, ...prices[id] }));
  return { status: 200, body: { prices: listed, next_cursor: null, has_more: false } };
}

export const FORBIDDEN_ANSWER: ErrorAnswer = { status: 403, body: { detail: 'Forbidden' } };

/** Checks `config.prices` from untrusted JSON: endpoint id → price, or null to remove it. */
export function parsePricesPatch(input: unknown): Record<string, ModelPrice | null> {
  if (!isRecord(input)) {
    throw new InputError('config.prices must be a JSON object of endpoint id → { unit_price, unit, currency } or null');
  }
  const patch: Record<string, ModelPrice | null> = {};
  for (const [id, value] of Object.entries(input)) {
    if (id.trim() === '' || id.includes(',')) {
      throw new InputError(`config.prices: '${id}' is not an endpoint id`);
    }
    patch[id] = value === null ? null : parsePrice(value, `config.prices['${id}']`);
  }
  return patch;
}

function parsePrice(value: unknown, what: string): ModelPrice {
  const fields = expectObject(value, what, ['unit_price', 'unit', 'currency']);
  const unitPrice = optionalNumber(fields, 'unit_price', what, { min: 0 });
  if (unitPrice === undefined) {
    throw new InputError(`${what}.unit_price is required`);
  }
  const unit = requiredString(fields, 'unit', what);
  const currency = requiredString(fields, 'currency', what);
  if (unit === '' || currency === '') {
    throw new InputError(`${what}: unit and currency must not be empty`);
  }
  return { unit_price: unitPrice, unit, currency };
}

export function applyPricesPatch(
  prices: Readonly<Record<string, ModelPrice>>, patch: Readonly<Record<string, ModelPrice | null>>,
): Record<string, ModelPrice> {
  const next = structuredClone(prices) as Record<string, ModelPrice>;
  for (const [id, price] of Object.entries(patch)) {
    if (price === null) {
      delete next[id];
    } else {
      next[id] = { ...price };
    }
  }
  return next;
}
