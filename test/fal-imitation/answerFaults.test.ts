import assert from 'node:assert/strict';
import { FalImitationControl, FalImitationControlError } from './control';
import { FalImitation } from './server';
import { ApiError, fileOf, POLL_MS, rawFal, rejectionOf, sandboxClient, startTestImitation, TURBO_T2V } from './testSupport';

describe('fal imitation: faults on upload PUTs and files', () => {
  let imitation: FalImitation;

  before(async () => {
    imitation = await startTestImitation();
  });
  afterEach(() => imitation.reset());
  after(() => imitation.close());

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

  it('the new stages refuse job-level faults, and say why', async () => {
    const refused = await rejectionOf(new FalImitationControl(imitation.url).addFault({ at: 'pricing', kind: 'noVideo' }));
    assert.ok(refused instanceof FalImitationControlError && refused.status === 400);
    assert.match(refused.detail, /'noVideo' fault applies at 'submit' or 'result', not at 'pricing'/);
    assert.throws(() => imitation.addFault({ at: 'video', kind: 'slow', ms: 1 }), /'slow' fault applies at 'submit', not at 'video'/);
    assert.deepEqual(imitation.faults(), []);
  });
});
