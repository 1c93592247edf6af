import { displayLocale, l10n, numberFormat } from '../l10n/l10n';

/**
 * What a generation costs, as fal's pricing API says: a unit price per endpoint (`unit_price` per `unit`, in a
 * `currency`), and the charge that makes for one request or a batch. Only what fal said is ever shown: an endpoint
 * fal lists no price for, a unit the product cannot count, or an answer that did not come is "price unknown".
 * Pure: no vscode import, unit-tested on Node.
 */

/** One endpoint's price, as fal lists it (`GET https://api.fal.ai/v1/models/pricing?endpoint_id=…`). */
export interface UnitPrice {
  readonly endpointId: string;
  readonly unitPrice: number;
  /** What one unit is: `video`, `second`, `image`, … (fal's word). */
  readonly unit: string;
  /** ISO 4217, e.g. `USD`. */
  readonly currency: string;
}

/** A price lookup's answer: fal's price, or why it is not known. */
export type PriceLookup = { readonly known: true; readonly price: UnitPrice } | { readonly known: false; readonly reason: string };

/** The expected charge of one or more requests, or why it is not known. */
export type Charge =
  | {
    readonly known: true;
    readonly amount: number;
    readonly currency: string;
    /** How many videos it is for. */
    readonly videos: number;
    /** The unit price it was worked out from (the first, when several endpoints share a currency). */
    readonly price: UnitPrice;
  }
  | { readonly known: false; readonly reason: string; readonly videos: number; readonly price?: UnitPrice };

/** The request fields a unit may be counted in. */
export interface PricedInput {
  readonly num_frames?: number;
  readonly fps?: number;
}

/** What is priced: a request to an endpoint. */
export interface PricedRequest {
  readonly endpoint: string;
  readonly input: PricedInput;
}

/** `price unknown`, in the display language. */
export function priceUnknown(): string {
  return l10n.t('price unknown');
}

/** How many of `unit` one request is; undefined for a unit the product does not know how to count. */
export function unitsOf(unit: string, input: PricedInput): number | undefined {
  const name = unit.trim().toLowerCase().replace(/[\s-]+/g, '_').replace(/s$/, '');
  switch (name) {
    case 'video':
    case 'request':
    case 'generation':
    case 'call':
    case 'run':
    case 'unit':
      return 1;
    case 'second':
    case 'video_second':
    case 'output_second': {
      const frames = input.num_frames;
      const fps = input.fps;
      return frames !== undefined && fps !== undefined && fps > 0 && frames > 0 ? frames / fps : undefined;
    }
    case 'frame':
    case 'video_frame':
      return input.num_frames !== undefined && input.num_frames > 0 ? input.num_frames : undefined;
    default:
      return undefined;
  }
}

/** The expected charge of `requests`, each priced by `lookup(endpoint)`; unknown when any one of them is. */
export function chargeOf(requests: readonly PricedRequest[], lookup: (endpoint: string) => PriceLookup): Charge {
  const videos = requests.length;
  let amount = 0;
  let first: UnitPrice | undefined;
  for (const request of requests) {
    const found = lookup(request.endpoint);
    if (!found.known) {
      return { known: false, reason: found.reason, videos, ...(first ? { price: first } : {}) };
    }
    const { price } = found;
    const units = unitsOf(price.unit, request.input);
    if (units === undefined) {
      return { known: false, reason: l10n.t('fal prices {0} per {1} ({2} each), which cannot be counted before it runs', price.endpointId, price.unit, formatMoney(price.unitPrice, price.currency)), videos, price };
    }
    if (first && first.currency !== price.currency) {
      return { known: false, reason: l10n.t('fal prices these endpoints in different currencies ({0}, {1})', first.currency, price.currency), videos, price: first };
    }
    first ??= price;
    amount += price.unitPrice * units;
  }
  if (!first) {
    return { known: false, reason: l10n.t('nothing to price'), videos };
  }
  return { known: true, amount: roundMoney(amount), currency: first.currency, videos, price: first };
}

/** The charges of several jobs together: unknown when any is, or when they are in different currencies. */
export function sumCharges(charges: readonly Charge[]): Charge {
  const videos = charges.reduce((sum, charge) => sum + charge.videos, 0);
  const unknown = charges.find((charge) => !charge.known);
  if (unknown && !unknown.known) {
    return { known: false, reason: unknown.reason, videos };
  }
  const known = charges.filter((charge): charge is Extract<Charge, { known: true }> => charge.known);
  const [first] = known;
  if (!first) {
    return { known: false, reason: l10n.t('nothing to price'), videos };
  }
  if (known.some((charge) => charge.currency !== first.currency)) {
    return { known: false, reason: l10n.t('the charges are in different currencies'), videos };
  }
  return { known: true, amount: roundMoney(known.reduce((sum, charge) => sum + charge.amount, 0)), currency: first.currency, videos, price: first.price };
}

/** Floating point sums of prices (0.1 + 0.2) shown as the money they are. */
function roundMoney(amount: number): number {
  return Math.round(amount * 1e9) / 1e9;
}

/**
 * `$0.01`, `$0.0125`, `€1.50`: at least two decimals, at most four (fal's prices go below a cent), in the
 * currency's own sign when the platform knows it, else `0.01 XYZ`.
 */
export function formatMoney(amount: number, currency: string): string {
  try {
    return numberFormat(displayLocale(), { style: 'currency', currency, minimumFractionDigits: 2, maximumFractionDigits: 4 }).format(amount);
  } catch {
    return `${amount.toFixed(Math.min(4, Math.max(2, decimalsOf(amount))))} ${currency}`;
  }
}

function decimalsOf(amount: number): number {
  const text = String(amount);
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : text.length - dot - 1;
}

/** `$0.03` or `price unknown`: the short form for lenses, lists and the status bar. */
export function chargeText(charge: Charge): string {
  return charge.known ? formatMoney(charge.amount, charge.currency) : priceUnknown();
}

/** `$0.01 per video`. */
export function unitPriceText(price: UnitPrice): string {
  return l10n.t('{0} per {1}', formatMoney(price.unitPrice, price.currency), price.unit);
}

/**
 * The sentence a question before spending shows: `Expected charge: $0.03 (3 videos, $0.01 per video at fal's
 * listed price).` or `Expected charge: price unknown (fal did not say: …).`
 */
export function chargeSentence(charge: Charge): string {
  if (!charge.known) {
    return l10n.t('Expected charge: {0} ({1}).', priceUnknown(), charge.reason);
  }
  return charge.videos === 1
    ? l10n.t('Expected charge: {0} (1 video, {1} at fal\'s listed price).', formatMoney(charge.amount, charge.currency), unitPriceText(charge.price))
    : l10n.t('Expected charge: {0} ({1} videos, {2} at fal\'s listed price).', formatMoney(charge.amount, charge.currency), charge.videos, unitPriceText(charge.price));
}

/** What this window has had fal accept: how many videos, the sum of their known charges per currency, how many had none. */
export interface SpendTotals {
  readonly videos: number;
  /** Currency → amount. */
  readonly amounts: ReadonlyMap<string, number>;
  /** Videos whose price was not known. */
  readonly unpriced: number;
}

export function addToTotals(totals: SpendTotals, charge: Charge): SpendTotals {
  const amounts = new Map(totals.amounts);
  if (charge.known) {
    amounts.set(charge.currency, roundMoney((amounts.get(charge.currency) ?? 0) + charge.amount));
  }
  return { videos: totals.videos + charge.videos, amounts, unpriced: totals.unpriced + (charge.known ? 0 : charge.videos) };
}

export const NO_SPENDING: SpendTotals = { videos: 0, amounts: new Map(), unpriced: 0 };

/** `$0.03`, `$0.02 + 1 unpriced`, `price unknown`: the money part of the session's total. */
export function totalsText(totals: SpendTotals): string {
  const money = [...totals.amounts].map(([currency, amount]) => formatMoney(amount, currency));
  if (money.length === 0) {
    return priceUnknown();
  }
  return totals.unpriced > 0 ? l10n.t('{0} + {1} unpriced', money.join(' + '), totals.unpriced) : money.join(' + ');
}
