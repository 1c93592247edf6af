import * as z from 'zod/mini';
import type { UnitPrice } from '../model/price';

/**
 * fal's platform pricing API: `GET https://api.fal.ai/v1/models/pricing?endpoint_id=a,b` with the key →
 * `{ "prices": [ { endpoint_id, unit_price, unit, currency } ], "next_cursor", "has_more" }`. Up to 50 ids per
 * request; only the ids fal has a price for are listed. The answer is read leniently: an entry that is not a
 * price is left out (and so stays "price unknown"), never guessed.
 */

export const PRICING_URL = 'https://api.fal.ai/v1/models/pricing';
/** fal's documented limit of endpoint ids per request. */
export const MAX_PRICED_ENDPOINTS = 50;

export function pricingUrl(endpointIds: readonly string[]): string {
  const url = new URL(PRICING_URL);
  url.searchParams.set('endpoint_id', endpointIds.join(','));
  return url.href;
}

const priceSchema = z.object({
  endpoint_id: z.string().check(z.minLength(1)),
  // zod 4's numbers are finite.
  unit_price: z.number().check(z.nonnegative()),
  unit: z.string().check(z.trim(), z.minLength(1)),
  currency: z.string().check(z.trim(), z.minLength(1)),
});

/** The prices in fal's answer (any entry that is not one is skipped); undefined when the answer has no `prices` list. */
export function readPrices(body: unknown): UnitPrice[] | undefined {
  const list = typeof body === 'object' && body !== null ? (body as { prices?: unknown }).prices : undefined;
  if (!Array.isArray(list)) {
    return undefined;
  }
  return list.flatMap((entry: unknown) => {
    const parsed = priceSchema.safeParse(entry);
    return parsed.success
      ? [{ endpointId: parsed.data.endpoint_id, unitPrice: parsed.data.unit_price, unit: parsed.data.unit, currency: parsed.data.currency.toUpperCase() }]
      : [];
  });
}
