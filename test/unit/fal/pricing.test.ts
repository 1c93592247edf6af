import * as assert from 'node:assert/strict';
import { FalGateway } from '../../../src/fal/falClient';
import { pricingUrl, readPrices } from '../../../src/fal/pricing';
import { FalFailure } from '../../../src/model/failure';
import { startFalImitation, type FalImitation } from '../../fal-imitation/server';

const KEY = 'price-key-id:price-key-secret-0123';
const TURBO = 'fal-ai/fast-animatediff/turbo/text-to-video';
const REGULAR = 'fal-ai/fast-animatediff/text-to-video';

async function failureOf(promise: Promise<unknown>): Promise<FalFailure> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof FalFailure, `expected a FalFailure, got ${String(error)}`);
    return error;
  }
  throw new Error('expected the price query to fail');
}

describe('fal\'s pricing API', function () {
  this.timeout(20000);

  describe('reading the answer', () => {
    it('asks for the endpoints in one comma-separated endpoint_id', () => {
      assert.equal(pricingUrl([TURBO, REGULAR]), `https://api.fal.ai/v1/models/pricing?endpoint_id=${encodeURIComponent(`${TURBO},${REGULAR}`)}`);
    });

    it('keeps the entries that are prices and leaves the others unknown, never guessed', () => {
      const prices = readPrices({
        prices: [
          { endpoint_id: TURBO, unit_price: 0.01, unit: 'video', currency: 'usd' },
          { endpoint_id: REGULAR, unit_price: '0.02', unit: 'video', currency: 'USD' },
          { endpoint_id: 'fal-ai/other', unit_price: -1, unit: 'video', currency: 'USD' },
          null,
        ],
        next_cursor: null,
        has_more: false,
      });
      assert.deepEqual(prices, [{ endpointId: TURBO, unitPrice: 0.01, unit: 'video', currency: 'USD' }]);
      assert.equal(readPrices({ detail: 'Not Found' }), undefined);
      assert.equal(readPrices('<html>'), undefined);
    });
  });

  describe('FalGateway.unitPrices against the fal imitation', () => {
    let imitation: FalImitation;
    const gateway = (credentials = KEY, deadlines?: ConstructorParameters<typeof FalGateway>[1]) =>
      new FalGateway({ credentials, proxyUrl: undefined, sandboxUrl: imitation.url }, deadlines);

    before(async () => {
      imitation = await startFalImitation({ rejectedKeys: ['revoked-key-id'] });
    });
    beforeEach(() => imitation.reset());
    after(() => imitation.close());

    it('reads the listed prices with the key, and lists nothing for an endpoint fal does not price', async () => {
      imitation.configure({ prices: { [REGULAR]: null } });
      const prices = await gateway().unitPrices([TURBO, REGULAR]);
      assert.deepEqual(prices, [{ endpointId: TURBO, unitPrice: 0.01, unit: 'video', currency: 'USD' }]);
      const [record] = imitation.requests();
      assert.deepEqual([record.method, record.host, record.stage, record.keyId], ['GET', 'api.fal.ai', 'pricing', 'price-key-id']);
    });

    it('fails as "auth" for a key fal refuses (401) and "forbidden" for one that may not read prices (403)', async () => {
      assert.equal((await failureOf(gateway('revoked-key-id:secret-0123').unitPrices([TURBO]))).kind, 'auth');
      imitation.configure({ pricingForbiddenKeys: ['price-key-id'] });
      const forbidden = await failureOf(gateway().unitPrices([TURBO]));
      assert.equal(forbidden.kind, 'forbidden');
      assert.equal(forbidden.details.status, 403);
    });

    it('gives up at its deadline when fal does not answer', async () => {
      imitation.addFault({ at: 'pricing', kind: 'hang' });
      const failure = await failureOf(gateway(KEY, { deadlines: { answerMs: 300, idleMs: 300, totalMs: { default: 300, pricing: 300 } } }).unitPrices([TURBO]));
      assert.equal(failure.kind, 'network');
      assert.match(failure.message, /in time/);
    });
  });
});
