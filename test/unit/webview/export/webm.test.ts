import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { muxWebm, type EncodedFrame } from '../../../../src/webview/export/webm';

/** Real VP8 frames (what WebCodecs makes in the webview), from ffmpeg's IVF output. */
function vp8Frames(folder: string, width: number, height: number, count: number): EncodedFrame[] {
  const ivf = path.join(folder, 'frames.ivf');
  const made = spawnSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', `testsrc=size=${width}x${height}:rate=8`, '-frames:v', String(count), '-c:v', 'libvpx', '-g', '4', '-f', 'ivf', ivf]);
  assert.equal(made.status, 0, made.stderr?.toString());
  const bytes = readFileSync(ivf);
  const frames: EncodedFrame[] = [];
  for (let offset = bytes.readUInt16LE(6); offset < bytes.length;) {
    const size = bytes.readUInt32LE(offset);
    const data = new Uint8Array(bytes.subarray(offset + 12, offset + 12 + size));
    // A VP8 key frame has bit 0 of its first byte clear.
    frames.push({ data, timeMs: frames.length * 125, key: (data[0] & 1) === 0 });
    offset += 12 + size;
  }
  return frames;
}

describe('WebM muxer (webview export)', () => {
  let folder: string;
  beforeEach(() => {
    folder = mkdtempSync(path.join(tmpdir(), 'animatediff-webm-'));
  });
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  it('writes a file ffprobe reads: VP8, the size, every frame, the duration', function () {
    this.timeout(30_000);
    const frames = vp8Frames(folder, 96, 64, 16);
    const file = path.join(folder, 'clip.webm');
    writeFileSync(file, muxWebm({ codecId: 'V_VP8', width: 96, height: 64, durationMs: 2000 }, frames));
    const probe = spawnSync('ffprobe', ['-v', 'error', '-count_frames', '-show_entries', 'stream=codec_name,width,height,nb_read_frames:format=format_name,duration', '-of', 'json', file]);
    assert.equal(probe.status, 0, probe.stderr?.toString());
    const info = JSON.parse(probe.stdout.toString()) as { streams: Array<Record<string, unknown>>; format: Record<string, string> };
    assert.deepEqual(info.streams[0], { codec_name: 'vp8', width: 96, height: 64, nb_read_frames: '16' });
    assert.match(info.format.format_name, /webm/);
    assert.equal(Number(info.format.duration), 2);
  });
});
