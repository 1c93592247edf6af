import assert from 'node:assert/strict';
import { FalImitationControl, FalImitationControlError } from './control';
import { INVALID_KEY_FORMAT_DETAIL, NO_USER_DETAIL } from './falErrors';
import { FalImitation } from './server';
import { rejectionOf, sandboxFetch, startTestImitation, TEST_KEY, TURBO_T2V, TURBO_V2V, until } from './testSupport';
import { ANIMATEDIFF_ENDPOINTS, IMITATION_PRICES } from './types';

const T2V = 'fal-ai/fast-animatediff/text-to-video';

describe('fal imitation: the platform pricing API', () => {
  let imitation: FalImitation;

  before(async () => {
    imitation = await startTestImitation();
  });
  afterEach(() => imitation.reset());
  after(() => imitation.close());

  /** The pricing call as the product makes it: to api.fal.ai, through the sandbox rewrite. */
  function pricing(query: string, key: string | null = TEST_KEY): Promise<Response> {
    return sandboxFetch(imitation.url)(`https://api.fal.ai/v1/models/pricing?${query}`, {
      headers: key === null ? {} : { authorization: `Key ${key}` },
    });
  }

  it('lists the requested endpoints it knows, comma-separated or repeated, in the order asked', async () => {
    const response = await pricing(`endpoint_id=${TURBO_V2V},fal-ai/unknown-model&endpoint_id=${TURBO_T2V}&endpoint_id=${TURBO_V2V}`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/json');
    assert.deepEqual(await response.json(), {
      prices: [
        { endpoint_id: TURBO_V2V, unit_price: 0.012, unit: 'video', currency: 'USD' },
        { endpoint_id: TURBO_T2V, unit_price: 0.01, unit: 'video', currency: 'USD' },
      ],
      next_cursor: null,
      has_more: false,
    });
    const [record] = imitation.requests();
    assert.deepEqual([record.method, record.host, record.stage, record.keyId, record.responseStatus, record.fault],
      ['GET', 'api.fal.ai', 'pricing', 'test-key-id', 200, null]);
  });

  it('knows the four AnimateDiff endpoints by default, with the imitation\'s own prices', async () => {
    const response = await pricing(`endpoint_id=${ANIMATEDIFF_ENDPOINTS.join(',')}`);
    const { prices } = await response.json() as { prices: { endpoint_id: string; unit_price: number }[] };
    assert.deepEqual(prices.map((p) => [p.endpoint_id, p.unit_price]), [
      ['fal-ai/fast-animatediff/turbo/text-to-video', 0.01],
      ['fal-ai/fast-animatediff/text-to-video', 0.02],
      ['fal-ai/fast-animatediff/turbo/video-to-video', 0.012],
      ['fal-ai/fast-animatediff/video-to-video', 0.024],
    ]);
  });

  it('needs a key like any fal call: 401 without or with a rejected one; 403 for a key without pricing access', async () => {
    const missing = await pricing(`endpoint_id=${TURBO_T2V}`, null);
    assert.equal(missing.status, 401);
    assert.deepEqual(await missing.json(), { detail: INVALID_KEY_FORMAT_DETAIL });
    const rejected = await pricing(`endpoint_id=${TURBO_T2V}`, 'revoked-key-id:x');
    assert.equal(rejected.status, 401);
    assert.deepEqual(await rejected.json(), { detail: NO_USER_DETAIL });

    imitation.configure({ pricingForbiddenKeys: ['test-key-id'] });
    const forbidden = await pricing(`endpoint_id=${TURBO_T2V}`);
    assert.equal(forbidden.status, 403);
    assert.deepEqual(await forbidden.json(), { detail: 'Forbidden' });
    assert.equal((await pricing(`endpoint_id=${TURBO_T2V}`, 'other-id:other-secret')).status, 200);
  });

  it('asks for at least one endpoint id (422 like a missing query field)', async () => {
    const response = await pricing('endpoint_id=');
    assert.equal(response.status, 422);
    assert.deepEqual(await response.json(), {
      detail: [{ type: 'missing', loc: ['query', 'endpoint_id'], msg: 'Field required', input: null }],
    });
  });

  it('prices are configurable (merged by endpoint, null removes one) and reset restores the defaults', async () => {
    const control = new FalImitationControl(imitation.url);
    await control.configure({
      prices: { [TURBO_T2V]: { unit_price: 0.5, unit: 'second', currency: 'EUR' }, [T2V]: null, 'acme/model': { unit_price: 1, unit: 'image', currency: 'USD' } },
    });
    const response = await pricing(`endpoint_id=${TURBO_T2V},${T2V},acme/model`);
    const { prices } = await response.json() as { prices: unknown[] };
    assert.deepEqual(prices, [
      { endpoint_id: TURBO_T2V, unit_price: 0.5, unit: 'second', currency: 'EUR' },
      { endpoint_id: 'acme/model', unit_price: 1, unit: 'image', currency: 'USD' },
    ]);
    assert.deepEqual(Object.keys((await control.pricingConfig()).prices).sort(),
      [TURBO_T2V, TURBO_V2V, 'acme/model', 'fal-ai/fast-animatediff/video-to-video'].sort());

    await control.reset();
    assert.deepEqual(await control.pricingConfig(), { prices: IMITATION_PRICES, pricingForbiddenKeys: [] });
    const invalid = await rejectionOf(control.configure({ prices: { [TURBO_T2V]: { unit_price: -1, unit: 'video', currency: 'USD' } } }));
    assert.ok(invalid instanceof FalImitationControlError && invalid.status === 400);
    assert.match(invalid.detail, /unit_price must be a number ≥ 0/);
  });

  it('faults at the pricing stage apply, matched by a requested endpoint id', async () => {
    imitation.addFault({ at: 'pricing', kind: 'http', status: 500, match: { endpoint: T2V } });
    assert.equal((await pricing(`endpoint_id=${TURBO_T2V}`)).status, 200, 'not asked for: not matched');
    assert.equal((await pricing(`endpoint_id=${TURBO_T2V},${T2V}`)).status, 500);

    imitation.addFault({ at: 'pricing', kind: 'echoKey', status: 403 });
    const echoed = await pricing(`endpoint_id=${TURBO_T2V}`);
    assert.equal(echoed.status, 403);
    assert.ok(((await echoed.json()) as { detail: string }).detail.includes(TEST_KEY));

    imitation.addFault({ at: 'pricing', kind: 'hang' });
    const abort = new AbortController();
    const hung = rejectionOf(sandboxFetch(imitation.url)(`https://api.fal.ai/v1/models/pricing?endpoint_id=${TURBO_T2V}`, {
      headers: { authorization: `Key ${TEST_KEY}` }, signal: abort.signal,
    }));
    await until(() => imitation.requests().some((r) => r.fault === 'hang'), 'the hung pricing call');
    abort.abort();
    assert.equal(((await hung) as Error).name, 'AbortError');
    assert.deepEqual(imitation.requests().map((r) => [r.stage, r.fault, r.responseStatus]), [
      ['pricing', null, 200], ['pricing', 'http', 500], ['pricing', 'echoKey', 403], ['pricing', 'hang', null],
    ]);
  });
});
