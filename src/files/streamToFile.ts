import { promises as fsp } from 'node:fs';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { writeAll } from './durableFs';

/** How many of the first bytes written `pipeToNewFile` keeps, for a look at what the file is. */
export const HEAD_BYTES = 16;

/** A Node stream (a file being read) or a web stream (a fetch response's body). */
export type ByteSource = Readable | WebReadableStream<Uint8Array>;

/**
 * Writes a stream into a NEW file (fails if it exists), one chunk at a time — the next chunk is read only once the
 * disk has taken the last, so nothing is held whole in memory — and returns how many bytes were written, and the
 * first of them. A plain loop rather than a stream pipeline: for the few chunks of a video, setting a pipeline up
 * cost more than the writing.
 */
export async function pipeToNewFile(
  source: ByteSource,
  file: string,
  options: { signal?: AbortSignal; onBytes?: (count: number) => void } = {},
): Promise<{ bytes: number; head: Buffer }> {
  const nodeStream = source instanceof Readable ? source : undefined;
  // Opened before reading starts: a stream opening the file itself could still create it after a failure ended
  // the copy, and so after the caller removed what it thought was the partial file. Until the loop reads it, a
  // failure of a Node stream is held here (unheard, it would be thrown at the process).
  let early: unknown;
  const holdEarly = (error: unknown) => {
    early ??= error;
  };
  nodeStream?.on('error', holdEarly);
  const { signal } = options;
  const aborted = (): Error => (signal?.reason instanceof Error ? signal.reason : new Error('The write was cancelled.'));
  // A Node stream waiting for data is ended by the cancel; a fetch body is ended by its own request's signal.
  const stop = () => nodeStream?.destroy(aborted());
  signal?.addEventListener('abort', stop, { once: true });
  let bytes = 0;
  let head = Buffer.alloc(0);
  try {
    let handle: fsp.FileHandle;
    try {
      handle = await fsp.open(file, 'wx');
    } catch (error) {
      if (nodeStream) {
        nodeStream.destroy();
      } else {
        await (source as WebReadableStream<Uint8Array>).cancel().catch(() => undefined);
      }
      throw error;
    }
    try {
      if (early !== undefined) {
        throw early;
      }
      if (signal?.aborted) {
        throw aborted();
      }
      for await (const chunk of source as AsyncIterable<Uint8Array>) {
        if (signal?.aborted) {
          throw aborted();
        }
        if (head.length < HEAD_BYTES) {
          head = Buffer.concat([head, chunk.subarray(0, HEAD_BYTES - head.length)]);
        }
        bytes += chunk.length;
        options.onBytes?.(chunk.length);
        await writeAll(handle, chunk);
      }
      if (signal?.aborted) {
        throw aborted();
      }
    } finally {
      await handle.close().catch(() => undefined);
    }
  } finally {
    signal?.removeEventListener('abort', stop);
    nodeStream?.off('error', holdEarly);
  }
  return { bytes, head };
}
