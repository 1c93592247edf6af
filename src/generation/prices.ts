import * as vscode from 'vscode';
import { FalGateway, type FalConnection } from '../fal/falClient';
import { FalFailure } from '../model/failure';
import { chargeOf, type Charge, type PricedRequest, type PriceLookup, type UnitPrice } from '../model/price';
import { Disposable } from '../util/dispose';
import { redact } from '../util/redaction';
import { messageOf } from '../util/text';

/** How long fal's answer is trusted: a price, and a "not known" (so a 403 is not asked again on every keystroke). */
const KNOWN_TTL_MS = 30 * 60_000;
const UNKNOWN_TTL_MS = 60_000;
/** The account of lookups made without a key. */
const NO_ACCOUNT = 'no key';

export interface FalPricesOptions {
  /** The connection prices are read with when none is given: the stored key or the proxy, never asking for one. */
  connection(): Promise<FalConnection | undefined>;
  log: Pick<vscode.LogOutputChannel, 'info' | 'warn'>;
  now?: () => number;
}

interface CacheEntry {
  readonly lookup: PriceLookup;
  readonly at: number;
}

/**
 * fal's unit prices, read from its pricing API through the fal module and kept for a while, per account (the
 * key's id, the proxy or the sandbox: fal may price accounts differently). Every estimate the product shows
 * comes from here; what fal does not say stays "price unknown".
 */
export class FalPrices extends Disposable {
  private readonly cache = new Map<string, CacheEntry>();
  /** Lookups on their way, by cache key: asked once however many ask. */
  private readonly pending = new Map<string, Promise<PriceLookup>>();
  /** The account of the last lookup, for {@link peekCharge} (which cannot wait for the key). */
  private lastAccount: string | undefined;
  private readonly changeEmitter = this._register(new vscode.EventEmitter<void>());
  /** A price arrived (or turned out unknown): estimates shown from {@link peekCharge} may change. */
  readonly onDidChange = this.changeEmitter.event;

  constructor(private readonly options: FalPricesOptions) {
    super();
  }

  /** Forgets every price (the key changed, or a test wants a fresh start). */
  clear(): void {
    this.cache.clear();
    this.lastAccount = undefined;
    this.changeEmitter.fire();
  }

  /** The expected charge of these requests, asking fal for prices it has not given yet (`connection`: the run's). */
  async charge(requests: readonly PricedRequest[], connection?: FalConnection): Promise<Charge> {
    const resolved = connection ?? await this.options.connection();
    const endpoints = [...new Set(requests.map((request) => request.endpoint))];
    if (!resolved) {
      // Remembered like fal's answers, so lenses asking again do not ask again and again.
      const lookup: PriceLookup = { known: false, reason: vscode.l10n.t('no fal key is set, so fal cannot be asked') };
      this.lastAccount = NO_ACCOUNT;
      endpoints.forEach((endpoint) => this.cache.set(cacheKey(NO_ACCOUNT, endpoint), { lookup, at: this.now() }));
      return chargeOf(requests, () => lookup);
    }
    const found = new Map<string, PriceLookup>();
    await Promise.all(endpoints.map(async (endpoint) => found.set(endpoint, await this.lookup(endpoint, resolved))));
    return chargeOf(requests, (endpoint) => found.get(endpoint) ?? { known: false, reason: vscode.l10n.t('not asked') });
  }

  /**
   * The expected charge from what is known already, for places that cannot wait (lenses); undefined while a price
   * is being asked for — {@link onDidChange} fires when it arrives.
   */
  peekCharge(requests: readonly PricedRequest[]): Charge | undefined {
    const account = this.lastAccount;
    const now = this.now();
    const fresh = (endpoint: string) => {
      const entry = account === undefined ? undefined : this.cache.get(cacheKey(account, endpoint));
      return entry && now - entry.at < ttlOf(entry.lookup) ? entry.lookup : undefined;
    };
    const missing = requests.some((request) => fresh(request.endpoint) === undefined);
    if (missing) {
      void this.charge(requests).then(() => this.changeEmitter.fire(), () => undefined);
      return undefined;
    }
    return chargeOf(requests, (endpoint) => fresh(endpoint) ?? { known: false, reason: vscode.l10n.t('not asked') });
  }

  /** One endpoint's price with this connection: cached, or asked for once. */
  async lookup(endpoint: string, connection: FalConnection): Promise<PriceLookup> {
    const account = accountOf(connection);
    this.lastAccount = account;
    const key = cacheKey(account, endpoint);
    const cached = this.cache.get(key);
    if (cached && this.now() - cached.at < ttlOf(cached.lookup)) {
      return cached.lookup;
    }
    let pending = this.pending.get(key);
    if (!pending) {
      pending = this.ask(endpoint, connection).then((lookup) => {
        this.cache.set(key, { lookup, at: this.now() });
        return lookup;
      }).finally(() => this.pending.delete(key));
      this.pending.set(key, pending);
    }
    return pending;
  }

  private async ask(endpoint: string, connection: FalConnection): Promise<PriceLookup> {
    try {
      const prices = await new FalGateway(connection).unitPrices([endpoint]);
      const price: UnitPrice | undefined = prices.find((p) => p.endpointId === endpoint);
      if (!price) {
        this.options.log.info(`fal lists no price for ${endpoint}`);
        return { known: false, reason: vscode.l10n.t('fal lists no price for {0}', endpoint) };
      }
      this.options.log.info(`fal's price of ${endpoint}: ${price.unitPrice} ${price.currency} per ${price.unit}`);
      return { known: true, price };
    } catch (error) {
      const reason = reasonOf(error);
      this.options.log.warn(`No price for ${endpoint}: ${redact(messageOf(error))}`);
      return { known: false, reason };
    }
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }
}

function ttlOf(lookup: PriceLookup): number {
  return lookup.known ? KNOWN_TTL_MS : UNKNOWN_TTL_MS;
}

function cacheKey(account: string, endpoint: string): string {
  return `${account}\n${endpoint}`;
}

/** Whose prices these are: the key's id (never its secret), the proxy, or the sandbox. */
function accountOf(connection: FalConnection): string {
  const keyId = connection.credentials?.split(':')[0] ?? '';
  return [connection.sandboxUrl ?? '', connection.proxyUrl ? new URL(connection.proxyUrl).origin : '', keyId].join('|');
}

/** Why fal did not say, in a few words. */
function reasonOf(error: unknown): string {
  if (!(error instanceof FalFailure)) {
    return vscode.l10n.t('fal\'s price list could not be read ({0})', redact(messageOf(error)));
  }
  const status = error.details.status;
  switch (error.kind) {
    case 'auth':
      return status ? vscode.l10n.t('fal did not accept the key for its price list ({0})', status) : vscode.l10n.t('fal did not accept the key for its price list');
    case 'forbidden':
    case 'balance':
      return status ? vscode.l10n.t('this key may not read fal\'s prices ({0})', status) : vscode.l10n.t('this key may not read fal\'s prices');
    case 'network':
    case 'timeout':
      return vscode.l10n.t('fal\'s price list could not be reached');
    default:
      return status ? vscode.l10n.t('fal\'s price list did not answer with prices ({0})', status) : vscode.l10n.t('fal\'s price list did not answer with prices');
  }
}
