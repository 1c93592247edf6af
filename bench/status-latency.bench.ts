/**
 * How much sooner a result arrives because the extension follows fal's status EVENT STREAM instead of
 * polling (the client's default, every 500 ms).
 *
 *   node esbuild.js --tests && node out/bench/status-latency.bench.js
 *
 * Both sides run in this process against the local fal imitation with identical job timings: the baseline is
 * `@fal-ai/client`'s `subscribe` in polling mode, the candidate is the extension's FalGateway (event stream).
 * Each round measures the time from the imitation marking the job COMPLETED to the caller holding the result.
 * The imitation's processing time is jittered per round so the polling phase is not accidentally aligned.
 */
import { createFalClient } from '@fal-ai/client';
import { FalGateway } from '../src/fal/falClient';
import { startFalImitation } from '../test/fal-imitation/server';
import { sandboxFetch } from '../test/fal-imitation/testSupport';
import { QUICK, report, stats } from './support/measure';

const ENDPOINT = 'fal-ai/fast-animatediff/turbo/text-to-video';
const KEY = 'bench-key-id:bench-key-secret';
const ROUNDS = QUICK ? 1 : Number(process.env.BENCH_ROUNDS ?? 12);
const INPUT = {
  prompt: 'bench', negative_prompt: '', num_frames: 16, num_inference_steps: 4, guidance_scale: 1, fps: 8, video_size: 'square',
};

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main(): Promise<void> {
  const imitation = await startFalImitation({ timing: { queuePositions: 0, queueMs: 0, processingMs: 300, logSteps: 2, pingIntervalMs: 1000 } });
  const completedAt = async (requestId: string): Promise<number> => {
    const job = imitation.job(requestId);
    const done = job?.transitions.find((t) => t.status === 'COMPLETED');
    if (!done) {
      throw new Error(`job ${requestId} has no COMPLETED transition`);
    }
    return Date.parse(done.at);
  };
  const polling = createFalClient({ credentials: KEY, fetch: sandboxFetch(imitation.url) });
  const streaming = new FalGateway({ credentials: KEY, proxyUrl: undefined, sandboxUrl: imitation.url });
  const baseline: number[] = [];
  const candidate: number[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const processingMs = QUICK ? 50 : 250 + ((round * 137) % 400);
      await imitation.configure({ timing: { processingMs } });

      const polled = await polling.subscribe(ENDPOINT, { input: INPUT, logs: true, mode: 'polling' });
      baseline.push(Date.now() - (await completedAt(polled.requestId)));

      const streamed = await streaming.generate(ENDPOINT, INPUT);
      candidate.push(Date.now() - (await completedAt(streamed.requestId)));
    }
  } finally {
    await imitation.close();
  }
  const base = median(baseline);
  const cand = median(candidate);
  console.log(`status-latency: ${ROUNDS} rounds, time from fal's COMPLETED to the result in hand (median)`);
  console.log(`  baseline  client.subscribe polling : ${base.toFixed(0)} ms  (all: ${baseline.join(', ')})`);
  console.log(`  extension event stream              : ${cand.toFixed(0)} ms  (all: ${candidate.join(', ')})`);
  console.log(`  ratio stream/polling: ${(cand / Math.max(base, 1)).toFixed(2)}  (lower is better)`);
  report({
    bench: 'status-latency',
    measure: 'fal\'s COMPLETED → result in hand (fal module alone)',
    unit: 'ms',
    subject: stats(candidate),
    baseline: { label: 'client.subscribe polling', stats: stats(baseline) },
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
