import * as assert from 'node:assert/strict';
import { BUILT_IN_DEFAULTS, type GenerationDefaults } from '../../../src/model/request';
import { textToVideoInputSchema } from '../../../src/model/animateDiff';
import type { ParamsFile } from '../../../src/params/fileSchema';
import {
  buildRequestsFromParams,
  cryptoRandomSeed,
  outputNameFor,
  paramsFileStem,
  resolveOutputFolder,
  resolveVideoSource,
} from '../../../src/params/requests';
import { validateParamsText } from '../../../src/params/validate';
import { validateInput } from '../../fal-imitation/validation';
import { readParamsFixtures } from './support';

const TURBO_T2V = 'fal-ai/fast-animatediff/turbo/text-to-video';
const REGULAR_T2V = 'fal-ai/fast-animatediff/text-to-video';
const TURBO_V2V = 'fal-ai/fast-animatediff/turbo/video-to-video';
const REGULAR_V2V = 'fal-ai/fast-animatediff/video-to-video';

function paramsOf(text: string): ParamsFile {
  const result = validateParamsText(text);
  assert.ok(result.params, `not valid: ${JSON.stringify(result.diagnostics)}`);
  return result.params;
}

/** A seed source that hands out the given seeds in order and counts its calls. */
function seedSource(...seeds: number[]): { next: () => number; calls: () => number } {
  let calls = 0;
  return { next: () => seeds[calls++ % seeds.length], calls: () => calls };
}

const SETTINGS: GenerationDefaults = {
  negative_prompt: 'blurry',
  num_frames: 24,
  num_inference_steps: 6,
  guidance_scale: 1.5,
  fps: 12,
  video_size: 'portrait_16_9',
  motions: ['pan-right'],
};

describe('requests from a parameter file', () => {
  it('sends every field: the file\'s values, the configured defaults for the rest, and a seed', () => {
    const seeds = seedSource(777);
    const [request, ...more] = buildRequestsFromParams(paramsOf('{ "prompt": "a fox", "num_frames": 8 }'), SETTINGS, seeds.next);
    assert.equal(more.length, 0);
    assert.equal(request.endpoint, TURBO_T2V);
    assert.deepEqual(request.input, {
      prompt: 'a fox',
      negative_prompt: 'blurry',
      num_frames: 8,
      num_inference_steps: 6,
      guidance_scale: 1.5,
      fps: 12,
      video_size: 'portrait_16_9',
      seed: 777,
      motions: ['pan-right'],
    });
    assert.equal(request.seed, 777);
    assert.equal(request.label, 'seed 777');
    assert.ok(textToVideoInputSchema.safeParse(request.input).success);
  });

  it('uses the configured seed when the file has none, and a random one for "seed": null', () => {
    const configured = { ...BUILT_IN_DEFAULTS, seed: 5 };
    const seeds = seedSource(99);
    assert.deepEqual(buildRequestsFromParams(paramsOf('{ "prompt": "a fox" }'), configured, seeds.next).map((r) => r.seed), [5]);
    assert.equal(seeds.calls(), 0);
    assert.deepEqual(buildRequestsFromParams(paramsOf('{ "prompt": "a fox", "seed": null }'), configured, seeds.next).map((r) => r.seed), [99]);
  });

  it('an explicit empty motions list sends no motions even when motions are configured', () => {
    const [request] = buildRequestsFromParams(paramsOf('{ "prompt": "a fox", "motions": [] }'), SETTINGS, () => 1);
    assert.ok(!('motions' in request.input));
  });

  it('variations: N requests with distinct random seeds, labelled in order', () => {
    const seeds = seedSource(10, 20, 30, 40);
    const requests = buildRequestsFromParams(paramsOf('{ "prompt": "a fox", "variations": 4 }'), { ...SETTINGS, seed: 5 }, seeds.next);
    assert.deepEqual(requests.map((r) => r.seed), [10, 20, 30, 40]);
    assert.deepEqual(requests.map((r) => r.input.seed), [10, 20, 30, 40]);
    assert.deepEqual(requests.map((r) => r.label), ['1 of 4 · seed 10', '2 of 4 · seed 20', '3 of 4 · seed 30', '4 of 4 · seed 40']);
    for (const request of requests) {
      assert.equal(request.input.prompt, 'a fox');
    }
  });

  it('variations stay distinct even when the random source repeats itself', () => {
    const requests = buildRequestsFromParams(paramsOf('{ "prompt": "a fox", "variations": 16 }'), SETTINGS, () => 4294967295);
    const seeds = requests.map((r) => r.seed);
    assert.equal(new Set(seeds).size, 16);
    assert.ok(seeds.every((s) => Number.isInteger(s) && s >= 0 && s <= 4294967295), String(seeds));
  });

  it('a random source out of range is folded into fal\'s seed range', () => {
    const [request] = buildRequestsFromParams(paramsOf('{ "prompt": "a fox" }'), BUILT_IN_DEFAULTS, () => -2.5);
    assert.equal(request.seed, 2);
  });

  it('a seed list: one request per seed, in the file\'s order, no random seeds', () => {
    const seeds = seedSource(1);
    const requests = buildRequestsFromParams(paramsOf('{ "prompt": "a fox", "seed": [42, 7, 1001] }'), SETTINGS, seeds.next);
    assert.deepEqual(requests.map((r) => r.seed), [42, 7, 1001]);
    assert.equal(seeds.calls(), 0);
  });

  it('regular text-to-video gets its own steps and guidance, not the turbo-tuned settings', () => {
    const [request] = buildRequestsFromParams(paramsOf(`{ "endpoint": "${REGULAR_T2V}", "prompt": "a fox" }`), SETTINGS, () => 3);
    assert.equal(request.endpoint, REGULAR_T2V);
    assert.equal(request.input.num_inference_steps, 25);
    assert.equal(request.input.guidance_scale, 7.5);
    assert.equal(request.input.negative_prompt, 'blurry');
    assert.equal(request.input.num_frames, 24);
    const [tuned] = buildRequestsFromParams(
      paramsOf(`{ "endpoint": "${REGULAR_T2V}", "prompt": "a fox", "num_inference_steps": 30, "guidance_scale": 5 }`),
      SETTINGS,
      () => 3,
    );
    assert.equal(tuned.input.num_inference_steps, 30);
    assert.equal(tuned.input.guidance_scale, 5);
  });

  it('turbo video-to-video: every field of its input, no motions or text-to-video fields', () => {
    const [request] = buildRequestsFromParams(
      paramsOf(`{ "endpoint": "${TURBO_V2V}", "prompt": "neon city", "video_url": "clips/in.mp4", "strength": 0.5 }`),
      SETTINGS,
      () => 8,
    );
    assert.equal(request.endpoint, TURBO_V2V);
    assert.deepEqual(request.input, {
      video_url: 'clips/in.mp4',
      prompt: 'neon city',
      negative_prompt: 'blurry',
      seed: 8,
      first_n_seconds: 3,
      fps: 12,
      strength: 0.5,
      guidance_scale: 2,
      num_inference_steps: 12,
    });
  });

  it('regular video-to-video takes motions from the file or the settings', () => {
    const [fromFile] = buildRequestsFromParams(
      paramsOf(`{ "endpoint": "${REGULAR_V2V}", "prompt": "p", "video_url": "a.mp4", "motions": ["zoom-in"] }`),
      SETTINGS,
      () => 1,
    );
    assert.deepEqual(fromFile.input.motions, ['zoom-in']);
    assert.equal(fromFile.input.num_inference_steps, 25);
    const [fromSettings] = buildRequestsFromParams(paramsOf(`{ "endpoint": "${REGULAR_V2V}", "prompt": "p", "video_url": "a.mp4" }`), SETTINGS, () => 1);
    assert.deepEqual(fromSettings.input.motions, ['pan-right']);
  });

  it('every request built from the fixtures is accepted by the fal imitation\'s validation as it is', () => {
    for (const { name, text } of readParamsFixtures()) {
      for (const request of buildRequestsFromParams(paramsOf(text), BUILT_IN_DEFAULTS, cryptoRandomSeed)) {
        const checked = validateInput(request.endpoint, request.input);
        assert.ok(checked.ok, `${name}: ${JSON.stringify(checked)}`);
        // Nothing is left for fal to fill in: its defaults add no field (a None default means "not used").
        const filledByFal = Object.keys(checked.values).filter((key) => !(key in request.input) && checked.values[key] !== null);
        assert.deepEqual(filledByFal, [], name);
      }
    }
  });

  it('cryptoRandomSeed gives whole numbers in fal\'s range', () => {
    const seeds = Array.from({ length: 200 }, cryptoRandomSeed);
    assert.ok(seeds.every((s) => Number.isInteger(s) && s >= 0 && s <= 4294967295));
    assert.ok(new Set(seeds).size > 190);
  });
});

describe('result file names and folders', () => {
  it('names the video and its record after the parameter file and the seed', () => {
    assert.deepEqual(outputNameFor('sunset.animate.json', 42), { video: 'sunset-42.mp4', record: 'sunset-42.result.json' });
    assert.deepEqual(outputNameFor('/work/shots/Sunset.Animate.JSON', 7), { video: 'Sunset-7.mp4', record: 'Sunset-7.result.json' });
    assert.deepEqual(outputNameFor('sunset', 0), { video: 'sunset-0.mp4', record: 'sunset-0.result.json' });
    assert.equal(paramsFileStem('c:\\work\\fox.v2.animate.json'), 'fox.v2');
    assert.equal(paramsFileStem('notes.json'), 'notes');
  });

  it('puts results beside the file, or in "output" relative to it', () => {
    assert.deepEqual(resolveOutputFolder('/ws/shots/a.animate.json', undefined, '/ws'), { ok: true, path: '/ws/shots' });
    assert.deepEqual(resolveOutputFolder('/ws/shots/a.animate.json', 'renders', '/ws'), { ok: true, path: '/ws/shots/renders' });
    assert.deepEqual(resolveOutputFolder('/ws/shots/a.animate.json', 'renders/day 1/', '/ws'), { ok: true, path: '/ws/shots/renders/day 1' });
    assert.deepEqual(resolveOutputFolder('/ws/shots/a.animate.json', '../renders', '/ws'), { ok: true, path: '/ws/renders' });
    assert.deepEqual(resolveOutputFolder('/ws/shots/a.animate.json', '..', '/ws'), { ok: true, path: '/ws' });
    assert.deepEqual(resolveOutputFolder('/ws/shots/a.animate.json', '..\\renders', '/ws'), { ok: true, path: '/ws/renders' });
  });

  it('refuses an "output" that leaves the workspace or is absolute', () => {
    for (const output of ['../../elsewhere', '../../ws-other', '/tmp', 'C:\\temp', 'https://example.com/x']) {
      const result = resolveOutputFolder('/ws/shots/a.animate.json', output, '/ws');
      assert.equal(result.ok, false, output);
    }
    const escaped = resolveOutputFolder('/ws/shots/a.animate.json', '../../elsewhere', '/ws');
    assert.ok(!escaped.ok && /outside the workspace folder \(\/ws\)/.test(escaped.message), JSON.stringify(escaped));
  });

  it('keeps a file outside any workspace folder to its own folder', () => {
    assert.deepEqual(resolveOutputFolder('/tmp/a.animate.json', 'out', undefined), { ok: true, path: '/tmp/out' });
    assert.equal(resolveOutputFolder('/tmp/a.animate.json', '../out', undefined).ok, false);
  });

  it('handles Windows paths the way VS Code writes them', () => {
    assert.deepEqual(resolveOutputFolder('/C:/ws/a.animate.json', 'renders', '/c:/ws'), { ok: true, path: '/c:/ws/renders' });
    assert.deepEqual(resolveOutputFolder('C:\\ws\\a.animate.json', 'renders', 'c:\\ws'), { ok: true, path: '/c:/ws/renders' });
    assert.equal(resolveOutputFolder('/c:/ws/a.animate.json', '../../d', '/c:/ws').ok, false);
  });
});

describe('video_url sources', () => {
  const file = '/ws/shots/a.animate.json';

  it('passes URLs and data: URIs through', () => {
    assert.deepEqual(resolveVideoSource('https://cdn.test/a.mp4', file, '/ws'), { kind: 'url', url: 'https://cdn.test/a.mp4' });
    assert.deepEqual(resolveVideoSource(' data:video/mp4;base64,AAAA ', file, undefined), { kind: 'data', url: 'data:video/mp4;base64,AAAA' });
  });

  it('resolves local paths inside the workspace for upload', () => {
    assert.deepEqual(resolveVideoSource('clips/in.mp4', file, '/ws'), { kind: 'file', path: '/ws/shots/clips/in.mp4' });
    assert.deepEqual(resolveVideoSource('../in.mp4', file, '/ws'), { kind: 'file', path: '/ws/in.mp4' });
    assert.deepEqual(resolveVideoSource('/ws/media/in.mp4', file, '/ws'), { kind: 'file', path: '/ws/media/in.mp4' });
    assert.deepEqual(resolveVideoSource('file:///ws/media/my%20clip.mp4', file, '/ws'), { kind: 'file', path: '/ws/media/my clip.mp4' });
    assert.deepEqual(resolveVideoSource('C:\\ws\\in.mp4', '/c:/ws/a.animate.json', '/c:/ws'), { kind: 'file', path: '/c:/ws/in.mp4' });
  });

  it('refuses files outside the workspace, other schemes, and local files without a workspace', () => {
    for (const [value, root] of [['../../secret.mp4', '/ws'], ['/etc/passwd', '/ws'], ['ftp://host/a.mp4', '/ws'], ['in.mp4', undefined]] as const) {
      const source = resolveVideoSource(value, file, root);
      assert.equal(source.kind, 'refused', value);
    }
  });
});
