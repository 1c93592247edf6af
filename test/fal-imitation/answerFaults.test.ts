import assert from 'node:assert/strict';
import { FalImitationControl, FalImitationControlError } from './control';
import { DEFAULT_PROXY_KEY, FalImitation } from './server';
import {
  ApiError, fileOf, POLL_MS, proxyClient, rawFal, rejectionOf, sandboxClient, startTestImitation, TEST_KEY, TURBO_T2V,
  ValidationError,
} from './testSupport';
import { FaultSpec } from './types';

const submitBody = { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prompt: 'x' }) };

describe('fal imitation: redirect and echoKey faults; faults on upload PUTs and files', () => {
  let imitation: FalImitation;

  before(async () => {
    imitation = await startTestImitation();
  });
  afterEach(() => imitation.reset());
  after(() => imitation.close());

  it('redirect answers 302 with the location, and fetch will not follow one to file:', async () => {
    imitation.addFault({ at: 'submit', kind: 'redirect', location: 'https://elsewhere.example/collect' });
    const manual = await rawFal(imitation, 'queue.fal.run', `/${TURBO_T2V}`, { ...submitBody, redirect: 'manual' });
    assert.equal(manual.status, 302);
    assert.equal(manual.headers.get('location'), 'https://elsewhere.example/collect');
    assert.equal(imitation.jobs().length, 0, 'a redirected submit creates no job');

    imitation.addFault({ at: 'video', kind: 'redirect', location: 'file:///etc/passwd' });
    assert.ok(await rejectionOf(fetch(`${imitation.url}/files/videos/any.mp4`)) instanceof TypeError);
    assert.deepEqual(imitation.requests().map((r) => [r.stage, r.fault, r.responseStatus]),
      [['submit', 'redirect', 302], ['video', 'redirect', 302]]);
  });

  describe('echoKey', () => {
    it('quotes the key back in a detail string, 401 by default', async () => {
      imitation.addFault({ at: 'submit', kind: 'echoKey' });
      const error = await rejectionOf(sandboxClient(imitation).queue.submit(TURBO_T2V, { input: { prompt: 'x' } }));
      assert.ok(error instanceof ApiError);
      assert.equal(error.status, 401);
      assert.deepEqual(error.body, { detail: `Invalid credentials: Key ${TEST_KEY}` });
    });

    it('quotes it in a 422-style detail list, in the message and the input', async () => {
      imitation.addFault({ at: 'result', kind: 'echoKey', status: 422, shape: 'detailList' });
      const error = await rejectionOf(sandboxClient(imitation).subscribe(TURBO_T2V, { input: { prompt: 'y' }, pollInterval: POLL_MS }));
      assert.ok(error instanceof ValidationError);
      const [item] = error.getFieldErrors('prompt');
      assert.equal(item.type, 'value_error');
      assert.ok(item.msg.includes(TEST_KEY));
      assert.ok(String((item as { input?: unknown }).input).includes(TEST_KEY));
    });

    it('quotes it in plain text and in an HTML page', async () => {
      for (const [shape, type] of [['text', 'text/plain; charset=utf-8'], ['html', 'text/html; charset=utf-8']] as const) {
        imitation.addFault({ at: 'upload', kind: 'echoKey', shape, status: 403 });
        const response = await rawFal(imitation, 'rest.fal.ai', '/storage/upload/initiate', {
          method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"content_type":"text/plain","file_name":"a.txt"}',
        });
        assert.equal(response.status, 403);
        assert.equal(response.headers.get('content-type'), type);
        assert.ok((await response.text()).includes(`Key ${TEST_KEY}`), shape);
      }
    });

    it('through the proxy: quotes the key the proxy forwarded and the target URL', async () => {
      imitation.addFault({ at: 'submit', kind: 'echoKey' });
      const error = await rejectionOf(proxyClient(imitation).queue.submit(TURBO_T2V, { input: { prompt: 'x' } }));
      assert.ok(error instanceof ApiError);
      const detail = (error.body as { detail: string }).detail;
      assert.ok(detail.includes(`Key ${DEFAULT_PROXY_KEY}`), detail);
      assert.ok(detail.includes(`https://queue.fal.run/${TURBO_T2V}`), detail);
    });

    it('quotes Basic and Proxy-Authorization credentials, decoded too', async () => {
      imitation.addFault({ at: 'video', kind: 'echoKey' });
      const basic = Buffer.from('someone:pa55word').toString('base64');
      const response = await fetch(`${imitation.url}/files/videos/any.mp4`, {
        headers: { authorization: `Basic ${basic}`, 'proxy-authorization': 'Bearer proxy-token' },
      });
      const { detail } = await response.json() as { detail: string };
      for (const quoted of [`Basic ${basic}`, 'someone:pa55word', 'Bearer proxy-token']) {
        assert.ok(detail.includes(quoted), `${quoted} in ${detail}`);
      }
    });
  });

  it('uploadPut faults apply to the PUT of the bytes, and to each part PUT of a multipart upload', async () => {
    imitation.addFault({ at: 'uploadPut', kind: 'http', status: 500 });
    const error = await rejectionOf(sandboxClient(imitation).storage.upload(fileOf('refused', 'r.txt', 'text/plain')));
    assert.ok(error instanceof ApiError && error.status === 500);
    assert.deepEqual(imitation.uploads(), []);

    const initiated = await rawFal(imitation, 'rest.fal.ai', '/storage/upload/initiate-multipart?storage_type=fal-cdn-v3', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"content_type":"video/mp4","file_name":"big.mp4"}',
    });
    const { upload_url: uploadUrl } = await initiated.json() as { upload_url: string };
    imitation.addFault({ at: 'uploadPut', kind: 'drop' });
    assert.ok(await rejectionOf(fetch(`${uploadUrl}/1`, { method: 'PUT', body: 'part one' })) instanceof TypeError);
    const retried = await fetch(`${uploadUrl}/1`, { method: 'PUT', body: 'part one' });
    assert.equal(retried.status, 200);
    assert.deepEqual(imitation.requests().map((r) => [r.stage, r.fault, r.responseStatus]), [
      ['upload-initiate', null, 200], ['upload-put', 'http', 500],
      ['upload-initiate', null, 200], ['upload-part', 'drop', null], ['upload-part', null, 200],
    ]);
  });

  it('video faults match a result video by its request id, and apply to uploaded files', async () => {
    const client = sandboxClient(imitation);
    const first = await client.subscribe(TURBO_T2V, { input: { prompt: 'first' }, pollInterval: POLL_MS });
    const second = await client.subscribe(TURBO_T2V, { input: { prompt: 'second' }, pollInterval: POLL_MS });
    const videoUrl = (requestId: string): string => imitation.job(requestId)?.videoUrl ?? '';
    imitation.addFault({ at: 'video', kind: 'http', status: 503, match: { requestId: second.requestId } });
    assert.equal((await fetch(videoUrl(first.requestId))).status, 200);
    assert.equal((await fetch(videoUrl(second.requestId))).status, 503);

    const uploaded = await client.storage.upload(fileOf('uploaded', 'u.txt', 'text/plain'));
    imitation.addFault({ at: 'video', kind: 'drop' });
    assert.ok(await rejectionOf(fetch(uploaded)) instanceof TypeError);
    assert.equal(await (await fetch(uploaded)).text(), 'uploaded');
    assert.deepEqual(imitation.requests().filter((r) => r.stage === 'video').map((r) => [r.requestId, r.fault, r.responseStatus]),
      [[second.requestId, 'http', 503], [null, 'drop', null]], 'only the file GETs a fault shaped are recorded');
  });

  it('refuses new faults where they cannot apply, or with bad options, and says why', async () => {
    const refusals: [unknown, RegExp][] = [
      [{ at: 'stream', kind: 'trickle' }, /'trickle' fault applies at .*not at 'stream'/],
      [{ at: 'video', kind: 'malformedJson' }, /'malformedJson' fault applies at .*not at 'video'/],
      [{ at: 'result', kind: 'redirect' }, /fault.location is required/],
      [{ at: 'result', kind: 'redirect', location: 'https://a.example/\r\nset-cookie: x' }, /fault.location must be a non-empty header value/],
      [{ at: 'video', kind: 'wrongContentType', contentType: '' }, /fault.contentType must be a non-empty header value/],
      [{ at: 'result', kind: 'echoKey', shape: 'xml' }, /fault.shape must be one of 'detailString', 'detailList', 'text', 'html'/],
      [{ at: 'result', kind: 'echoKey', status: 200 }, /fault.status must be an integer ≥ 400 ≤ 599/],
      [{ at: 'result', kind: 'stallMidBody', afterBytes: -1 }, /fault.afterBytes must be an integer ≥ 0/],
      [{ at: 'result', kind: 'trickle', bytesPerChunk: 0 }, /fault.bytesPerChunk must be an integer ≥ 1/],
      [{ at: 'result', kind: 'hugeContentLength', afterBytes: 3 }, /unknown field\(s\) 'afterBytes'/],
    ];
    for (const [spec, reason] of refusals) {
      assert.throws(() => imitation.addFault(spec as FaultSpec), reason);
    }
    const refused = await rejectionOf(new FalImitationControl(imitation.url).addFault({ at: 'pricing', kind: 'noVideo' }));
    assert.ok(refused instanceof FalImitationControlError && refused.status === 400);
    assert.match(refused.detail, /'noVideo' fault applies at 'submit' or 'result', not at 'pricing'/);
    assert.deepEqual(imitation.faults(), []);
  });
});
