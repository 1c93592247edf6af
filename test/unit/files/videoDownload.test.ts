import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { HistoryStore, historyFileName } from '../../../src/history/store/historyStore';
import { VideoDownloadError, downloadVideo, videoExtension } from '../../../src/files/videoDownload';
import { filesIn, newEntry, useTempFolder } from '../history/support';

const CHUNK = 64 * 1024;

/** An MP4's first box header (`ftyp`): what the download checks before it keeps a file. */
const FTYP = Buffer.from([0, 0, 0, 24, 0x66, 0x74, 0x79, 0x70]);

/** Deterministic bytes standing in for a video. */
function videoBytes(size: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) {
    bytes[i] = (Math.imul(i, 2654435761) >>> 13) & 0xff;
  }
  FTYP.copy(bytes);
  return bytes;
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Polls a condition about the file system (what the download has written so far). */
async function waitFor(condition: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !condition(); waited += 5) {
    if (waited > 15_000) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Writes with backpressure. */
async function send(response: ServerResponse, data: Buffer): Promise<void> {
  for (let offset = 0; offset < data.length; offset += CHUNK) {
    if (!response.write(data.subarray(offset, offset + CHUNK))) {
      await new Promise((resolve) => response.once('drain', resolve));
    }
  }
}

describe('video downloads', () => {
  const temp = useTempFolder();
  let server: Server;
  let baseUrl: string;
  let handler: (request: IncomingMessage, response: ServerResponse) => void | Promise<void>;
  let requests: number;

  beforeEach(async () => {
    requests = 0;
    server = createServer((request, response) => {
      requests += 1;
      void Promise.resolve(handler(request, response)).catch((error: unknown) => response.destroy(error instanceof Error ? error : undefined));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  function partFiles(): string[] {
    return filesIn(temp.path).filter((name) => name.includes('.part-'));
  }

  function partFileBytes(): number {
    const [part] = partFiles();
    return part ? statSync(path.join(temp.path, part)).size : 0;
  }

  async function expectFailure(promise: Promise<unknown>, kind: string): Promise<VideoDownloadError> {
    const error = await promise.then(
      () => assert.fail('the download should have failed'),
      (reason: unknown) => reason,
    );
    assert.ok(error instanceof VideoDownloadError, String(error));
    assert.equal(error.kind, kind, error.message);
    return error;
  }

  it('streams a multi-megabyte body to disk as it arrives, then renames it into place', async () => {
    const video = videoBytes(6 * 1024 * 1024);
    handler = async (_request, response) => {
      response.writeHead(200, { 'content-type': 'video/mp4' });
      await send(response, video.subarray(0, video.length / 2));
      // The second half is sent only once the first has reached the disk: a download that buffered the whole
      // body in memory before writing would never get there.
      await waitFor(() => partFileBytes() >= 1024 * 1024, 'the first megabyte on disk');
      await send(response, video.subarray(video.length / 2));
      response.end();
    };
    const dest = path.join(temp.path, 'clip.mp4');
    const result = await downloadVideo(`${baseUrl}/files/clip.mp4`, dest);
    assert.deepEqual(result, { bytes: video.length, contentType: 'video/mp4' });
    assert.equal(sha256(readFileSync(dest)), sha256(video));
    assert.deepEqual(filesIn(temp.path), ['clip.mp4']);
  });

  it('checks the length against Content-Length and creates the destination folder', async () => {
    const video = videoBytes(300_000);
    handler = (_request, response) => {
      response.writeHead(200, { 'content-type': 'video/webm; codecs=vp9', 'content-length': String(video.length) });
      response.end(video);
    };
    const dest = path.join(temp.path, 'videos', 'deep', 'a.webm');
    assert.deepEqual(await downloadVideo(`${baseUrl}/a.webm`, dest), { bytes: video.length, contentType: 'video/webm' });
    assert.equal(sha256(readFileSync(dest)), sha256(video));
  });

  it('uses the fetch it is given', async () => {
    handler = (_request, response) => void response.end(Buffer.concat([FTYP, Buffer.from('12345')]));
    const fetched: string[] = [];
    const fetchImpl: typeof fetch = (input, init) => {
      fetched.push(String(input));
      return fetch(input, init);
    };
    const dest = path.join(temp.path, 'v.mp4');
    assert.deepEqual(await downloadVideo(`${baseUrl}/v.mp4`, dest, { fetchImpl }), { bytes: 13, contentType: 'video/mp4' });
    assert.deepEqual(fetched, [`${baseUrl}/v.mp4`]);
  });

  it('fails clearly on an HTTP error, without the URL\'s token, leaving an existing file untouched', async () => {
    handler = (_request, response) => {
      response.writeHead(404, { 'content-type': 'text/plain' });
      response.end('gone');
    };
    const dest = path.join(temp.path, 'old.mp4');
    writeFileSync(dest, 'the previous copy');
    const error = await expectFailure(downloadVideo(`${baseUrl}/files/x.mp4?token=SECRET`, dest), 'http');
    assert.equal(error.status, 404);
    assert.match(error.message, /HTTP 404 Not Found \(the result URL may have expired\)/);
    assert.ok(!error.message.includes('SECRET'));
    assert.equal(readFileSync(dest, 'utf8'), 'the previous copy');
    assert.deepEqual(partFiles(), []);
  });

  it('fails on an empty body and leaves no file', async () => {
    handler = (_request, response) => {
      response.writeHead(200, { 'content-type': 'video/mp4' });
      response.end();
    };
    const dest = path.join(temp.path, 'empty.mp4');
    await expectFailure(downloadVideo(`${baseUrl}/empty.mp4`, dest), 'empty');
    assert.deepEqual(filesIn(temp.path), []);
  });

  it('fails on an error page served as 200', async () => {
    handler = (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end('<html>Sign in</html>');
    };
    await expectFailure(downloadVideo(`${baseUrl}/x.mp4`, path.join(temp.path, 'x.mp4')), 'notVideo');
    assert.deepEqual(filesIn(temp.path), []);
  });

  it('fails when the connection breaks mid-body and removes the partial file', async () => {
    const video = videoBytes(2 * 1024 * 1024);
    handler = async (_request, response) => {
      response.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(video.length) });
      await send(response, video.subarray(0, 1024 * 1024));
      await waitFor(() => partFileBytes() > 0, 'the partial file');
      response.socket?.destroy();
    };
    const error = await expectFailure(downloadVideo(`${baseUrl}/cut.mp4`, path.join(temp.path, 'cut.mp4')), 'network');
    assert.match(error.message, /broke off after \d+ bytes/);
    assert.deepEqual(filesIn(temp.path), []);
  });

  it('fails when fewer bytes arrive than Content-Length promised', async () => {
    handler = (_request, response) => {
      // A lying server: claims 10 bytes, sends 4 and ends cleanly (HTTP/1.0-style close).
      response.socket?.end('HTTP/1.1 200 OK\r\ncontent-type: video/mp4\r\ncontent-length: 10\r\nconnection: close\r\n\r\nabcd');
    };
    const error = await downloadVideo(`${baseUrl}/short.mp4`, path.join(temp.path, 'short.mp4')).catch((reason: unknown) => reason);
    assert.ok(error instanceof VideoDownloadError && ['truncated', 'network'].includes(error.kind), String(error));
    assert.deepEqual(filesIn(temp.path), []);
  });

  it('stops when aborted mid-body and removes the partial file', async () => {
    handler = async (_request, response) => {
      response.writeHead(200, { 'content-type': 'video/mp4' });
      await send(response, videoBytes(512 * 1024));
      // Then nothing more: only the abort ends this download.
    };
    const controller = new AbortController();
    const download = downloadVideo(`${baseUrl}/slow.mp4`, path.join(temp.path, 'slow.mp4'), { signal: controller.signal });
    await waitFor(() => partFileBytes() > 0, 'the partial file');
    controller.abort();
    const error = await expectFailure(download, 'aborted');
    assert.match(error.message, /cancelled/);
    assert.deepEqual(filesIn(temp.path), []);
  });

  it('does not even connect when already aborted', async () => {
    handler = (_request, response) => void response.end('x');
    await expectFailure(downloadVideo(`${baseUrl}/x.mp4`, path.join(temp.path, 'x.mp4'), { signal: AbortSignal.abort() }), 'aborted');
    assert.equal(requests, 0);
  });

  it('reports a refused connection as a network failure', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await expectFailure(downloadVideo(`http://127.0.0.1:${port}/x.mp4`, path.join(temp.path, 'x.mp4')), 'network');
    assert.match(error.message, /ECONNREFUSED/);
  });

  it('picks a file extension from the content type, else the URL', () => {
    assert.equal(videoExtension('video/webm', 'https://x/a.mp4'), '.webm');
    assert.equal(videoExtension(undefined, 'https://v3.fal.media/files/k/abc.mp4?sig=1'), '.mp4');
    assert.equal(videoExtension('application/octet-stream', 'https://x/a.GIF'), '.gif');
    assert.equal(videoExtension(undefined, 'https://x/no-extension'), '.mp4');
  });

  describe('deadlines, cancel and checks', () => {
    const SHORT = { answerMs: 1500, idleMs: 1500, totalMs: 4000 };

    it('a body that stops arriving ends the download after the idle limit; nothing is left', async () => {
      handler = async (_request, response) => {
        response.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(1024 * 1024) });
        await send(response, videoBytes(64 * 1024));
        // Then nothing more.
      };
      const error = await expectFailure(downloadVideo(`${baseUrl}/stall.mp4`, path.join(temp.path, 'stall.mp4'), { limits: SHORT }), 'timeout');
      assert.match(error.message, /no data for 2 s|no data for 1 s/);
      assert.deepEqual(filesIn(temp.path), []);
    });

    it('a trickle that never stops ends at the overall deadline', async () => {
      handler = (_request, response) => {
        response.writeHead(200, { 'content-type': 'video/mp4' });
        response.write(FTYP);
        const drip = setInterval(() => response.write(Buffer.alloc(1)), 200);
        response.on('close', () => clearInterval(drip));
      };
      const error = await expectFailure(downloadVideo(`${baseUrl}/trickle.mp4`, path.join(temp.path, 'trickle.mp4'), { limits: SHORT }), 'timeout');
      assert.match(error.message, /took longer than 4 s/);
      assert.deepEqual(filesIn(temp.path), []);
    });

    it('no answer at all ends after the answer limit', async () => {
      handler = () => undefined;
      await expectFailure(downloadVideo(`${baseUrl}/silent.mp4`, path.join(temp.path, 'silent.mp4'), { limits: SHORT }), 'timeout');
    });

    it('cancel stops a stalled download at once', async () => {
      handler = async (_request, response) => {
        response.writeHead(200, { 'content-type': 'video/mp4' });
        await send(response, videoBytes(64 * 1024));
      };
      const controller = new AbortController();
      const download = downloadVideo(`${baseUrl}/cancel.mp4`, path.join(temp.path, 'cancel.mp4'), { signal: controller.signal });
      await waitFor(() => partFileBytes() > 0, 'the partial file');
      controller.abort();
      await expectFailure(download, 'aborted');
      assert.deepEqual(filesIn(temp.path), []);
    });

    it('a page served as video/mp4 is refused, and with Replace the earlier video stays', async () => {
      handler = (_request, response) => {
        response.writeHead(200, { 'content-type': 'video/mp4' });
        response.end('<!DOCTYPE html><html><body>Sign in</body></html>');
      };
      const dest = path.join(temp.path, 'kept.mp4');
      writeFileSync(dest, Buffer.concat([FTYP, Buffer.from('the earlier video')]));
      const error = await expectFailure(downloadVideo(`${baseUrl}/page.mp4`, dest, { replace: true }), 'notVideo');
      assert.match(error.message, /not a video/);
      assert.ok(readFileSync(dest).subarray(8).equals(Buffer.from('the earlier video')));
      assert.deepEqual(partFiles(), []);
    });

    it('a video larger than the cap is refused, whether it says so or not', async () => {
      handler = (_request, response) => {
        response.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(10 * 1024 * 1024) });
        response.end();
      };
      await expectFailure(downloadVideo(`${baseUrl}/big.mp4`, path.join(temp.path, 'big.mp4'), { limits: { maxBytes: 1024 * 1024 } }), 'tooLarge');
      handler = async (_request, response) => {
        response.writeHead(200, { 'content-type': 'video/mp4' });
        await send(response, videoBytes(3 * 1024 * 1024));
        response.end();
      };
      const error = await expectFailure(downloadVideo(`${baseUrl}/big.mp4`, path.join(temp.path, 'big.mp4'), { limits: { maxBytes: 1024 * 1024 } }), 'tooLarge');
      assert.match(error.message, /larger than 1 MB/);
      assert.deepEqual(filesIn(temp.path), []);
    });

    it('follows a redirect to another web address, never to a file', async () => {
      const video = videoBytes(100_000);
      handler = (request, response) => {
        if (request.url === '/moved.mp4') {
          response.writeHead(302, { location: `${baseUrl}/here.mp4` }).end();
        } else if (request.url === '/local.mp4') {
          response.writeHead(302, { location: 'file:///etc/passwd' }).end();
        } else {
          response.writeHead(200, { 'content-type': 'video/mp4' }).end(video);
        }
      };
      assert.equal((await downloadVideo(`${baseUrl}/moved.mp4`, path.join(temp.path, 'moved.mp4'))).bytes, video.length);
      const error = await expectFailure(downloadVideo(`${baseUrl}/local.mp4`, path.join(temp.path, 'local.mp4')), 'http');
      assert.match(error.message, /redirected to a local file; it was not followed/);
      assert.ok(!error.message.includes('passwd'));
    });
  });

  describe('into the store', () => {
    it('saves the video under videos/ and records it in the entry', async () => {
      const video = videoBytes(1024 * 1024 + 3);
      handler = async (_request, response) => {
        response.writeHead(200, { 'content-type': 'video/mp4' });
        await send(response, video);
        response.end();
      };
      const { store } = await HistoryStore.open(temp.path);
      const entry = await store.add(newEntry('fox', { status: 'done', requestId: 'r' }));
      const url = `${baseUrl}/files/result.mp4`;
      const saved = await store.saveVideo(entry.id, url);
      assert.deepEqual(saved?.video, { file: `videos/${entry.id}.mp4`, bytes: video.length, contentType: 'video/mp4' });
      assert.equal(saved?.remoteVideoUrl, url);
      assert.equal(sha256(readFileSync(store.videoPath(saved!)!)), sha256(video));
      const { store: reopened } = await HistoryStore.open(temp.path);
      assert.deepEqual(reopened.get(entry.id)?.video, saved?.video);
    });

    it('makes the changes `finish` asks for in the same record as the video, decided once the video is in place', async () => {
      handler = (_request, response) => {
        response.writeHead(200, { 'content-type': 'video/mp4' }).end(videoBytes(4096));
      };
      const { store } = await HistoryStore.open(temp.path);
      const entry = await store.add(newEntry('fox', { status: 'running', requestId: 'r' }));
      const file = path.join(temp.path, historyFileName(1));
      const recordsBefore = readFileSync(file, 'utf8').split('\n').length;
      let seen: string | undefined;
      const saved = await store.saveVideo(entry.id, `${baseUrl}/v.mp4`, {
        finish: (current) => {
          seen = current.status;
          return { status: 'done', ownerPid: undefined };
        },
      });
      assert.equal(seen, 'running');
      assert.equal(saved?.status, 'done');
      assert.equal(saved?.ownerPid, undefined);
      assert.equal(saved?.video?.bytes, 4096);
      assert.equal(readFileSync(file, 'utf8').split('\n').length, recordsBefore + 1, 'one record: the video and the changes together');
      const { store: reopened } = await HistoryStore.open(temp.path);
      assert.equal(reopened.get(entry.id)?.status, 'done');
      assert.deepEqual(reopened.get(entry.id)?.video, saved?.video);
    });

    it('drops the download when the entry is deleted meanwhile', async () => {
      const { store } = await HistoryStore.open(temp.path);
      const entry = await store.add(newEntry('fox'));
      const videos = path.join(temp.path, 'videos');
      handler = async (_request, response) => {
        response.writeHead(200, { 'content-type': 'video/mp4' });
        await send(response, videoBytes(256 * 1024));
        await waitFor(() => filesIn(videos).length > 0, 'the partial file');
        await store.delete(entry.id);
        response.end();
      };
      assert.equal(await store.saveVideo(entry.id, `${baseUrl}/v.mp4`), undefined);
      assert.deepEqual(filesIn(videos), []);
      assert.equal(existsSync(path.join(videos, `${entry.id}.mp4`)), false);
    });
  });
});
