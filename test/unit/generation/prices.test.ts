import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type * as PricesModule from '../../../src/generation/prices';
import type * as RedactionModule from '../../../src/util/redaction';
import { startFalImitation, type FalImitation } from '../../fal-imitation/server';
import { ECHO_SHAPES } from '../../fal-imitation/types';
import { loadWithFakeVscode } from '../faults/fakeVscode';

const SRC = path.join(__dirname, '..', '..', '..', 'src');
const KEY_ID = 'price-echo-key-id';
const SECRET = 'price-echo-secret-7f3a9c';
const KEY = `${KEY_ID}:${SECRET}`;
const TURBO = 'fal-ai/fast-animatediff/turbo/text-to-video';

interface Loaded extends Record<string, unknown> {
  prices: typeof PricesModule;
  redaction: typeof RedactionModule;
}

describe('fal\'s prices: a lookup that fails', function () {
  this.timeout(20_000);
  let imitation: FalImitation;
  before(async () => {
    imitation = await startFalImitation();
  });
  beforeEach(() => imitation.reset());
  after(() => imitation.close());

  for (const shape of ECHO_SHAPES) {
    it(`says "price unknown" with a reason, and neither it nor the log quotes the key fal's answer (${shape}) quoted`, async () => {
      // As the core does: the product is loaded afresh, the stored key registered as a secret when it is met.
      const { prices, redaction } = loadWithFakeVscode<Loaded>(SRC, {
        prices: path.join(SRC, 'generation', 'prices'),
        redaction: path.join(SRC, 'util', 'redaction'),
      });
      redaction.secrets.add(KEY);
      imitation.addFault({ at: 'pricing', kind: 'echoKey', shape, status: 500, times: 10 });
      const logged: string[] = [];
      const falPrices = new prices.FalPrices({
        connection: () => Promise.resolve({ credentials: KEY, proxyUrl: undefined, sandboxUrl: imitation.url }),
        log: { info: (message: string) => void logged.push(message), warn: (message: string) => void logged.push(message) },
      });
      try {
        const charge = await falPrices.charge([{ endpoint: TURBO, input: { num_frames: 16 } }]);
        assert.equal(charge.known, false, 'no price was made up');
        assert.ok(imitation.requests().some((request) => request.stage === 'pricing'), 'fal\'s price list was asked');
        const shown = JSON.stringify({ charge, logged });
        assert.ok(logged.length > 0, 'the failed lookup is logged');
        assert.ok(!shown.includes(SECRET), `the key's secret is in ${shown}`);
      } finally {
        falPrices.dispose();
      }
    });
  }
});
