import * as assert from 'node:assert/strict';
import {
  addToTotals, chargeOf, chargeSentence, chargeText, formatMoney, NO_SPENDING, sumCharges, totalsText, unitsOf,
  type PriceLookup, type UnitPrice,
} from '../../../src/model/price';

const TURBO = 'fal-ai/fast-animatediff/turbo/text-to-video';
const REGULAR = 'fal-ai/fast-animatediff/text-to-video';
const perVideo: UnitPrice = { endpointId: TURBO, unitPrice: 0.01, unit: 'video', currency: 'USD' };

function lookupFrom(prices: Record<string, PriceLookup>): (endpoint: string) => PriceLookup {
  return (endpoint) => prices[endpoint] ?? { known: false, reason: `fal lists no price for ${endpoint}` };
}

describe('prices', () => {
  it('counts units fal may price by: per video, per second of video, per frame; nothing else', () => {
    const input = { num_frames: 16, fps: 8 };
    assert.equal(unitsOf('video', input), 1);
    assert.equal(unitsOf('Requests', input), 1);
    assert.equal(unitsOf('second', input), 2);
    assert.equal(unitsOf('video seconds', input), 2);
    assert.equal(unitsOf('frames', input), 16);
    // A unit it cannot count before the run (GPU time) is not guessed.
    assert.equal(unitsOf('gpu_second', input), undefined);
    assert.equal(unitsOf('second', { num_frames: 16 }), undefined);
  });

  it('adds up a batch at the listed prices', () => {
    const charge = chargeOf(
      [{ endpoint: TURBO, input: {} }, { endpoint: TURBO, input: {} }, { endpoint: TURBO, input: {} }],
      lookupFrom({ [TURBO]: { known: true, price: perVideo } }),
    );
    assert.ok(charge.known);
    assert.equal(charge.amount, 0.03);
    assert.equal(charge.videos, 3);
    assert.equal(chargeText(charge), '$0.03');
    assert.equal(chargeSentence(charge), 'Expected charge: $0.03 (3 videos, $0.01 per video at fal\'s listed price).');
  });

  it('prices per second of video from the frames and fps of each request', () => {
    const perSecond: UnitPrice = { endpointId: TURBO, unitPrice: 0.005, unit: 'second', currency: 'USD' };
    const charge = chargeOf([{ endpoint: TURBO, input: { num_frames: 32, fps: 8 } }], lookupFrom({ [TURBO]: { known: true, price: perSecond } }));
    assert.ok(charge.known);
    assert.equal(charge.amount, 0.02);
  });

  it('is "price unknown", with fal\'s reason, when any request of the batch has no price', () => {
    const charge = chargeOf(
      [{ endpoint: TURBO, input: {} }, { endpoint: REGULAR, input: {} }],
      lookupFrom({ [TURBO]: { known: true, price: perVideo } }),
    );
    assert.equal(charge.known, false);
    assert.equal(chargeText(charge), 'price unknown');
    assert.equal(chargeSentence(charge), `Expected charge: price unknown (fal lists no price for ${REGULAR}).`);
  });

  it('is "price unknown" for a unit it cannot count, naming fal\'s price rather than inventing a total', () => {
    const perGpuSecond: UnitPrice = { endpointId: TURBO, unitPrice: 0.0011, unit: 'gpu_second', currency: 'USD' };
    const charge = chargeOf([{ endpoint: TURBO, input: { num_frames: 16, fps: 8 } }], lookupFrom({ [TURBO]: { known: true, price: perGpuSecond } }));
    assert.equal(charge.known, false);
    assert.match(chargeSentence(charge), /price unknown .*per gpu_second \(\$0\.0011 each\)/);
  });

  it('does not add prices in different currencies', () => {
    const charge = chargeOf(
      [{ endpoint: TURBO, input: {} }, { endpoint: REGULAR, input: {} }],
      lookupFrom({ [TURBO]: { known: true, price: perVideo }, [REGULAR]: { known: true, price: { ...perVideo, endpointId: REGULAR, currency: 'EUR' } } }),
    );
    assert.equal(charge.known, false);
  });

  it('shows fractions of a cent and sums without floating-point noise', () => {
    assert.equal(formatMoney(0.0125, 'USD'), '$0.0125');
    assert.equal(formatMoney(1.5, 'EUR'), '€1.50');
    // A code Intl does not accept is still shown as fal gave it.
    assert.equal(formatMoney(0.1, 'USDT'), '0.10 USDT');
    const sum = sumCharges([0.1, 0.2].map((amount) => ({ known: true as const, amount, currency: 'USD', videos: 1, price: perVideo })));
    assert.ok(sum.known);
    assert.equal(sum.amount, 0.3);
  });

  it('keeps a session total per currency and counts the videos without a price', () => {
    let totals = NO_SPENDING;
    assert.equal(totalsText(totals), 'price unknown');
    totals = addToTotals(totals, { known: true, amount: 0.01, currency: 'USD', videos: 1, price: perVideo });
    totals = addToTotals(totals, { known: true, amount: 0.02, currency: 'USD', videos: 2, price: perVideo });
    assert.equal(totalsText(totals), '$0.03');
    totals = addToTotals(totals, { known: false, reason: 'this key may not read fal\'s prices (403)', videos: 1 });
    assert.equal(totals.videos, 4);
    assert.equal(totalsText(totals), '$0.03 + 1 unpriced');
  });
});
