/**
 * A minimal WebM (Matroska) writer for one video track of encoded frames — what WebCodecs' VideoEncoder makes.
 * Sizes are known up front (the whole clip is in memory), so every element has its exact length. Pure: no DOM.
 */

export interface EncodedFrame {
  readonly data: Uint8Array;
  /** Presentation time in milliseconds. */
  readonly timeMs: number;
  readonly key: boolean;
}

export interface WebmTrack {
  /** `V_VP8` or `V_VP9`. */
  readonly codecId: string;
  readonly width: number;
  readonly height: number;
  readonly durationMs: number;
}

type Element = Uint8Array;

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** An EBML variable-length size: 8 bytes always fits and every reader accepts it. */
function size(length: number): Uint8Array {
  const out = new Uint8Array(8);
  out[0] = 0x01;
  let rest = length;
  for (let i = 7; i >= 1; i -= 1) {
    out[i] = rest % 256;
    rest = Math.floor(rest / 256);
  }
  return out;
}

function id(value: number): Uint8Array {
  const bytes: number[] = [];
  for (let rest = value; rest > 0; rest = Math.floor(rest / 256)) {
    bytes.unshift(rest % 256);
  }
  return Uint8Array.from(bytes);
}

function element(elementId: number, ...children: Uint8Array[]): Element {
  const body = concat(children);
  return concat([id(elementId), size(body.length), body]);
}

function uint(elementId: number, value: number): Element {
  const bytes: number[] = [];
  for (let rest = value; rest > 0 || bytes.length === 0; rest = Math.floor(rest / 256)) {
    bytes.unshift(rest % 256);
  }
  return element(elementId, Uint8Array.from(bytes));
}

function float(elementId: number, value: number): Element {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setFloat64(0, value);
  return element(elementId, bytes);
}

function text(elementId: number, value: string): Element {
  return element(elementId, Uint8Array.from(value, (character) => character.charCodeAt(0)));
}

/** A SimpleBlock on track 1: its time relative to the cluster's as a signed 16-bit number. */
function simpleBlock(frame: EncodedFrame, clusterMs: number): Element {
  const relative = Math.round(frame.timeMs - clusterMs);
  const header = Uint8Array.from([0x81, (relative >> 8) & 0xff, relative & 0xff, frame.key ? 0x80 : 0x00]);
  return element(0xa3, header, frame.data);
}

/** Block times are 16-bit offsets from their cluster's: a cluster starts at a key frame before they run out. */
const CLUSTER_SPAN_MS = 30_000;

export function muxWebm(track: WebmTrack, frames: readonly EncodedFrame[]): Uint8Array {
  const header = element(0x1a45dfa3,
    uint(0x4286, 1), uint(0x42f7, 1), uint(0x42f2, 4), uint(0x42f3, 8), text(0x4282, 'webm'), uint(0x4287, 2), uint(0x4285, 2));
  const info = element(0x1549a966, uint(0x2ad7b1, 1_000_000), float(0x4489, track.durationMs), text(0x4d80, 'AnimateDiff Turbo'), text(0x5741, 'AnimateDiff Turbo'));
  const tracks = element(0x1654ae6b, element(0xae,
    uint(0xd7, 1), uint(0x73c5, 1), uint(0x83, 1), uint(0x9c, 0), text(0x86, track.codecId),
    element(0xe0, uint(0xb0, track.width), uint(0xba, track.height))));
  const clusters: Element[] = [];
  let start = 0;
  while (start < frames.length) {
    const clusterMs = frames[start].timeMs;
    let end = start + 1;
    while (end < frames.length && !(frames[end].key && frames[end].timeMs - clusterMs >= CLUSTER_SPAN_MS)) {
      end += 1;
    }
    clusters.push(element(0x1f43b675, uint(0xe7, Math.round(clusterMs)), ...frames.slice(start, end).map((frame) => simpleBlock(frame, clusterMs))));
    start = end;
  }
  return concat([header, element(0x18538067, info, tracks, ...clusters)]);
}
