// Shared pieces of the imitation's own tests: the real fal client aimed at the imitation the two
// ways the extension does it (sandbox fetch rewriting, fal's proxy form), and a fast imitation.

// The tests drive the imitation with the real client on purpose; only src/ is limited to one importer.
import { ApiError, createFalClient, FalClient, ValidationError } from '@fal-ai/client';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { classifyFalHost, FalImitation, IMITATION_HOST_HEADER, startFalImitation } from './server';
import { TimingConfig } from './types';

export { ApiError, ValidationError };
export type { FalClient };

export const TEST_KEY = 'test-key-id:test-key-secret';
export const TURBO_T2V = 'fal-ai/fast-animatediff/turbo/text-to-video';
export const TURBO_V2V = 'fal-ai/fast-animatediff/turbo/video-to-video';

/** Short timings so a whole generation takes a fraction of a second. */
export const TEST_TIMING: TimingConfig = {
  queuePositions: 1,
  queueMs: 30,
  processingMs: 150,
  logSteps: 4,
  pingIntervalMs: 1000,
};

/** The client polls this often in tests (the default is 500 ms). */
export const POLL_MS = 20;

export function startTestImitation(): Promise<FalImitation> {
  return startFalImitation({ timing: TEST_TIMING, rejectedKeys: ['revoked-key-id'] });
}

/**
 * The contract's sandbox routing: any request to a fal host goes to the imitation with its path and
 * query, and says which host it was meant for in x-fal-imitation-host. Other URLs pass untouched.
 */
export function sandboxFetch(origin: string): typeof fetch {
  return async (input, init) => {
    const target = new URL(input instanceof Request ? input.url : String(input));
    if (!classifyFalHost(target.host)) {
      return fetch(input, init);
    }
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    headers.set(IMITATION_HOST_HEADER, target.host);
    return fetch(`${origin}${target.pathname}${target.search}`, { ...init, headers });
  };
}

/** No automatic retries (queue calls still use the client's own fixed retry policy). */
const NO_RETRIES = { maxRetries: 0, baseDelay: 1, maxDelay: 1, enableJitter: false };

export function sandboxClient(imitation: FalImitation, credentials: string = TEST_KEY): FalClient {
  return createFalClient({ credentials, fetch: sandboxFetch(imitation.url), retry: NO_RETRIES });
}

export function proxyClient(imitation: FalImitation, credentials = ''): FalClient {
  return createFalClient({
    credentials,
    proxyUrl: { url: `${imitation.url}/api/fal/proxy`, when: 'always' },
    retry: NO_RETRIES,
  });
}

export function fixtureVideo(): Buffer {
  return readFileSync(path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'clip.mp4'));
}

/** A File as a browser or the extension would hand it to the client. */
export function fileOf(content: Buffer | string, name: string, type: string): File {
  return new File([typeof content === 'string' ? content : new Uint8Array(content)], name, { type });
}

/** The error a promise rejects with; fails when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('Expected the promise to reject, but it resolved');
}

/** Waits for a condition that some other activity makes true (checked on each turn of the event loop). */
export async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`Timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Raw fal API call as the sandbox would send it, for answers the client does not expose. */
export function rawFal(
  imitation: FalImitation, host: string, pathAndQuery: string, init: RequestInit & { key?: string | null } = {},
): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set(IMITATION_HOST_HEADER, host);
  if (init.key !== null) {
    headers.set('authorization', `Key ${init.key ?? TEST_KEY}`);
  }
  return fetch(`${imitation.url}${pathAndQuery}`, { ...init, headers });
}

/** Reads a response body as it arrives, for faults about bytes on the wire. */
export class WireReader {
  private readonly chunks: Buffer[] = [];
  /** How many reads returned data (chunks may be merged on the way, so this is at most the writes). */
  reads = 0;
  /** Resolves when the body ends or fails; `error` is why it failed (undefined when it ended cleanly). */
  readonly done: Promise<{ error: unknown }>;

  constructor(response: Response) {
    this.done = this.pump(response);
  }

  get received(): number {
    return this.chunks.reduce((total, chunk) => total + chunk.length, 0);
  }

  get bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }

  private async pump(response: Response): Promise<{ error: unknown }> {
    if (!response.body) {
      return { error: undefined };
    }
    const reader = response.body.getReader();
    try {
      for (let next = await reader.read(); !next.done; next = await reader.read()) {
        this.chunks.push(Buffer.from(next.value));
        this.reads += 1;
      }
      return { error: undefined };
    } catch (error) {
      return { error };
    }
  }
}
