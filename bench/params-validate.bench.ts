/**
 * How much the editor pays per keystroke for parameter-file diagnostics.
 *
 *   node esbuild.js --tests && node out/bench/params-validate.bench.js
 *
 * Each case times validateParamsText (parse tree with offsets, the schema, position mapping,
 * suggestions and fixes) against a baseline measured in the same run on the same text: JSON.parse plus
 * the zod schema's safeParse, i.e. the least any validation of the file must do. Times are medians of
 * alternating batches; ratios, not absolute times, are what compare across machines.
 *
 * The large cases (a megabyte and four of pasted unknown keys, 100,000 levels of nesting) show that the
 * check stays linear: the last line compares how both sides grow from 1 MB to 4 MB. This prints; it
 * asserts nothing about time.
 */
import { BUILT_IN_DEFAULTS } from '../src/model/request';
import { paramsFileSchema } from '../src/params/fileSchema';
import { renderNewParamsFile } from '../src/params/template';
import { validateParamsText } from '../src/params/validate';
import { QUICK, report, stats } from './support/measure';

interface Case {
  name: string;
  text: string;
  /** What the validator must find, so the benchmark cannot silently time a short cut. */
  expect: (result: ReturnType<typeof validateParamsText>) => boolean;
  /** For texts that take long: fewer, single-call batches. */
  large?: boolean;
}

const realistic = renderNewParamsFile({ ...BUILT_IN_DEFAULTS, seed: 1234, motions: ['zoom-in'] }, {
  prompt: 'a red fox running through fresh snow at sunrise, cinematic lighting, shallow depth of field, highly detailed fur',
});

const whileTyping = realistic
  .replace('"num_frames": 16', '"num_frame": 16')
  .replace('"fps": 8', '"fps": 80')
  .replace('"video_size": "square"', '"video_size": "landscape"');

const longPrompt = Array.from({ length: 2000 }, (_, i) => `detail ${i} of a sprawling cyberpunk market at night`).join(', ');
const large = JSON.stringify({
  endpoint: 'fal-ai/fast-animatediff/text-to-video',
  prompt: longPrompt,
  negative_prompt: 'blurry, low quality, watermark, text',
  num_frames: 32,
  seed: Array.from({ length: 16 }, (_, i) => 1000 + i),
  video_size: { width: 1024, height: 576 },
  motions: ['pan-left', 'zoom-in'],
}, null, 2);

/** A file of `prompt` and then numbered keys no endpoint has, `size` characters or a little more. */
function unknownKeysFile(size: number): string {
  const parts = ['{\n  "prompt": "a fox"'];
  let length = parts[0].length;
  for (let i = 0; length < size; i++) {
    const part = `,\n  "custom_field_${i}": ${i}`;
    parts.push(part);
    length += part.length;
  }
  return `${parts.join('')}\n}\n`;
}

const capped = (r: ReturnType<typeof validateParamsText>) => r.params !== undefined
  && r.diagnostics.length === 100 && r.diagnostics[99].code === 'too-many-problems';
const refusedAsTooDeep = (r: ReturnType<typeof validateParamsText>) => r.diagnostics.length === 1 && r.diagnostics[0].code === 'nested-too-deeply';
/** BENCH_QUICK=1 (npm test runs every bench once): 64 KB and 256 KB stand in for the megabytes. */
const MEGABYTE = QUICK ? 64 * 1024 : 1024 * 1024;
const megabyte = unknownKeysFile(MEGABYTE);
const fourMegabytes = unknownKeysFile(4 * MEGABYTE);
const sizeName = (bytes: number) => (bytes >= 1024 * 1024 ? `${bytes / 1024 / 1024} MB` : `${bytes / 1024} KB`);

const manyUnknownKeys = JSON.stringify(
  Object.fromEntries([['prompt', 'a fox'], ...Array.from({ length: 300 }, (_, i) => [`custom_field_${i}`, i])]),
  null,
  2,
);

const CASES: Case[] = [
  { name: 'realistic file (valid)', text: realistic, expect: (r) => r.params !== undefined && r.diagnostics.length === 0 },
  { name: 'realistic file, mid-edit (3 problems)', text: whileTyping, expect: (r) => r.diagnostics.length === 3 },
  {
    name: `large file (${Math.round(large.length / 1024)} KB prompt, too long; 16 seeds)`,
    text: large,
    expect: (r) => r.diagnostics.length === 1 && r.diagnostics[0].code === 'out-of-range',
  },
  { name: '300 unknown keys (99 listed, with suggestions)', text: manyUnknownKeys, expect: capped },
  { name: `${sizeName(MEGABYTE)} of unknown keys (99 listed)`, text: megabyte, expect: capped, large: true },
  { name: `${sizeName(4 * MEGABYTE)} of unknown keys (99 listed)`, text: fourMegabytes, expect: capped, large: true },
  { name: '100,000 nested [ (refused at level 101)', text: '['.repeat(100_000), expect: refusedAsTooDeep },
  { name: '100,000 nested {"a": (refused at level 101)', text: '{"a":'.repeat(100_000), expect: refusedAsTooDeep },
  {
    // The depth scan has to read the whole megabyte before it finds the nesting.
    name: `${sizeName(MEGABYTE)} of unknown keys, then 100,000 nested [`,
    text: `${megabyte.slice(0, megabyte.lastIndexOf('}'))}, "deep": ${'['.repeat(100_000)}`,
    expect: refusedAsTooDeep,
    large: true,
  },
];

function formatTime(microseconds: number): string {
  return microseconds >= 10_000 ? `${(microseconds / 1000).toFixed(1)} ms` : `${microseconds.toFixed(1)} µs`;
}

function formatRatio(ratio: number): string {
  return ratio < 0.1 ? ratio.toPrecision(2) : ratio.toFixed(1);
}

function baseline(text: string): boolean {
  try {
    return paramsFileSchema.safeParse(JSON.parse(text)).success;
  } catch {
    return false;
  }
}

/** Mean time per call, in microseconds, of one batch that runs for at least `minimumMs`. */
function timeBatch(run: () => unknown, minimumMs: number): number {
  let calls = 0;
  const start = process.hrtime.bigint();
  let elapsedNs = 0n;
  while (elapsedNs < BigInt(minimumMs) * 1_000_000n) {
    run();
    calls++;
    elapsedNs = process.hrtime.bigint() - start;
  }
  return Number(elapsedNs) / 1000 / calls;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * The two sides alternate in short batches and the medians are compared, so a busy machine slows
 * both alike instead of skewing the ratio.
 */
function compare(
  subject: () => unknown,
  reference: () => unknown,
  { warmup = 50, rounds = 15, batchMs = 30 } = {},
): { subjectUs: number; referenceUs: number; subjectTimes: number[]; referenceTimes: number[] } {
  if (QUICK) {
    ({ warmup, rounds, batchMs } = { warmup: 1, rounds: 1, batchMs: 1 });
  }
  for (let i = 0; i < warmup; i++) {
    subject();
    reference();
  }
  const subjectTimes: number[] = [];
  const referenceTimes: number[] = [];
  for (let round = 0; round < rounds; round++) {
    subjectTimes.push(timeBatch(subject, batchMs));
    referenceTimes.push(timeBatch(reference, batchMs));
  }
  return { subjectUs: median(subjectTimes), referenceUs: median(referenceTimes), subjectTimes, referenceTimes };
}

function main(): void {
  const rows: string[][] = [['case', 'size', 'validateParamsText', 'JSON.parse + safeParse', 'ratio']];
  const timesByText = new Map<string, { validateUs: number; baselineUs: number; validateTimes: number[]; baselineTimes: number[] }>();
  for (const benchCase of CASES) {
    const result = validateParamsText(benchCase.text);
    if (!benchCase.expect(result)) {
      throw new Error(`${benchCase.name}: unexpected result ${JSON.stringify(result.diagnostics.slice(0, 3))}`);
    }
    const { subjectUs: validateUs, referenceUs: baselineUs, subjectTimes: validateTimes, referenceTimes: baselineTimes } = compare(
      () => validateParamsText(benchCase.text),
      () => baseline(benchCase.text),
      benchCase.large ? { warmup: 2, rounds: 7, batchMs: 1 } : {},
    );
    timesByText.set(benchCase.text, { validateUs, baselineUs, validateTimes, baselineTimes });
    rows.push([
      benchCase.name,
      `${(benchCase.text.length / 1024).toFixed(1)} KB`,
      formatTime(validateUs),
      formatTime(baselineUs),
      `${formatRatio(validateUs / baselineUs)}×`,
    ]);
  }
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  for (const [index, row] of rows.entries()) {
    console.log(row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  '));
    if (index === 0) {
      console.log(widths.map((w) => '-'.repeat(w)).join('  '));
    }
  }
  const one = timesByText.get(megabyte);
  const four = timesByText.get(fourMegabytes);
  if (one && four) {
    const growth = `${sizeName(MEGABYTE)} -> ${sizeName(4 * MEGABYTE)} of unknown keys (${(fourMegabytes.length / megabyte.length).toFixed(1)}× the text): `
      + `validateParamsText ×${(four.validateUs / one.validateUs).toFixed(1)}, JSON.parse + safeParse ×${(four.baselineUs / one.baselineUs).toFixed(1)}`;
    console.log(`\n${growth}`);
    report({
      bench: 'params-validate',
      measure: `checking a ${sizeName(MEGABYTE)} parameter file (unknown keys, 99 listed)`,
      unit: 'ms',
      subject: stats(one.validateTimes.map((us) => us / 1000)),
      baseline: { label: 'JSON.parse + safeParse', stats: stats(one.baselineTimes.map((us) => us / 1000)) },
      target: { on: 'value', max: 100, text: '≤ 100 ms, linear' },
      note: growth.replace(/ of unknown keys.*: /, ': '),
    });
  }
}

main();
