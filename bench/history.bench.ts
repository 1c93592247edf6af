/**
 * The generation history at 0, 1k, 10k and 100k entries: open · add · update · fill the History tree, the bytes one
 * generation writes to it, and the window-start probe for unfinished jobs.
 *
 *   node esbuild.js --tests && node out/bench/history.bench.js
 *
 * Every size is measured in the same rounds (the order rotates each round), so the growth across sizes is not a
 * difference of moments; the ratio of each row is against the same operation on an empty history.
 */
import { vscodeStub } from './support/stubbedVscode';
import { randomUUID } from 'node:crypto';
import { createReadStream, mkdtempSync, promises as fsp, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type * as vscode from 'vscode';
import { historyHasUnfinishedJobs } from '../src/activationProbes';
import { HistoryJournal } from '../src/history/jobs/journal';
import { recordOf } from '../src/history/records';
import { HistoryStore, historyFileName } from '../src/history/store/historyStore';
import { summariesFileName } from '../src/history/store/summaries';
import { HISTORY_PAGE_SIZE, HistoryTree, SHOW_MORE_ELEMENT } from '../src/history/view/tree';
import type { GenerationRecord, RunningJob } from '../src/model/generation';
import { CLIP, writeHistory } from './support/historyFixture';
import { formatNumber, QUICK, report, stats, timeOnce, type Stats } from './support/measure';

const SIZES = QUICK ? [0, 100] : [0, 1_000, 10_000, 100_000];
const BYTES_SIZES = QUICK ? [0, 100] : [0, 1_000, 10_000];
const SAMPLES = QUICK ? 1 : Number(process.env.BENCH_SAMPLES ?? 9);
const TARGET_MS = 30;
const TARGET_SIZE = QUICK ? 100 : 10_000;

interface Sized {
  size: number;
  globalStorage: string;
  folder: string;
}

function label(size: number): string {
  return size >= 1000 ? `${size / 1000}k` : String(size);
}

/** Runs `measure` for every size in each round, rotating which size goes first; returns the samples by size. */
async function bySize(histories: readonly Sized[], samples: number, measure: (history: Sized) => Promise<number>, warmup = QUICK ? 0 : 1): Promise<Map<number, number[]>> {
  const results = new Map<number, number[]>(histories.map((h) => [h.size, []]));
  for (let round = 0; round < warmup + samples; round++) {
    const order = histories.map((_, i) => histories[(i + round) % histories.length]);
    for (const history of order) {
      const value = await measure(history);
      if (round >= warmup) {
        results.get(history.size)?.push(value);
      }
    }
  }
  return results;
}

function reportGrowth(what: string, results: Map<number, number[]>, options: { target?: boolean } = {}): void {
  const medians = new Map([...results].map(([size, values]) => [size, stats(values)]));
  const base = medians.get(0) as Stats;
  for (const [size, s] of medians) {
    if (size === 0) {
      continue;
    }
    report({
      bench: 'history',
      measure: `history ${what} at ${label(size)} entries`,
      unit: 'ms',
      subject: s,
      baseline: { label: 'empty history', stats: base },
      target: options.target !== false && size === TARGET_SIZE ? { on: 'value', max: TARGET_MS, text: `≤ ${TARGET_MS} ms` } : undefined,
      note: size === Math.max(...SIZES) ? `growth ${[...medians].map(([n, m]) => `${label(n)}: ${formatNumber(m.median, 'ms')}`).join(' → ')}` : undefined,
    });
  }
}

/** Opens the store the way the product does (HistoryStorage calls HistoryStore.open on `<globalStorage>/history`). */
async function open(history: Sized): Promise<HistoryStore> {
  return (await HistoryStore.open(history.folder)).store;
}

function treeOver(store: HistoryStore): HistoryTree {
  return new HistoryTree({
    current: () => store,
    ready: () => Promise.resolve(store),
    // As the history feature wires it.
    hasVideo: (entry) => recordOf(entry) !== undefined,
    posterOf: () => undefined,
  });
}

/** The first page of the History tree as VS Code asks for it: the children, then each row's item. */
async function fillTree(tree: HistoryTree): Promise<number> {
  const ids = await tree.getChildren();
  let rows = 0;
  for (const id of ids) {
    const item = tree.getTreeItem(id);
    if (item.label !== undefined && id !== SHOW_MORE_ELEMENT) {
      rows++;
    }
  }
  return rows;
}

function serveClip(): Promise<{ server: Server; url: string }> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'video/mp4', 'content-length': statSync(CLIP).size });
    createReadStream(CLIP).pipe(response);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    resolve({ server, url: `http://127.0.0.1:${port}/files/videos/clip.mp4` });
  }));
}

/**
 * One generation's changes as the service and the journal make them, each step separated as on the wire (fal's
 * answers come apart in time): submitted → queued (position) → running → log lines → done with the local copy.
 * Returns the bytes appended to the history file, or undefined when a compaction started a new file meanwhile.
 */
async function oneJobsBytes(store: HistoryStore, videoUrl: string): Promise<{ bytes: number; lines: number } | undefined> {
  const log = { info: () => undefined, warn: () => undefined };
  const journal = new HistoryJournal({ store: () => Promise.resolve(store), log, onWriteProblem: (error) => { throw error; } });
  const settle = async () => {
    await new Promise((resolve) => setImmediate(resolve));
    await store.flush();
  };
  const file = store.file;
  const before = statSync(file, { throwIfNoEntry: false })?.size ?? 0;
  const linesBefore = before === 0 ? 0 : (await fsp.readFile(file, 'utf8')).split('\n').length;
  const startedAt = Date.now();
  const job: RunningJob = {
    id: randomUUID(),
    label: 'a red fox running through fresh snow',
    endpoint: 'fal-ai/fast-animatediff/turbo/text-to-video',
    request: {
      input: { prompt: 'a red fox running through fresh snow, cinematic lighting, highly detailed', negative_prompt: '(bad quality, worst quality:1.2), ugly faces, bad anime', num_frames: 16, num_inference_steps: 4, guidance_scale: 1, fps: 8, video_size: 'square' },
      source: { kind: 'selection' },
    },
    startedAt,
    requestId: undefined,
    state: 'submitting',
    resultReady: false,
    queuePosition: undefined,
    lastLog: undefined,
    cancel: () => undefined,
  };
  await journal.started(job, false);
  job.requestId = randomUUID();
  journal.updated(job);
  job.state = 'queued';
  journal.updated(job);
  await settle();
  job.queuePosition = 0;
  journal.updated(job);
  await settle();
  job.state = 'running';
  job.queuePosition = undefined;
  journal.updated(job);
  await settle();
  for (let step = 1; step <= 4; step++) {
    job.lastLog = `step ${step}/4`;
    journal.logged(job, job.lastLog);
    journal.updated(job);
    await settle();
  }
  const record: GenerationRecord = {
    id: job.id,
    endpoint: job.endpoint,
    input: job.request.input,
    source: job.request.source,
    requestId: job.requestId,
    seed: 123456,
    videoUrl,
    contentType: 'video/mp4',
    createdAt: startedAt,
    totalMs: Date.now() - startedAt,
    inferenceSeconds: 1.2,
    sandbox: true,
    falResult: { video: { url: videoUrl, content_type: 'video/mp4', file_name: 'clip.mp4', file_size: statSync(CLIP).size }, seed: 123456 },
  };
  job.resultReady = true;
  await journal.finished(job, { kind: 'done', record });
  await settle();
  journal.dispose();
  if (store.file !== file) {
    return undefined;
  }
  const after = statSync(file).size;
  const linesAfter = (await fsp.readFile(file, 'utf8')).split('\n').length;
  return { bytes: after - before, lines: linesAfter - linesBefore };
}

async function main(): Promise<void> {
  const root = mkdtempSync(path.join(tmpdir(), 'animatediff-bench-history-'));
  const stores: HistoryStore[] = [];
  const { server, url } = await serveClip();
  try {
    console.log(`history: sizes ${SIZES.map(label).join(', ')}; ${SAMPLES} samples each (interleaved across sizes)`);
    const histories: Sized[] = [];
    for (const size of SIZES) {
      const globalStorage = path.join(root, `size-${size}`);
      const written = await timeOnce(() => writeHistory(globalStorage, size));
      const folder = path.join(globalStorage, 'history');
      histories.push({ size, globalStorage, folder });
      const file = path.join(folder, historyFileName(1));
      console.log(`  wrote ${label(size)} entries in ${formatNumber(written, 'ms')}${size > 0 ? ` (${formatNumber(statSync(file).size, 'bytes')})` : ''}`);
    }

    // Open: what the first use of the history in a window costs (the core opens it on first use).
    const opens = await bySize(histories, SAMPLES, async (history) => {
      let store: HistoryStore | undefined;
      const ms = await timeOnce(async () => {
        store = await open(history);
      });
      if (store?.size !== history.size) {
        throw new Error(`opened ${store?.size} entries of ${history.size}`);
      }
      store.dispose();
      return ms;
    });
    reportGrowth('open', opens);

    // The first open without summaries (after an upgrade, or when they were lost): the whole file is read once.
    const firstOpens = await bySize(histories, QUICK ? 1 : 3, async (history) => {
      await fsp.rm(path.join(history.folder, summariesFileName(1)), { force: true });
      let store: HistoryStore | undefined;
      const ms = await timeOnce(async () => {
        store = await open(history);
      });
      store?.dispose();
      return ms;
    }, 0);
    reportGrowth('first open without summaries (read whole, summaries written)', firstOpens, { target: false });

    // Fill the History tree: its first page (ids and the 200 rows' items) on a history just opened, nothing parsed yet.
    const fills = await bySize(histories, SAMPLES, async (history) => {
      const store = await open(history);
      const tree = treeOver(store);
      let rows = 0;
      const ms = await timeOnce(async () => {
        rows = await fillTree(tree);
      });
      if (rows !== Math.min(history.size, HISTORY_PAGE_SIZE)) {
        throw new Error(`the tree showed ${rows} rows of ${history.size}`);
      }
      tree.dispose();
      store.dispose();
      return ms;
    });
    reportGrowth(`fill the History tree (first page of ${HISTORY_PAGE_SIZE})`, fills);

    // The window-start probe (activation, before the core loads): reads the `running/` marks, not the history.
    const PROBE_CALLS = 20;
    const probes = await bySize(histories, QUICK ? 1 : SAMPLES * 3, async (history) => {
      const uri = { scheme: 'file', fsPath: history.globalStorage } as vscode.Uri;
      const ms = await timeOnce(async () => {
        for (let i = 0; i < PROBE_CALLS; i++) {
          if (await historyHasUnfinishedJobs(uri)) {
            throw new Error('the probe found unfinished jobs in a history of finished ones');
          }
        }
      });
      return ms / PROBE_CALLS;
    });
    const probeStats = new Map([...probes].map(([size, values]) => [size, stats(values)]));
    report({
      bench: 'history',
      measure: `window start: probe for unfinished jobs at ${label(TARGET_SIZE)} entries`,
      unit: 'ms',
      subject: probeStats.get(TARGET_SIZE) as Stats,
      baseline: { label: 'empty history', stats: probeStats.get(0) as Stats },
      target: { on: 'value', max: 5, text: '≤ 5 ms' },
      note: `growth ${[...probeStats].map(([n, m]) => `${label(n)}: ${formatNumber(m.median, 'ms')}`).join(' → ')}`,
    });

    // Add and update: one durable change each, on a history open in this window (as during a generation).
    const opened = new Map<number, HistoryStore>();
    for (const history of histories) {
      const store = await open(history);
      opened.set(history.size, store);
      stores.push(store);
    }
    const added = new Map<number, string[]>();
    const adds = await bySize(histories, SAMPLES, async (history) => {
      const store = opened.get(history.size) as HistoryStore;
      let id = '';
      const ms = await timeOnce(async () => {
        id = (await store.add({
          endpoint: 'fal-ai/fast-animatediff/turbo/text-to-video',
          input: { prompt: 'a red fox running through fresh snow', num_frames: 16, video_size: 'square' },
          source: { kind: 'prompt' },
          timings: { submittedAt: Date.now() },
        })).id;
      });
      added.set(history.size, [...(added.get(history.size) ?? []), id]);
      return ms;
    });
    reportGrowth('add', adds);
    const updates = await bySize(histories, SAMPLES, async (history) => {
      const store = opened.get(history.size) as HistoryStore;
      const id = added.get(history.size)?.shift() as string;
      return timeOnce(() => store.update(id, { status: 'running', requestId: randomUUID(), timings: { submittedAt: Date.now(), startedAt: Date.now() } }));
    });
    reportGrowth('update', updates);

    // Bytes one generation appends to the history, on fresh copies of the histories.
    const bytesBySize = new Map<number, { bytes: number[]; lines: number[] }>();
    for (const size of BYTES_SIZES) {
      const history = histories.find((h) => h.size === size) as Sized;
      const store = opened.get(size) as HistoryStore;
      const runs = QUICK ? 1 : 3;
      for (let i = 0; i < runs; i++) {
        const written = await oneJobsBytes(store, url);
        if (!written) {
          console.log(`  (a compaction started a new history file during a job at ${label(history.size)}: not counted)`);
          continue;
        }
        const sample = bytesBySize.get(size) ?? { bytes: [], lines: [] };
        sample.bytes.push(written.bytes);
        sample.lines.push(written.lines);
        bytesBySize.set(size, sample);
      }
    }
    const emptyBytes = bytesBySize.get(0);
    for (const size of BYTES_SIZES.filter((s) => s > 0)) {
      const sample = bytesBySize.get(size);
      if (!sample) {
        continue;
      }
      report({
        bench: 'history',
        measure: `bytes written to the history per generation at ${label(size)} entries`,
        unit: 'bytes',
        subject: stats(sample.bytes),
        baseline: emptyBytes ? { label: 'empty history', stats: stats(emptyBytes.bytes) } : undefined,
        target: { on: 'value', max: 64 * 1024, text: '≤ 64 KB' },
        note: `${stats(sample.lines).median} records appended`,
      });
    }
  } finally {
    stores.forEach((store) => store.dispose());
    server.close();
    for (const store of stores) {
      await store.flush().catch(() => undefined);
    }
    rmSync(root, { recursive: true, force: true });
  }
  if (vscodeStub.messages.some((m) => m.kind === 'error')) {
    console.log(`  errors shown: ${vscodeStub.messages.filter((m) => m.kind === 'error').map((m) => m.message).join(' | ')}`);
  }
}

main().then(() => process.exit(0), (error: unknown) => {
  console.error(error);
  process.exit(1);
});
