/**
 * A small animated-GIF encoder: one palette for the whole clip (so colours do not flicker between frames), made by
 * median cut over a 15-bit colour histogram, then LZW. Pure: no DOM, so it is unit-tested on Node.
 */

export interface RgbaFrame {
  /** width × height × 4 bytes, as ImageData.data. */
  readonly data: Uint8ClampedArray | Uint8Array;
}

export interface GifOptions {
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  /** Loop forever (a NETSCAPE2.0 block) or play once. */
  readonly loop: boolean;
}

const HISTOGRAM_SIZE = 1 << 15;

function key15(data: ArrayLike<number>, offset: number): number {
  return ((data[offset] >> 3) << 10) | ((data[offset + 1] >> 3) << 5) | (data[offset + 2] >> 3);
}

interface Box {
  readonly keys: number[];
  readonly weight: number;
}

function channel(key: number, shift: number): number {
  return (key >> shift) & 31;
}

/** The channel (shift 10, 5 or 0) with the widest range in the box, and that range. */
function widest(box: Box): { shift: number; range: number } {
  let best = { shift: 10, range: -1 };
  for (const shift of [10, 5, 0]) {
    let min = 31;
    let max = 0;
    for (const key of box.keys) {
      const value = channel(key, shift);
      min = Math.min(min, value);
      max = Math.max(max, value);
    }
    if (max - min > best.range) {
      best = { shift, range: max - min };
    }
  }
  return best;
}

/** Up to 256 colours (flat RGB) for the frames, and the 15-bit colour → palette index map. */
export function buildPalette(frames: readonly RgbaFrame[]): { palette: Uint8Array; indexOf: Int16Array } {
  const histogram = new Uint32Array(HISTOGRAM_SIZE);
  for (const frame of frames) {
    for (let offset = 0; offset < frame.data.length; offset += 4) {
      histogram[key15(frame.data, offset)] += 1;
    }
  }
  const keys: number[] = [];
  let total = 0;
  for (let key = 0; key < HISTOGRAM_SIZE; key += 1) {
    if (histogram[key] > 0) {
      keys.push(key);
      total += histogram[key];
    }
  }
  const boxes: Box[] = [{ keys, weight: total }];
  while (boxes.length < 256) {
    // Split the heaviest box that still holds more than one colour, at its weighted median on its widest channel.
    let index = -1;
    for (let i = 0; i < boxes.length; i += 1) {
      if (boxes[i].keys.length > 1 && (index < 0 || boxes[i].weight > boxes[index].weight)) {
        index = i;
      }
    }
    if (index < 0) {
      break;
    }
    const box = boxes[index];
    const { shift } = widest(box);
    const sorted = [...box.keys].sort((a, b) => channel(a, shift) - channel(b, shift));
    let seen = 0;
    let cut = 1;
    for (; cut < sorted.length - 1; cut += 1) {
      seen += histogram[sorted[cut - 1]];
      if (seen * 2 >= box.weight) {
        break;
      }
    }
    const weigh = (part: number[]) => part.reduce((sum, key) => sum + histogram[key], 0);
    const low = sorted.slice(0, cut);
    const high = sorted.slice(cut);
    boxes.splice(index, 1, { keys: low, weight: weigh(low) }, { keys: high, weight: weigh(high) });
  }
  const palette = new Uint8Array(256 * 3);
  const indexOf = new Int16Array(HISTOGRAM_SIZE).fill(-1);
  boxes.forEach((box, paletteIndex) => {
    let r = 0;
    let g = 0;
    let b = 0;
    for (const key of box.keys) {
      const count = histogram[key];
      r += (channel(key, 10) * 8 + 4) * count;
      g += (channel(key, 5) * 8 + 4) * count;
      b += (channel(key, 0) * 8 + 4) * count;
      indexOf[key] = paletteIndex;
    }
    const weight = Math.max(1, box.weight);
    palette.set([Math.round(r / weight), Math.round(g / weight), Math.round(b / weight)], paletteIndex * 3);
  });
  return { palette, indexOf };
}

/** Growable byte output. */
class Bytes {
  private buffer = new Uint8Array(1 << 16);
  length = 0;

  byte(value: number): void {
    if (this.length === this.buffer.length) {
      const grown = new Uint8Array(this.buffer.length * 2);
      grown.set(this.buffer);
      this.buffer = grown;
    }
    this.buffer[this.length++] = value;
  }

  word(value: number): void {
    this.byte(value & 0xff);
    this.byte((value >> 8) & 0xff);
  }

  bytes(values: ArrayLike<number>): void {
    for (let i = 0; i < values.length; i += 1) {
      this.byte(values[i]);
    }
  }

  text(value: string): void {
    for (let i = 0; i < value.length; i += 1) {
      this.byte(value.charCodeAt(i));
    }
  }

  result(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}

/** GIF's variable-length LZW of 8-bit indices, in 255-byte sub-blocks. */
function writeLzw(out: Bytes, indices: Uint8Array): void {
  const minCodeSize = 8;
  const clear = 1 << minCodeSize;
  const end = clear + 1;
  out.byte(minCodeSize);
  const block: number[] = [];
  let bitBuffer = 0;
  let bitCount = 0;
  const emit = (code: number, size: number) => {
    bitBuffer |= code << bitCount;
    bitCount += size;
    while (bitCount >= 8) {
      block.push(bitBuffer & 0xff);
      bitBuffer >>>= 8;
      bitCount -= 8;
      if (block.length === 255) {
        out.byte(255);
        out.bytes(block);
        block.length = 0;
      }
    }
  };
  // (prefix code << 8 | next index) → code; rebuilt at every clear.
  let table = new Map<number, number>();
  let next = end + 1;
  let codeSize = minCodeSize + 1;
  emit(clear, codeSize);
  let prefix = indices.length > 0 ? indices[0] : 0;
  for (let i = 1; i < indices.length; i += 1) {
    const value = indices[i];
    const found = table.get((prefix << 8) | value);
    if (found !== undefined) {
      prefix = found;
      continue;
    }
    emit(prefix, codeSize);
    if (next === 4096) {
      emit(clear, codeSize);
      table = new Map();
      next = end + 1;
      codeSize = minCodeSize + 1;
    } else {
      table.set((prefix << 8) | value, next);
      // The decoder widens its codes one step later than the table grows: past 2^size - 1.
      if (next === 1 << codeSize) {
        codeSize += 1;
      }
      next += 1;
    }
    prefix = value;
  }
  emit(prefix, codeSize);
  emit(end, codeSize);
  if (bitCount > 0) {
    block.push(bitBuffer & 0xff);
  }
  if (block.length > 0) {
    out.byte(block.length);
    out.bytes(block);
  }
  out.byte(0);
}

/** Encodes same-sized RGBA frames as an animated GIF. */
export function encodeGif(frames: readonly RgbaFrame[], options: GifOptions): Uint8Array {
  const { width, height } = options;
  const { palette, indexOf } = buildPalette(frames);
  const out = new Bytes();
  out.text('GIF89a');
  out.word(width);
  out.word(height);
  out.byte(0xf7); // a global colour table of 256 entries, 8 bits per channel
  out.byte(0);
  out.byte(0);
  out.bytes(palette);
  if (options.loop) {
    out.bytes([0x21, 0xff, 11]);
    out.text('NETSCAPE2.0');
    out.bytes([3, 1]);
    out.word(0); // 0: forever
    out.byte(0);
  }
  const indices = new Uint8Array(width * height);
  frames.forEach((frame, i) => {
    // Delays are in hundredths of a second: rounded on the running total so the clip keeps its length.
    const delay = Math.round(((i + 1) * 100) / options.fps) - Math.round((i * 100) / options.fps);
    out.bytes([0x21, 0xf9, 4, 0x04]); // graphic control: disposal "do not dispose", no transparency
    out.word(delay);
    out.bytes([0, 0]);
    out.byte(0x2c);
    out.word(0);
    out.word(0);
    out.word(width);
    out.word(height);
    out.byte(0);
    for (let p = 0, offset = 0; p < indices.length; p += 1, offset += 4) {
      indices[p] = indexOf[key15(frame.data, offset)];
    }
    writeLzw(out, indices);
  });
  out.byte(0x3b);
  return out.result();
}
