import * as assert from 'node:assert/strict';
import { parseTree, type Node } from 'jsonc-parser';
import { applyParamEdits, type ParamDiagnostic } from '../../../src/params/diagnostics';
import { paramsFileSchema } from '../../../src/params/fileSchema';
import { validateParamsText } from '../../../src/params/validate';
import { assertWithinText, describeDiagnostics, readParamsFixtures } from './support';

/**
 * Feeds the validator generated, mutated and random files. Deterministic by default; set
 * PARAMS_FUZZ_SEED=<n> to explore other inputs (the seed in use is printed, and every failure
 * names its seed and case so it can be replayed).
 */
const SEED = Number(process.env.PARAMS_FUZZ_SEED ?? 20240601) >>> 0;
const GENERATED = 600;
const MUTATED = 900;
const RANDOM = 300;

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
function prng(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Dice {
  constructor(readonly next: () => number) {}
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
}

const ENDPOINTS = [
  'fal-ai/fast-animatediff/turbo/text-to-video',
  'fal-ai/fast-animatediff/text-to-video',
  'fal-ai/fast-animatediff/turbo/video-to-video',
  'fal-ai/fast-animatediff/video-to-video',
  'turbo/text-to-video',
  '',
];
const KEYS = [
  'prompt', 'negative_prompt', 'num_frames', 'num_inference_steps', 'guidance_scale', 'seed', 'fps', 'motions', 'video_size',
  'video_url', 'strength', 'first_n_seconds', 'variations', 'output', '$schema', 'endpoint',
  'num_frame', 'Prompt', 'videoSize', 'extra', '', 'seed ', '__proto__', 'constructor',
];

function randomScalar(dice: Dice): unknown {
  return dice.pick<() => unknown>([
    () => dice.int(-5, 40),
    () => dice.int(0, 4294967296),
    () => dice.next() * 30 - 5,
    () => dice.pick(['square', 'landscape_16_9', 'landscape', 'zoom-in', 'a fox in the snow', '', ' ', '16', '/abs', '../up', 'renders']),
    () => dice.pick([true, false, null]),
    () => dice.pick([1e308, -0, Number.MAX_SAFE_INTEGER + 2]),
  ])();
}

function randomValue(dice: Dice, depth: number): unknown {
  if (depth > 2 || dice.chance(0.6)) {
    return randomScalar(dice);
  }
  if (dice.chance(0.5)) {
    return Array.from({ length: dice.int(0, 5) }, () => (dice.chance(0.5) ? dice.pick(['zoom-in', 'pan-left', 'tilt-up', 'spin']) : randomValue(dice, depth + 1)));
  }
  const object: Record<string, unknown> = {};
  for (let i = dice.int(0, 3); i > 0; i--) {
    object[dice.pick(['width', 'height', 'w', 'depth'])] = randomValue(dice, depth + 1);
  }
  return object;
}

/** Values each key accepts, so that a good share of generated files is valid. */
const VALID_VALUES: Record<string, readonly unknown[]> = {
  negative_prompt: ['', 'blurry, low quality'],
  num_frames: [1, 16, 32],
  num_inference_steps: [1, 4, 12, 50],
  guidance_scale: [0, 1.5, 20],
  seed: [0, 42, 4294967295, null, [1, 2, 3]],
  fps: [1, 8, 60],
  motions: [[], ['zoom-in'], ['pan-left', 'tilt-down']],
  video_size: ['square_hd', 'landscape_16_9', { width: 640 }, { width: 1, height: 14142 }],
  variations: [1, 4, 16],
  output: ['renders', '../out', 'a/b c'],
  $schema: ['https://example.test/s.json'],
};
const VIDEO_VALUES: Record<string, readonly unknown[]> = {
  video_url: ['clip.mp4', 'https://x.test/a.mp4', 'data:video/mp4;base64,AAAA'],
  strength: [0, 0.7, 1],
  first_n_seconds: [1, 3, 10],
};

function validFile(dice: Dice): Record<string, unknown> {
  const endpoint = dice.pick(ENDPOINTS.slice(0, 4));
  const videoToVideo = endpoint.endsWith('/video-to-video');
  const file: Record<string, unknown> = { prompt: 'a red fox in fresh snow' };
  if (dice.chance(0.7)) {
    file.endpoint = endpoint;
  }
  const pools: Record<string, readonly unknown[]> = { ...VALID_VALUES, ...(videoToVideo ? VIDEO_VALUES : {}) };
  if (videoToVideo) {
    file.endpoint = endpoint;
    file.video_url = dice.pick(VIDEO_VALUES.video_url);
    delete pools.num_frames;
    delete pools.video_size;
    if (endpoint.includes('/turbo/')) {
      delete pools.motions;
    }
  }
  for (let i = dice.int(0, 6); i > 0; i--) {
    const key = dice.pick(Object.keys(pools));
    file[key] = dice.pick(pools[key]);
  }
  return file;
}

/** A plausible file: mostly the right keys, sometimes right values, sometimes not. */
function generatedFile(dice: Dice): string {
  if (dice.chance(0.4)) {
    return JSON.stringify(validFile(dice), null, dice.pick([0, 2, '\t']));
  }
  const file: Record<string, unknown> = {};
  if (dice.chance(0.9)) {
    file.prompt = dice.chance(0.9) ? 'a red fox in fresh snow' : randomScalar(dice);
  }
  if (dice.chance(0.4)) {
    file.endpoint = dice.pick(ENDPOINTS);
  }
  for (let i = dice.int(0, 7); i > 0; i--) {
    const key = dice.pick(KEYS);
    file[key] = dice.chance(0.5) ? randomScalar(dice) : randomValue(dice, 0);
  }
  if (String(file.endpoint).includes('video-to-video') && dice.chance(0.7)) {
    file.video_url = dice.pick(['clip.mp4', 'https://x.test/a.mp4', '', 3]);
  }
  const json = JSON.stringify(file, null, dice.pick([0, 2, 4, '\t']));
  return dice.chance(0.1) ? `\uFEFF${json}` : json;
}

const MUTATION_CHARACTERS = ['{', '}', '[', ']', '"', "'", ',', ':', '/', '*', '\\', '\n', ' ', '0', '9', '-', '.', 'e', 'a', '\u0000', '\uFEFF', '\uD800', '😀'];

function mutate(dice: Dice, text: string): string {
  const at = dice.int(0, text.length);
  const until = Math.min(text.length, at + dice.int(1, 12));
  switch (dice.int(0, 7)) {
    case 0:
      return text.slice(0, at) + text.slice(at + 1);
    case 1:
      return text.slice(0, at) + dice.pick(MUTATION_CHARACTERS) + text.slice(at);
    case 2:
      return text.slice(0, at) + dice.pick(MUTATION_CHARACTERS) + text.slice(at + 1);
    case 3:
      return text.slice(0, at) + text.slice(at, until) + text.slice(at);
    case 4:
      return text.slice(0, at);
    case 5:
      return text.slice(0, at) + dice.pick(['// note\n', '/* c */', ',', ', "x": 1', '"seed": [1, 1],', '"fps": 9,']) + text.slice(at);
    case 6:
      return text.slice(0, at) + text.slice(until);
    default:
      return text.slice(until) + text.slice(0, at);
  }
}

function randomText(dice: Dice): string {
  return Array.from({ length: dice.int(0, 60) }, () => (dice.chance(0.7) ? dice.pick(MUTATION_CHARACTERS) : String.fromCharCode(dice.int(0, 0xffff)))).join('');
}

function hasDuplicateKeys(text: string): boolean {
  const visit = (node: Node | undefined): boolean => {
    if (!node) {
      return false;
    }
    if (node.type === 'object') {
      const keys = (node.children ?? []).map((p) => p.children?.[0]?.value);
      if (new Set(keys).size !== keys.length) {
        return true;
      }
    }
    return (node.children ?? []).some(visit);
  };
  return visit(parseTree(text));
}

function strictJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text.replace(/^\uFEFF/, '')) };
  } catch {
    return { ok: false };
  }
}

/** Every value and every property name in a JSON value, as canonical JSON. */
function nodesOf(value: unknown, values = new Set<string>(), keys = new Set<string>()): { values: Set<string>; keys: Set<string> } {
  values.add(JSON.stringify(value));
  if (Array.isArray(value)) {
    value.forEach((item) => nodesOf(item, values, keys));
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      keys.add(key);
      nodesOf(item, values, keys);
    }
  }
  return { values, keys };
}

const VALUE_CODES = new Set(['invalid-type', 'invalid-value', 'out-of-range', 'recommended-range']);
const KEY_CODES = new Set(['unknown-key', 'wrong-endpoint-key', 'duplicate-key']);
/** How many diagnostics the position check looked at, so the run shows it was not vacuous. */
let positionsChecked = 0;

/**
 * In a well-formed file, a problem with a value covers exactly a value of the file, and a problem with a key
 * covers exactly a property name: never an arbitrary stretch of text (or the start of the file).
 */
function assertPointsAtNodes(text: string, value: unknown, diagnostics: readonly ParamDiagnostic[], explain: () => string): void {
  const { values, keys } = nodesOf(value);
  for (const diagnostic of diagnostics) {
    const covered = text.slice(diagnostic.offset, diagnostic.offset + diagnostic.length);
    const parsed = strictJson(covered);
    if (VALUE_CODES.has(diagnostic.code) || KEY_CODES.has(diagnostic.code)) {
      positionsChecked++;
    }
    if (VALUE_CODES.has(diagnostic.code)) {
      assert.ok(parsed.ok && values.has(JSON.stringify(parsed.value)), `${diagnostic.code} does not cover a value of the file: ${JSON.stringify(covered)}\n${explain()}`);
    } else if (KEY_CODES.has(diagnostic.code)) {
      assert.ok(parsed.ok && typeof parsed.value === 'string' && keys.has(parsed.value), `${diagnostic.code} does not cover a property name: ${JSON.stringify(covered)}\n${explain()}`);
    }
  }
}

function checkOne(text: string, context: string): void {
  let result: ReturnType<typeof validateParamsText> | undefined;
  assert.doesNotThrow(() => {
    result = validateParamsText(text);
  }, context);
  assert.ok(result);
  const explain = () => `${context}\ntext: ${JSON.stringify(text)}\n${describeDiagnostics(text, result?.diagnostics ?? [])}`;
  assert.ok(!result.diagnostics.some((d) => d.code === 'internal-error'), `internal error\n${explain()}`);
  assertWithinText(text, result.diagnostics, `${context} text ${JSON.stringify(text)}`);
  const hasError = result.diagnostics.some((d) => d.severity === 'error');
  assert.equal(result.params === undefined, hasError, `params must be returned exactly when there is no error\n${explain()}`);

  const json = strictJson(text);
  if (!json.ok) {
    assert.ok(hasError, `not JSON, yet no error\n${explain()}`);
  } else if (paramsFileSchema.safeParse(json.value).success && !hasDuplicateKeys(text)) {
    assert.ok(!hasError, `a valid file was reported as invalid\n${explain()}`);
  }
  if (result.params) {
    assert.ok(json.ok, `params for text that is not JSON\n${explain()}`);
    assert.ok(paramsFileSchema.safeParse(result.params).success, `params that do not satisfy the schema\n${explain()}`);
  }
  if (json.ok && !hasDuplicateKeys(text)) {
    assertPointsAtNodes(text, json.value, result.diagnostics, explain);
  }
  for (const diagnostic of result.diagnostics) {
    const preferred = diagnostic.fixes?.find((fix) => fix.preferred);
    if (preferred) {
      const fixed = applyParamEdits(text, preferred.edits);
      assert.doesNotThrow(() => validateParamsText(fixed), `after "${preferred.title}": ${context}`);
    }
  }
}

describe('parameter file validation under fuzzing', function () {
  before(() => {
    console.log(`      params fuzz seed ${SEED} (replay with PARAMS_FUZZ_SEED=${SEED})`);
  });

  it(`never throws, always locates its errors: ${GENERATED} generated, ${MUTATED} mutated, ${RANDOM} random files`, () => {
    const dice = new Dice(prng(SEED));
    const seeds = readParamsFixtures().map((f) => f.text);
    let checked = 0;
    for (let i = 0; i < GENERATED; i++, checked++) {
      const text = generatedFile(dice);
      seeds.push(text);
      checkOne(text, `seed ${SEED}, generated case ${i}`);
    }
    for (let i = 0; i < MUTATED; i++, checked++) {
      let text = dice.pick(seeds);
      for (let n = dice.int(1, 5); n > 0; n--) {
        text = mutate(dice, text);
      }
      checkOne(text, `seed ${SEED}, mutated case ${i}`);
    }
    for (let i = 0; i < RANDOM; i++, checked++) {
      checkOne(randomText(dice), `seed ${SEED}, random case ${i}`);
    }
    assert.ok(checked >= 1000);
    assert.ok(positionsChecked >= 200, `only ${positionsChecked} value or key problems had their position checked`);
  });
});
