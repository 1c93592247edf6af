import assert from 'node:assert/strict';
import { INVALID_KEY_FORMAT_DETAIL, NO_USER_DETAIL } from './falErrors';
import { FalImitation, TARGET_URL_HEADER } from './server';
import {
  ApiError, fileOf, POLL_MS, proxyClient, rejectionOf, sandboxClient, startTestImitation, TEST_KEY, TURBO_T2V,
} from './testSupport';

describe('fal imitation: keys and fal\'s proxy form', () => {
  let imitation: FalImitation;

  before(async () => {
    imitation = await startTestImitation();
  });
  afterEach(() => imitation.reset());
  after(() => imitation.close());

  describe('Authorization', () => {
    it('a missing or malformed key gets 401 with the key format detail', async () => {
      for (const credentials of ['', 'no-colon-here', 'id-only:', ':secret-only']) {
        const error = await rejectionOf(sandboxClient(imitation, credentials).queue.submit(TURBO_T2V, { input: { prompt: 'x' } }));
        assert.ok(error instanceof ApiError, credentials);
        assert.equal(error.status, 401);
        assert.deepEqual(error.body, { detail: INVALID_KEY_FORMAT_DETAIL });
      }
      assert.deepEqual(imitation.requests().map((r) => r.authorizationPresent), [false, true, true, true]);
    });

    it('a rejected key, by id or whole, gets 401 "No user found"; any other well-formed key is accepted', async () => {
      imitation.configure({ rejectedKeys: ['revoked-key-id', 'other-id:other-secret'] });
      for (const credentials of ['revoked-key-id:whatever', 'other-id:other-secret']) {
        const error = await rejectionOf(sandboxClient(imitation, credentials).queue.submit(TURBO_T2V, { input: { prompt: 'x' } }));
        assert.ok(error instanceof ApiError);
        assert.equal(error.status, 401);
        assert.deepEqual(error.body, { detail: NO_USER_DETAIL });
      }
      const accepted = await sandboxClient(imitation, 'other-id:a-different-secret').queue.submit(TURBO_T2V, { input: { prompt: 'x' } });
      assert.equal(accepted.status, 'IN_QUEUE');
    });

    it('records only the key id, never the secret', async () => {
      await sandboxClient(imitation, 'visible-id:very-secret-part').subscribe(TURBO_T2V, { input: { prompt: 'x' }, pollInterval: POLL_MS });
      const records = JSON.stringify([imitation.requests(), imitation.jobs()]);
      assert.equal(records.includes('very-secret-part'), false);
      assert.ok(imitation.requests().every((r) => r.keyId === 'visible-id'));
    });
  });

  describe('proxy (x-fal-target-url)', () => {
    it('a client without a key works through the proxy, which injects the team key', async () => {
      const result = await proxyClient(imitation).subscribe(TURBO_T2V, {
        input: { prompt: 'through the proxy', seed: 3 }, logs: true, mode: 'streaming',
      });
      assert.equal((result.data as { seed: number }).seed, 3);
      const records = imitation.requests();
      assert.deepEqual(records.map((r) => r.stage), ['submit', 'stream', 'result']);
      for (const record of records) {
        assert.equal(record.viaProxy, true);
        assert.equal(record.host, 'queue.fal.run');
        assert.equal(record.authorizationPresent, false);
        assert.equal(record.keyInjectedByProxy, true);
        assert.equal(record.keyId, imitation.proxyKeyId);
      }
      assert.equal(records[1].path, `/fal-ai/fast-animatediff/requests/${result.requestId}/status/stream?logs=1`);
      assert.equal(imitation.job(result.requestId)?.viaProxy, true);
    });

    it('a client key passes through the proxy unchanged, and is checked', async () => {
      await proxyClient(imitation, TEST_KEY).subscribe(TURBO_T2V, { input: { prompt: 'own key' }, pollInterval: POLL_MS });
      assert.ok(imitation.requests().every((r) => r.keyId === 'test-key-id' && !r.keyInjectedByProxy && r.authorizationPresent));

      const error = await rejectionOf(proxyClient(imitation, 'revoked-key-id:x').queue.submit(TURBO_T2V, { input: { prompt: 'x' } }));
      assert.ok(error instanceof ApiError);
      assert.equal(error.status, 401);
    });

    it('uploads initiate through the proxy and PUT the bytes straight to the upload URL', async () => {
      const url = await proxyClient(imitation).storage.upload(fileOf('proxied bytes', 'p.txt', 'text/plain'));
      assert.equal(await (await fetch(url)).text(), 'proxied bytes');
      assert.deepEqual(imitation.requests().map((r) => [r.stage, r.viaProxy, r.host]), [
        ['upload-initiate', true, 'rest.fal.ai'],
        ['upload-put', false, new URL(imitation.url).host],
      ]);
    });

    it('a target that is not a fal host gets 412, a missing target 400', async () => {
      const notFal = await fetch(`${imitation.url}/api/fal/proxy`, {
        method: 'POST', headers: { [TARGET_URL_HEADER]: 'https://example.com/steal', 'content-type': 'application/json' }, body: '{}',
      });
      assert.equal(notFal.status, 412);
      assert.match(((await notFal.json()) as { detail: string }).detail, /only forwards to fal hosts.*example\.com/);

      const missing = await fetch(`${imitation.url}/api/fal/proxy`, { method: 'POST' });
      assert.equal(missing.status, 400);
      assert.deepEqual(imitation.requests(), [], 'refused proxy requests reach no fal API');
    });
  });
});
