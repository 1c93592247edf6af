/**
 * One Save Video… in a process of its own (run with --expose-gc), reporting how much memory it took: the largest
 * increase of live memory (JS heap + external buffers, sampled right after a collection every 20 ms) and
 * of the resident set, over the process as it was just before. Prints one JSON line.
 *
 *   node --expose-gc out/bench/saveVideo/saveProcess.js <how> <source file or URL> <target file>
 *
 * how: `product` (the panel's Save Video… after the dialog: ResultActions.writeVideoTo, from the history's local copy
 * or from fal's URL), `readWhole` (the file read whole, then written whole: what the product did before),
 * `copyFile` (the kernel copies it: the least memory any save can take).
 */
import { installVscodeStub, StubUri } from '../support/vscodeStub';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import type * as vscode from 'vscode';
import type { GenerationService } from '../../src/generation/generationService';
import type { GenerationRecord } from '../../src/model/generation';
import type { Interaction } from '../../src/ui/interaction';

installVscodeStub();
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ResultActions } = require('../../src/panel/resultActions') as typeof import('../../src/panel/resultActions');

const gc = (globalThis as { gc?: () => void }).gc;

function live(): number {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.external;
}

async function main(): Promise<void> {
  const [how, source, target] = process.argv.slice(2);
  if (!gc) {
    throw new Error('run with --expose-gc');
  }
  const remote = /^https?:/.test(source);
  const record: GenerationRecord = {
    id: '00000000-0000-4000-8000-000000000000', endpoint: 'fal-ai/fast-animatediff/turbo/text-to-video', input: { prompt: 'bench' },
    source: { kind: 'prompt' }, requestId: 'bench', seed: 1, videoUrl: remote ? source : 'https://v3.fal.media/files/bench.mp4',
    contentType: 'video/mp4', createdAt: Date.now(), totalMs: 1, inferenceSeconds: 1, sandbox: true,
  };
  const messages: string[] = [];
  const interaction = {
    info: (message: string) => { messages.push(message); return Promise.resolve(undefined); },
    error: (message: string) => { messages.push(`error: ${message}`); return Promise.resolve(undefined); },
    warning: (message: string) => { messages.push(`warning: ${message}`); return Promise.resolve(undefined); },
  } as unknown as Interaction;
  const log = { warn: () => undefined, info: () => undefined } as unknown as vscode.LogOutputChannel;
  const actions = new ResultActions(
    { get: () => record, videoUri: () => (remote ? StubUri.parse(source) : StubUri.file(source)) as unknown as vscode.Uri },
    {} as GenerationService,
    interaction,
    log,
    () => Promise.resolve(),
  );
  const save = async (): Promise<void> => {
    switch (how) {
      case 'product': {
        const saved = await actions.writeVideoTo(record, StubUri.file(target) as unknown as vscode.Uri);
        if (!saved) {
          throw new Error(`Save Video… failed: ${messages.join(' | ')}`);
        }
        return;
      }
      case 'readWhole':
        await writeFile(target, await readFile(source));
        return;
      case 'copyFile':
        await copyFile(source, target);
        return;
      default:
        throw new Error(`unknown way to save: ${how}`);
    }
  };

  if (remote) {
    // Node loads its fetch implementation on first use: loaded before, so the figure is the save's alone.
    await (await fetch(source, { method: 'HEAD' })).arrayBuffer();
  }
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const before = { live: live(), rss: process.memoryUsage().rss };
  const peak = { live: 0, rss: 0 };
  const sample = () => {
    gc();
    peak.live = Math.max(peak.live, live() - before.live);
    peak.rss = Math.max(peak.rss, process.memoryUsage().rss - before.rss);
  };
  const sampler = setInterval(sample, 20);
  const started = performance.now();
  await save();
  const ms = performance.now() - started;
  clearInterval(sampler);
  // The last moment counts too (e.g. the whole file still held as the write ends).
  peak.rss = Math.max(peak.rss, process.memoryUsage().rss - before.rss);
  sample();
  process.stdout.write(`${JSON.stringify({ done: true, liveBytes: peak.live, rssBytes: peak.rss, ms })}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
