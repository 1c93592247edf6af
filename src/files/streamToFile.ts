import { createWriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Pipes a stream into a NEW file (fails if it exists) with backpressure — the source is read only as fast as the
 * disk takes it, never held whole in memory — and returns how many bytes were written.
 */
export async function pipeToNewFile(
  source: Readable,
  file: string,
  options: { signal?: AbortSignal; onBytes?: (count: number) => void } = {},
): Promise<number> {
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      options.onBytes?.(chunk.length);
      callback(null, chunk);
    },
  });
  await pipeline(source, counter, createWriteStream(file, { flags: 'wx' }), options.signal ? { signal: options.signal } : {});
  return bytes;
}
