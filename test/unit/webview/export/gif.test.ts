import * as assert from 'node:assert/strict';
import { GifReader } from 'omggif';
import { encodeGif, type RgbaFrame } from '../../../../src/webview/export/gif';

/** A frame with a moving gradient and a few flat blocks: many colours, and frames that differ. */
function frame(width: number, height: number, index: number): RgbaFrame {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const offset = (y * width + x) * 4;
      data[offset] = (x * 255) / width;
      data[offset + 1] = (y * 255) / height;
      data[offset + 2] = ((x + y + index * 7) * 3) % 256;
      data[offset + 3] = 255;
    }
  }
  // A flat red square that moves one step per frame.
  for (let y = 4; y < 12; y += 1) {
    for (let x = index * 2; x < index * 2 + 8; x += 1) {
      data.set([255, 0, 0, 255], (y * width + x) * 4);
    }
  }
  return { data };
}

function decode(bytes: Uint8Array): { reader: GifReader; frames: Uint8Array[] } {
  const reader = new GifReader(Buffer.from(bytes));
  const frames = Array.from({ length: reader.numFrames() }, (_, i) => {
    const pixels = new Uint8Array(reader.width * reader.height * 4);
    reader.decodeAndBlitFrameRGBA(i, pixels);
    return pixels;
  });
  return { reader, frames };
}

describe('GIF encoder (webview export)', () => {
  it('round-trips through a decoder: frame count, size, delays, loop and colours close to the source', () => {
    const width = 96;
    const height = 64;
    const source = Array.from({ length: 16 }, (_, i) => frame(width, height, i));
    const bytes = encodeGif(source, { width, height, fps: 8, loop: true });
    const { reader, frames } = decode(bytes);
    assert.equal(reader.numFrames(), 16);
    assert.equal(reader.width, width);
    assert.equal(reader.height, height);
    assert.equal(reader.loopCount(), 0, 'loops forever');
    // 8 fps: 12.5 hundredths a frame, alternately 13 and 12 so sixteen frames last exactly 2 s.
    const delays = frames.map((_, i) => reader.frameInfo(i).delay);
    assert.equal(delays.reduce((sum, delay) => sum + delay, 0), 200);
    assert.ok(delays.every((delay) => delay === 12 || delay === 13), String(delays));
    for (const [i, pixels] of frames.entries()) {
      let error = 0;
      for (let p = 0; p < pixels.length; p += 4) {
        for (let c = 0; c < 3; c += 1) {
          error += Math.abs(pixels[p + c] - source[i].data[p + c]);
        }
      }
      const mean = error / (width * height * 3);
      assert.ok(mean < 12, `frame ${i}: mean error ${mean.toFixed(1)} per channel`);
      // The flat red square keeps its colour exactly enough to be red.
      const at = (6 * width + i * 2 + 3) * 4;
      assert.ok(pixels[at] > 200 && pixels[at + 1] < 40 && pixels[at + 2] < 40, `frame ${i}: red square is ${pixels.slice(at, at + 3).join(',')}`);
    }
  });

  it('plays once without the loop block, and handles flat and large frames (LZW table resets)', () => {
    const flat = { data: new Uint8ClampedArray(32 * 32 * 4).fill(200) };
    const once = decode(encodeGif([flat, flat], { width: 32, height: 32, fps: 4, loop: false }));
    assert.equal(once.reader.loopCount(), null, 'no NETSCAPE2.0 block: plays once');
    assert.equal(once.reader.numFrames(), 2);
    assert.deepEqual([...once.frames[1].slice(0, 4)], [204, 204, 204, 255]);

    // Noise fills the LZW table many times over.
    const width = 320;
    const height = 240;
    let seed = 1;
    const noise = { data: new Uint8ClampedArray(width * height * 4).map((_, i) => (i % 4 === 3 ? 255 : (seed = (seed * 1103515245 + 12345) % 2147483648) >> 23)) };
    const big = decode(encodeGif([noise], { width, height, fps: 8, loop: true }));
    assert.equal(big.reader.numFrames(), 1);
    let off = 0;
    for (let p = 0; p < big.frames[0].length; p += 4) {
      off = Math.max(off, Math.abs(big.frames[0][p] - noise.data[p]));
    }
    assert.ok(off <= 64, `noise decodes near its colours (worst ${off})`);
  });
});
