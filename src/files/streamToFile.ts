import { promises as fsp } from 'node:fs';
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** How many of the first bytes written `pipeToNewFile` keeps, for a look at what the file is. */
export const HEAD_BYTES = 16;

/**
 * Pipes a stream into a NEW file (fails if it exists) with backpressure — the source is read only as fast as the
 * disk takes it, never held whole in memory — and returns how many bytes were written, and the first of them.
 */
export async function pipeToNewFile(
  source: Readable,
  file: string,
  options: { signal?: AbortSignal; onBytes?: (count: number) => void } = {},
): Promise<{ bytes: number; head: Buffer }> {
  let bytes = 0;
  let head = Buffer.alloc(0);
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (head.length < HEAD_BYTES) {
        head = Buffer.concat([head, chunk.subarray(0, HEAD_BYTES - head.length)]);
      }
      bytes += chunk.length;
      options.onBytes?.(chunk.length);
      callback(null, chunk);
    },
  });
  // Opened before the pipeline starts: a stream opening the file itself could still create it after a failure
  // ended the pipeline, and so after the caller removed what it thought was the partial file. Until the pipeline
  // listens, a failure of the source is held here (unheard, it would be thrown at the process).
  let early: unknown;
  const holdEarly = (error: unknown) => {
    early ??= error;
  };
  source.on('error', holdEarly);
  try {
    let handle: fsp.FileHandle;
    try {
      handle = await fsp.open(file, 'wx');
    } catch (error) {
      source.destroy();
      throw error;
    }
    try {
      if (early !== undefined) {
        throw early;
      }
      await pipeline(source, counter, handle.createWriteStream(), options.signal ? { signal: options.signal } : {});
    } finally {
      await handle.close().catch(() => undefined);
    }
  } finally {
    source.off('error', holdEarly);
  }
  return { bytes, head };
}
