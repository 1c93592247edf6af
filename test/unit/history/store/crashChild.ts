// A process for the crash-safety tests: it writes to a HistoryStore and reports on stdout, one JSON line each,
// every change once it is durable. The test kills it with SIGKILL at arbitrary moments.
//
//   node crashChild.js <folder> churn <seed> <writer> [slow]
//                               add, update and delete its own entries forever (entries are bulky, so the history
//                               file is compacted every few dozen changes); `slow` lingers in the lock at random, long
//                               enough for the other writers to take it over
//   node crashChild.js <folder> stall <count>         add <count> entries, then stop inside the lock before the next append
import { randomUUID } from 'node:crypto';
import { HistoryStore } from '../../../../src/history/store/historyStore';

export type ChildReport =
  | { op: 'ready'; entries: number; recovered: boolean }
  | { op: 'adding'; id: string }
  | { op: 'added'; id: string; step: number }
  | { op: 'updated'; id: string; step: number }
  | { op: 'deleting'; id: string }
  | { op: 'deleted'; id: string }
  | { op: 'stalled'; id: string };

function report(message: ChildReport): void {
  // Synchronous for pipes on Linux and macOS: once written, the parent will read it even if we die next.
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function entryFor(id: string, step: number, writer = 'solo') {
  return {
    id,
    endpoint: 'fal-ai/fast-animatediff/turbo/text-to-video',
    input: { prompt: `crash test ${id.slice(0, 8)} `.repeat(8), num_frames: 16, step, writer, notes: 'n'.repeat(20_000) },
    source: { kind: 'prompt' as const },
  };
}

/** Changes only entries of its own `writer`, like a window following its own jobs. */
async function churn(store: HistoryStore, random: () => number, writer: string): Promise<never> {
  const live = new Set(store.list().filter((entry) => entry.input.writer === writer).map((entry) => entry.id));
  const steps = new Map(store.list().map((entry) => [entry.id, Number(entry.input.step ?? 0)]));
  const pick = (): string | undefined => {
    const ids = [...live];
    return ids[Math.floor(random() * ids.length)];
  };

  async function add(): Promise<void> {
    const id = randomUUID();
    report({ op: 'adding', id });
    steps.set(id, 0);
    await store.add(entryFor(id, 0, writer));
    live.add(id);
    report({ op: 'added', id, step: 0 });
  }

  async function update(id: string): Promise<void> {
    const step = (steps.get(id) ?? 0) + 1;
    steps.set(id, step);
    const status = step % 3 === 0 ? 'running' : 'queued';
    const updated = await store.update(id, {
      status,
      requestId: `req-${id}`,
      queuePosition: status === 'queued' ? step : undefined,
      input: { ...entryFor(id, step, writer).input },
      logs: [`step ${step}`],
    });
    if (updated) {
      report({ op: 'updated', id, step });
    }
  }

  async function remove(id: string): Promise<void> {
    live.delete(id);
    report({ op: 'deleting', id });
    await store.delete(id);
    report({ op: 'deleted', id });
  }

  async function worker(): Promise<never> {
    for (;;) {
      const roll = random();
      const id = pick();
      if (id === undefined || live.size < 4 || roll < 0.3) {
        await add();
      } else if (roll < 0.55) {
        // A burst: several changes in one tick, coalesced into one write.
        await Promise.all([update(id), add(), update(pick() ?? id)]);
      } else if (roll < 0.92 || live.size < 12) {
        await update(id);
      } else {
        await remove(id);
      }
    }
  }

  return Promise.race([worker(), worker(), worker()]);
}

async function main(): Promise<void> {
  // Keeps the process alive while it waits forever (stall mode): only SIGKILL ends it.
  setInterval(() => undefined, 1 << 30);
  const [folder, mode, ...rest] = process.argv.slice(2);
  if (mode === 'churn') {
    const random = seededRandom(Number(rest[0]));
    // Slow: writes sometimes linger inside the lock far past how long others wait before taking it over.
    const slow = rest[2] === 'slow';
    const { store, recovery } = await HistoryStore.open(folder, slow
      ? { lockStaleMs: 20, whileLocked: () => (random() < 0.3 ? new Promise<void>((resolve) => setTimeout(resolve, random() * 80)) : undefined) }
      : {});
    report({ op: 'ready', entries: store.list().length, recovered: recovery !== undefined });
    await churn(store, random, rest[1] ?? 'solo');
  } else if (mode === 'stall') {
    const count = Number(rest[0]);
    let appends = 0;
    let stallingId = '';
    const { store, recovery } = await HistoryStore.open(folder, {
      whileLocked: () => {
        appends += 1;
        if (appends > count) {
          report({ op: 'stalled', id: stallingId });
          return new Promise<void>(() => undefined);
        }
        return undefined;
      },
    });
    report({ op: 'ready', entries: store.list().length, recovered: recovery !== undefined });
    for (let i = 0; i <= count; i++) {
      const id = randomUUID();
      stallingId = id;
      report({ op: 'adding', id });
      await store.add(entryFor(id, 0));
      report({ op: 'added', id, step: 0 });
    }
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
