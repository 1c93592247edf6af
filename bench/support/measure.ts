import { appendFileSync } from 'node:fs';

/*
 * How the benchmarks measure and report. A measure is taken as samples of a subject and of a baseline, alternated
 * in the same run (ABBA order, so neither side always goes first): a busy machine slows both alike, and the ratio of
 * their medians is what compares across machines. Each bench prints its own lines and hands its rows to the runner
 * (bench/run.ts) through the file named by BENCH_RESULTS. Nothing here asserts anything about time.
 */

/** BENCH_QUICK=1: tiny sizes and one sample, so `npm test` runs every bench once and they cannot rot. */
export const QUICK = process.env.BENCH_QUICK === '1';

export interface Stats {
  min: number;
  median: number;
  max: number;
  n: number;
}

export function stats(values: readonly number[]): Stats {
  if (values.length === 0) {
    return { min: NaN, median: NaN, max: NaN, n: 0 };
  }
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  return { min: sorted[0], median, max: sorted[sorted.length - 1], n: sorted.length };
}

export interface Interleaved {
  subject: number[];
  baseline: number[];
}

/**
 * Runs `subject` and `baseline` alternately, `samples` times each after `warmup` rounds that are not kept. Each
 * returns what it measured (e.g. elapsed milliseconds), or nothing to be timed here; `kept` says whether the sample is
 * kept (false during warm-up).
 */
export async function interleave(
  subject: (kept: boolean) => Promise<number | void>,
  baseline: (kept: boolean) => Promise<number | void>,
  { samples, warmup = 1 }: { samples: number; warmup?: number },
): Promise<Interleaved> {
  const result: Interleaved = { subject: [], baseline: [] };
  const timed = async (run: (kept: boolean) => Promise<number | void>, kept: boolean): Promise<number> => {
    const start = performance.now();
    const value = await run(kept);
    return typeof value === 'number' ? value : performance.now() - start;
  };
  for (let round = 0; round < warmup + samples; round++) {
    const keep = round >= warmup;
    // ABBA: the side that goes first alternates.
    if (round % 2 === 0) {
      const b = await timed(baseline, keep);
      const s = await timed(subject, keep);
      if (keep) {
        result.baseline.push(b);
        result.subject.push(s);
      }
    } else {
      const s = await timed(subject, keep);
      const b = await timed(baseline, keep);
      if (keep) {
        result.baseline.push(b);
        result.subject.push(s);
      }
    }
  }
  return result;
}

/** Times `run` once, in milliseconds. */
export async function timeOnce(run: () => Promise<unknown> | unknown): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

export type Unit = 'ms' | 'bytes' | 'MB' | 'MiB' | 'KB' | 'x';

/** One row of the table: a figure of the subject, optionally against a baseline, and the target it is held to. */
export interface Row {
  /** The bench that measured it (its file's name). */
  bench: string;
  /** What is measured, as the table shows it. */
  measure: string;
  unit: Unit;
  subject: Stats;
  /** What the baseline is, and its figures (same unit). */
  baseline?: { label: string; stats: Stats };
  /**
   * The figure the target is about: `ratio` (subject median / baseline median) or `value` (the subject median).
   * A target of undefined: only reported.
   */
  target?: { on: 'ratio' | 'value'; max: number; text: string };
  /** Extra facts (growth across sizes, RSS, …), printed beside the row. */
  note?: string;
}

export function ratioOf(row: Row): number | undefined {
  return row.baseline ? row.subject.median / row.baseline.stats.median : undefined;
}

/** Whether the row meets its target: undefined when it has none. */
export function meets(row: Row): boolean | undefined {
  if (!row.target) {
    return undefined;
  }
  const figure = row.target.on === 'ratio' ? ratioOf(row) : row.subject.median;
  return figure !== undefined && Number.isFinite(figure) && figure <= row.target.max;
}

export function formatNumber(value: number, unit: Unit): string {
  if (!Number.isFinite(value)) {
    return 'n/a';
  }
  switch (unit) {
    case 'ms':
      return value >= 100 ? `${value.toFixed(0)} ms` : value >= 10 ? `${value.toFixed(1)} ms` : `${value.toFixed(2)} ms`;
    case 'bytes':
      return value >= 1024 * 1024 ? `${(value / 1024 / 1024).toFixed(1)} MB` : value >= 1024 ? `${(value / 1024).toFixed(1)} KB` : `${value.toFixed(0)} B`;
    case 'KB':
      return `${value.toFixed(1)} KB`;
    case 'MB':
    case 'MiB':
      return `${value.toFixed(1)} ${unit}`;
    case 'x':
      return `${value.toFixed(2)}×`;
  }
}

/** `median (min–max)`, or just the value when there was one sample. */
export function formatStats(s: Stats, unit: Unit): string {
  if (s.n <= 1 || s.min === s.max) {
    return formatNumber(s.median, unit);
  }
  return `${formatNumber(s.median, unit)} (${formatNumber(s.min, unit)}–${formatNumber(s.max, unit)})`;
}

export function formatRatio(ratio: number | undefined): string {
  if (ratio === undefined || !Number.isFinite(ratio)) {
    return '';
  }
  return ratio >= 10 ? `${ratio.toFixed(0)}×` : `${ratio.toFixed(2)}×`;
}

/** Prints a row and hands it to the runner. */
export function report(row: Row): void {
  const ratio = ratioOf(row);
  const verdict = meets(row);
  const parts = [
    `${row.measure}: ${formatStats(row.subject, row.unit)}`,
    row.baseline ? `vs ${row.baseline.label} ${formatStats(row.baseline.stats, row.unit)} → ${formatRatio(ratio)}` : '',
    row.target ? `[target ${row.target.text}: ${verdict ? 'met' : 'MISSED'}]` : '',
    row.note ? `(${row.note})` : '',
  ].filter((part) => part !== '');
  console.log(`  ${parts.join('  ')}`);
  const file = process.env.BENCH_RESULTS;
  if (file) {
    appendFileSync(file, `${JSON.stringify(row)}\n`);
  }
}

/** A row for a figure measured once (or deterministic), such as bytes written or a bundle's size. */
export function single(value: number): Stats {
  return { min: value, median: value, max: value, n: 1 };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
