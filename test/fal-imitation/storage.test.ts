import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { FalImitation } from './server';
import {
  ApiError, fileOf, fixtureVideo, POLL_MS, rejectionOf, sandboxClient, startTestImitation, TURBO_V2V, ValidationError,
} from './testSupport';

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

describe('fal imitation: storage uploads and served files', () => {
  let imitation: FalImitation;

  before(async () => {
    imitation = await startTestImitation();
  });
  afterEach(() => imitation.reset());
  after(() => imitation.close());

  it('storage.upload initiates on rest.fal.ai, PUTs the bytes without a key, and the file URL serves them back', async () => {
    const bytes = fixtureVideo();
    const url = await sandboxClient(imitation).storage.upload(fileOf(bytes, 'clip.mp4', 'video/mp4'));

    assert.ok(url.startsWith(`${imitation.url}/files/uploads/`), url);
    const served = await fetch(url);
    assert.equal(served.status, 200);
    assert.equal(served.headers.get('content-type'), 'video/mp4');
    assert.equal(served.headers.get('accept-ranges'), 'bytes');
    assert.ok(Buffer.from(await served.arrayBuffer()).equals(bytes));

    assert.deepEqual(imitation.uploads().map(({ completedAt: _completedAt, ...upload }) => upload), [{
      fileName: 'clip.mp4', contentType: 'video/mp4', size: bytes.length, sha256: sha256(bytes), fileUrl: url, multipart: false,
    }]);
    const [initiate, put] = imitation.requests();
    assert.equal(initiate.host, 'rest.fal.ai');
    assert.equal(initiate.stage, 'upload-initiate');
    assert.equal(initiate.path, '/storage/upload/initiate?storage_type=fal-cdn-v3');
    assert.deepEqual(initiate.body, { content_type: 'video/mp4', file_name: 'clip.mp4' });
    assert.equal(initiate.keyId, 'test-key-id');
    assert.equal(put.stage, 'upload-put');
    assert.equal(put.method, 'PUT');
    assert.equal(put.authorizationPresent, false);
    assert.equal(put.responseStatus, 200);
  });

  it('keeps the content type of any file', async () => {
    const url = await sandboxClient(imitation).storage.upload(fileOf('hello, fal', 'notes.txt', 'text/plain'));
    const served = await fetch(url);
    assert.equal(served.headers.get('content-type'), 'text/plain');
    assert.equal(await served.text(), 'hello, fal');
  });

  it('serves byte ranges (206), suffix ranges, 416 past the end, and HEAD', async () => {
    const bytes = fixtureVideo();
    const url = await sandboxClient(imitation).storage.upload(fileOf(bytes, 'clip.mp4', 'video/mp4'));
    const part = await fetch(url, { headers: { range: 'bytes=100-199' } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes 100-199/${bytes.length}`);
    assert.ok(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(100, 200)));

    const tail = await fetch(url, { headers: { range: 'bytes=-10' } });
    assert.ok(Buffer.from(await tail.arrayBuffer()).equals(bytes.subarray(bytes.length - 10)));

    const past = await fetch(url, { headers: { range: `bytes=${bytes.length}-` } });
    assert.equal(past.status, 416);
    assert.equal(past.headers.get('content-range'), `bytes */${bytes.length}`);

    const head = await fetch(url, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(bytes.length));
  });

  it('a file over 90 MB goes through the client\'s multipart upload and is joined in order', async function () {
    this.timeout(20_000);
    const size = 91 * 1024 * 1024;
    const bytes = Buffer.alloc(size);
    for (let offset = 0; offset < size; offset += 4096) {
      bytes.writeUInt32BE(offset / 4096, offset);
    }
    const url = await sandboxClient(imitation).storage.upload(fileOf(bytes, 'big.bin', 'application/octet-stream'));
    const [upload] = imitation.uploads();
    assert.equal(upload.multipart, true);
    assert.equal(upload.size, size);
    assert.equal(upload.sha256, sha256(bytes));
    assert.deepEqual(
      imitation.requests().map((r) => r.stage),
      ['upload-initiate', ...Array<string>(10).fill('upload-part'), 'upload-complete'],
    );
    const boundary = 10 * 1024 * 1024;
    const across = await fetch(url, { headers: { range: `bytes=${boundary - 8}-${boundary + 7}` } });
    assert.ok(Buffer.from(await across.arrayBuffer()).equals(bytes.subarray(boundary - 8, boundary + 8)));
  });

  it('an upload fault fails the initiate call', async () => {
    imitation.addFault({ at: 'upload', kind: 'http', status: 500 });
    const error = await rejectionOf(sandboxClient(imitation).storage.upload(fileOf('x', 'x.txt', 'text/plain')));
    assert.ok(error instanceof ApiError);
    assert.equal(error.status, 500);
    assert.deepEqual(imitation.uploads(), []);
  });

  it('video-to-video: a File in the input is uploaded by the client and its URL is what the job receives', async () => {
    const result = await sandboxClient(imitation).subscribe(TURBO_V2V, {
      input: { video_url: fileOf(fixtureVideo(), 'input.mp4', 'video/mp4'), prompt: 'as a watercolour' },
      pollInterval: POLL_MS,
    });
    const [upload] = imitation.uploads();
    const job = imitation.job(result.requestId);
    assert.deepEqual(job?.input, { video_url: upload.fileUrl, prompt: 'as a watercolour' });
    assert.equal(job?.outcome, 'succeeded');
  });

  it('video-to-video: a local file URL that does not exist fails with file_download_error', async () => {
    const missing = `${imitation.url}/files/uploads/00000000-0000-4000-8000-000000000000/gone.mp4`;
    const error = await rejectionOf(sandboxClient(imitation).subscribe(TURBO_V2V, {
      input: { video_url: missing, prompt: 'x' }, pollInterval: POLL_MS,
    }));
    assert.ok(error instanceof ValidationError);
    assert.deepEqual(error.fieldErrors.map((e) => [e.loc, e.type]), [[['body', 'video_url'], 'file_download_error']]);
  });
});
