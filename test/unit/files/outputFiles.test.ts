import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { OutputExistsError, partialFileFor, removeStalePartials, writeStreamToFile, writeTextFile } from '../../../src/files/atomicFile';
import { realPathOf } from '../../../src/files/containment';
import { isInsideFolder } from '../../../src/util/paths';
import { VideoDownloadError, downloadVideo } from '../../../src/files/videoDownload';
import { freeOutputPair, outputPairIn } from '../../../src/runs/outputPlan';

/** An MP4's first box header (`ftyp`): what the download checks before it keeps a file. */
const FTYP = Buffer.from([0, 0, 0, 24, 0x66, 0x74, 0x79, 0x70]);

type Handler = (request: http.IncomingMessage, response: http.ServerResponse) => void;

/** A local HTTP server for one test. */
async function serve(handler: Handler): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

function leftovers(folder: string): string[] {
  return fs.readdirSync(folder).filter((name) => name.includes('.part-'));
}

describe('batch output files', () => {
  let folder: string;
  beforeEach(() => {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'animatediff-output-'));
  });
  afterEach(() => fs.rmSync(folder, { recursive: true, force: true }));

  describe('writeStreamToFile', () => {
    it('writes the whole stream and leaves no temp file', async () => {
      const target = path.join(folder, 'a.mp4');
      const chunks = Array.from({ length: 50 }, (_, i) => Buffer.alloc(64 * 1024, i));
      const bytes = await writeStreamToFile(Readable.from(chunks), target);
      assert.equal(bytes, 50 * 64 * 1024);
      assert.ok(fs.readFileSync(target).equals(Buffer.concat(chunks)));
      assert.deepEqual(leftovers(folder), []);
    });

    it('reads the source only as fast as the disk takes it (backpressure), never the whole of it ahead', async () => {
      const target = path.join(folder, 'big.mp4');
      const chunk = Buffer.alloc(256 * 1024, 7);
      const total = 64;
      let produced = 0;
      let mostAhead = 0;
      const onDisk = () => {
        const partial = fs.readdirSync(folder).find((name) => name.includes('.part-'));
        return partial ? fs.statSync(path.join(folder, partial)).size : 0;
      };
      const source = new Readable({
        read() {
          // How far the source has got ahead of what is on disk, in chunks.
          mostAhead = Math.max(mostAhead, produced - Math.floor(onDisk() / chunk.length));
          produced++;
          this.push(produced <= total ? chunk : null);
        },
      });
      await writeStreamToFile(source, target);
      assert.equal(fs.statSync(target).size, total * chunk.length);
      assert.ok(mostAhead <= 8, `at most a few chunks ahead of the disk (saw ${mostAhead} of ${total})`);
    });

    it('never replaces an existing file unless asked to', async () => {
      const target = path.join(folder, 'kept.mp4');
      fs.writeFileSync(target, 'earlier');
      await assert.rejects(writeStreamToFile(Readable.from([Buffer.from('new')]), target), (error) => error instanceof OutputExistsError && error.target === target);
      assert.equal(fs.readFileSync(target, 'utf8'), 'earlier');
      assert.deepEqual(leftovers(folder), []);
      await writeStreamToFile(Readable.from([Buffer.from('new')]), target, { replace: true });
      assert.equal(fs.readFileSync(target, 'utf8'), 'new');
    });

    it('a stream that breaks leaves neither the target nor a temp file', async () => {
      const target = path.join(folder, 'broken.mp4');
      const source = new Readable({
        read() {
          this.destroy(new Error('connection reset'));
        },
      });
      await assert.rejects(writeStreamToFile(source, target), /connection reset/);
      assert.equal(fs.existsSync(target), false);
      assert.deepEqual(leftovers(folder), []);
    });

    it('writeTextFile writes text the same way', async () => {
      const target = path.join(folder, 'r.result.json');
      await writeTextFile(target, '{"seed": 7}\n');
      assert.equal(fs.readFileSync(target, 'utf8'), '{"seed": 7}\n');
      await assert.rejects(writeTextFile(target, 'other'), OutputExistsError);
    });
  });

  describe('downloadVideo', () => {
    it('streams the response to the file and reports its size and type', async () => {
      const video = Buffer.concat([FTYP, Buffer.alloc(300_000, 3)]);
      const server = await serve((_request, response) => {
        response.writeHead(200, { 'content-type': 'video/mp4', 'content-length': video.length });
        response.end(video);
      });
      try {
        const target = path.join(folder, 'fox-7.mp4');
        assert.deepEqual(await downloadVideo(`${server.url}/v.mp4`, target), { bytes: video.length, contentType: 'video/mp4' });
        assert.ok(fs.readFileSync(target).equals(video));
      } finally {
        await server.close();
      }
    });

    it('says what went wrong and leaves nothing behind: HTTP error, not a video, truncated, empty', async () => {
      const cases: Array<{ handler: Handler; kind: string; message: RegExp }> = [
        { handler: (_q, r) => r.writeHead(404).end('gone'), kind: 'http', message: /HTTP 404/ },
        { handler: (_q, r) => r.writeHead(200, { 'content-type': 'application/json' }).end('{}'), kind: 'notVideo', message: /application\/json/ },
        { handler: (_q, r) => r.writeHead(200, { 'content-type': 'video/mp4' }).end(), kind: 'empty', message: /empty/ },
        {
          handler: (_q, r) => {
            r.writeHead(200, { 'content-type': 'video/mp4', 'content-length': 1000 });
            r.write(Buffer.alloc(100));
            setImmediate(() => r.destroy());
          },
          kind: 'network',
          message: /broke off|stopped after/,
        },
      ];
      for (const { handler, kind, message } of cases) {
        const server = await serve(handler);
        const target = path.join(folder, `case-${kind}.mp4`);
        try {
          await assert.rejects(downloadVideo(`${server.url}/video.mp4?token=secret`, target), (error) => {
            assert.ok(error instanceof VideoDownloadError, String(error));
            assert.match(error.message, message);
            assert.ok(!error.message.includes('secret'), 'the URL\'s query is never shown');
            return true;
          });
          assert.equal(fs.existsSync(target), false, kind);
          assert.deepEqual(leftovers(folder), [], kind);
        } finally {
          await server.close();
        }
      }
    });

    it('with "Replace", an empty download leaves the earlier video as it was', async () => {
      const server = await serve((_q, r) => r.writeHead(200, { 'content-type': 'video/mp4' }).end());
      try {
        const target = path.join(folder, 'earlier.mp4');
        fs.writeFileSync(target, 'the earlier video');
        await assert.rejects(downloadVideo(`${server.url}/v.mp4`, target, { replace: true }), (error) => error instanceof VideoDownloadError && error.kind === 'empty');
        assert.equal(fs.readFileSync(target, 'utf8'), 'the earlier video');
        assert.deepEqual(leftovers(folder), []);
      } finally {
        await server.close();
      }
    });

    it('an unreachable host is a network failure', async () => {
      const server = await serve((_q, r) => r.end());
      const url = server.url;
      await server.close();
      await assert.rejects(downloadVideo(`${url}/v.mp4`, path.join(folder, 'x.mp4')), (error) => error instanceof VideoDownloadError && error.kind === 'network');
    });

    it('an existing target stays and the download reports it', async () => {
      const server = await serve((_q, r) => r.writeHead(200, { 'content-type': 'video/mp4' }).end(Buffer.concat([FTYP, Buffer.alloc(10, 1)])));
      try {
        const target = path.join(folder, 'there.mp4');
        fs.writeFileSync(target, 'mine');
        await assert.rejects(downloadVideo(`${server.url}/v.mp4`, target), OutputExistsError);
        assert.equal(fs.readFileSync(target, 'utf8'), 'mine');
        assert.deepEqual(leftovers(folder), []);
      } finally {
        await server.close();
      }
    });
  });

  describe('names', () => {
    const names = { video: 'fox-7.mp4', record: 'fox-7.result.json' };

    it('outputPairIn numbers copies from 2', () => {
      assert.deepEqual(outputPairIn(folder, names), { video: path.join(folder, 'fox-7.mp4'), record: path.join(folder, 'fox-7.result.json') });
      assert.deepEqual(outputPairIn(folder, names, 3), { video: path.join(folder, 'fox-7-3.mp4'), record: path.join(folder, 'fox-7-3.result.json') });
    });

    it('freeOutputPair skips names on disk (either file of the pair) and names promised to other jobs', async () => {
      fs.writeFileSync(path.join(folder, 'fox-7.mp4'), '');
      fs.writeFileSync(path.join(folder, 'fox-7-2.result.json'), '');
      const reserved = new Set<string>();
      const first = await freeOutputPair(folder, names, reserved);
      assert.equal(path.basename(first.video), 'fox-7-3.mp4');
      const second = await freeOutputPair(folder, names, reserved);
      assert.equal(path.basename(second.video), 'fox-7-4.mp4');
      assert.ok(reserved.has(first.record) && reserved.has(second.video));
    });
  });

  describe('staying inside the workspace', () => {
    it('realPathOf follows symbolic links, also for paths that do not exist yet', async () => {
      const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'animatediff-outside-'));
      try {
        fs.symlinkSync(outside, path.join(folder, 'link'));
        const real = await realPathOf(path.join(folder, 'link', 'renders', 'new'));
        assert.equal(real, path.join(fs.realpathSync(outside), 'renders', 'new'));
        assert.equal(isInsideFolder(real, fs.realpathSync(folder)), false);
        assert.equal(isInsideFolder(await realPathOf(path.join(folder, 'renders')), fs.realpathSync(folder)), true);
      } finally {
        fs.rmSync(outside, { recursive: true, force: true });
      }
    });

    it('isInsideFolder', () => {
      assert.equal(isInsideFolder('/w/a/b', '/w'), true);
      assert.equal(isInsideFolder('/w', '/w'), true);
      assert.equal(isInsideFolder('/w2/a', '/w'), false);
      assert.equal(isInsideFolder('/w/../x', '/w'), false);
      assert.equal(isInsideFolder('/w/..a/b', '/w'), true);
    });
  });

  it('a later run removes the partial files a killed process left, not those of writes still in progress', async () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'animatediff-partials-'));
    try {
      const target = path.join(folder, 'fox-42.mp4');
      const mine = path.basename(partialFileFor(target));
      const ofPid = (pid: number) => mine.replace(`-${process.pid}-`, `-${pid}-`);
      const dead = ofPid(999_999);
      const alive = ofPid(4242);
      for (const name of [mine, dead, alive, 'fox-42.mp4', '.notes.part-abc']) {
        fs.writeFileSync(path.join(folder, name), 'bytes');
      }
      const removed = await removeStalePartials(folder, (pid) => pid === 4242);
      assert.equal(removed, 1);
      assert.deepEqual(fs.readdirSync(folder).sort(), [mine, alive, '.notes.part-abc', 'fox-42.mp4'].sort());
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });
});
