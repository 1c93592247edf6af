import { fal } from '@fal-ai/client';
import { writeFile } from 'node:fs/promises';

/*
 * The baseline: the client code of fal's model page for AnimateDiff Turbo (fal.ai/models/fal-ai/fast-animatediff/
 * turbo/text-to-video/api), as a person would paste it into a script — `fal.subscribe` with logs and a queue
 * callback — and then the download of the video it names. It reaches the fal imitation the way the product's
 * sandbox does: fal's hosts rewritten to the imitation's origin (`sandboxFetch` below, the same rule as the
 * product's).
 */

const FAL_HOST = /(^|\.)(fal\.run|fal\.ai|fal\.media)$/;

export function sandboxFetch(origin: string): typeof fetch {
  return (input, init) => {
    const original = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    if (!FAL_HOST.test(original.hostname)) {
      return fetch(input, init);
    }
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    headers.set('x-fal-imitation-host', original.hostname);
    return fetch(new URL(original.pathname + original.search, origin), { ...init, headers });
  };
}

export function configurePageScript(imitationUrl: string, credentials: string): void {
  fal.config({ credentials, fetch: sandboxFetch(imitationUrl) });
}

export interface PageScriptResult {
  requestId: string;
  bytes: number;
}

/** The page's code, then the video saved to `file`. `quiet`: the page's console.log calls print nothing. */
export async function runPageScript(endpoint: string, input: Record<string, unknown>, file: string, quiet = true): Promise<PageScriptResult> {
  const print = quiet ? () => undefined : (...items: unknown[]) => console.log(...items);
  const result = await fal.subscribe(endpoint, {
    input,
    logs: true,
    onQueueUpdate: (update) => {
      if (update.status === 'IN_PROGRESS') {
        update.logs.map((log) => log.message).forEach((message) => print(message));
      }
    },
  });
  print(result.data);
  print(result.requestId);
  const data = result.data as { video: { url: string } };
  const response = await fetch(data.video.url);
  if (!response.ok) {
    throw new Error(`download failed: HTTP ${response.status}`);
  }
  const bytes = Buffer.from(await response.arrayBuffer());
  await writeFile(file, bytes);
  return { requestId: result.requestId, bytes: bytes.length };
}
