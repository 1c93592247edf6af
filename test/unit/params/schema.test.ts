import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MODEL_DEFAULTS, MOTIONS, VIDEO_SIZE_NAMES } from '../../../src/model/animateDiff';
import { paramsKeysFor } from '../../../src/params/fileKeys';
import { PARAMS_SCHEMA_BY_ENDPOINT, paramsFileSchema, PRODUCT_KEYS } from '../../../src/params/fileSchema';
import { buildParamsJsonSchema, fullParamsJsonSchema } from '../../../src/params/jsonSchema';
import { readParamsFixtures } from './support';

const ENDPOINTS = [
  'fal-ai/fast-animatediff/turbo/text-to-video',
  'fal-ai/fast-animatediff/text-to-video',
  'fal-ai/fast-animatediff/turbo/video-to-video',
  'fal-ai/fast-animatediff/video-to-video',
];

type JsonSchema = Record<string, unknown> & {
  properties?: Record<string, JsonSchema>;
  required?: string[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  items?: JsonSchema;
  enum?: unknown[];
};

function branches(): JsonSchema[] {
  const schema = fullParamsJsonSchema() as JsonSchema;
  assert.ok(Array.isArray(schema.oneOf));
  return schema.oneOf;
}

function branchFor(endpoint: string): JsonSchema {
  const branch = branches().find((b) => b.properties?.endpoint?.const === endpoint);
  assert.ok(branch, endpoint);
  return branch;
}

describe('parameter file schema', () => {
  it('is what the manifest contributes for *.animate.json, generated from the zod schema at build time', () => {
    const root = path.resolve(__dirname, '../../../..');
    const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { contributes: { jsonValidation: Array<{ fileMatch: string; url: string }> } };
    const contributed = manifest.contributes.jsonValidation.find((entry) => entry.fileMatch === '*.animate.json');
    assert.ok(contributed, 'contributes.jsonValidation has *.animate.json');
    const built = JSON.parse(fs.readFileSync(path.join(root, contributed.url), 'utf8')) as unknown;
    assert.deepEqual(built, buildParamsJsonSchema());
  });

  it('knows exactly the input fields of each endpoint, plus the product keys', () => {
    const modelKeys = (endpoint: string) => paramsKeysFor(endpoint as never).filter((k) => !(PRODUCT_KEYS as readonly string[]).includes(k)).sort();
    const textToVideo = ['fps', 'guidance_scale', 'motions', 'negative_prompt', 'num_frames', 'num_inference_steps', 'prompt', 'seed', 'video_size'];
    assert.deepEqual(modelKeys(ENDPOINTS[0]), textToVideo);
    assert.deepEqual(modelKeys(ENDPOINTS[1]), textToVideo);
    const videoToVideo = ['first_n_seconds', 'fps', 'guidance_scale', 'negative_prompt', 'num_inference_steps', 'prompt', 'seed', 'strength', 'video_url'];
    assert.deepEqual(modelKeys(ENDPOINTS[2]), videoToVideo);
    assert.deepEqual(modelKeys(ENDPOINTS[3]), [...videoToVideo, 'motions'].sort());
  });

  it('writes and runs files with the schema\'s own keys, in the schema\'s order', () => {
    for (const endpoint of ENDPOINTS) {
      assert.deepEqual(paramsKeysFor(endpoint as never), Object.keys(PARAMS_SCHEMA_BY_ENDPOINT[endpoint as keyof typeof PARAMS_SCHEMA_BY_ENDPOINT].shape), endpoint);
    }
  });

  it('parses every fixture and rejects an unknown key', () => {
    for (const { name, text } of readParamsFixtures()) {
      assert.ok(paramsFileSchema.safeParse(JSON.parse(text)).success, name);
    }
    assert.equal(paramsFileSchema.safeParse({ prompt: 'a fox', nope: 1 }).success, false);
  });
});

describe('generated JSON Schema of a parameter file', () => {
  it('is draft-07, one branch per endpoint, plain JSON', () => {
    const schema = fullParamsJsonSchema();
    assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
    assert.deepEqual(branches().map((b) => b.properties?.endpoint?.const), ENDPOINTS);
    assert.deepEqual(JSON.parse(JSON.stringify(schema)), schema);
  });

  it('offers all four endpoints for completion in every branch', () => {
    for (const branch of branches()) {
      assert.deepEqual(branch.properties?.endpoint?.enum, ENDPOINTS);
      assert.equal((branch.properties?.endpoint?.markdownEnumDescriptions as unknown[]).length, 4);
    }
  });

  it('requires prompt, and video_url only on video-to-video; allows nothing else', () => {
    assert.deepEqual(branchFor(ENDPOINTS[0]).required, ['prompt']);
    assert.deepEqual(branchFor(ENDPOINTS[1]).required, ['endpoint', 'prompt']);
    assert.deepEqual(branchFor(ENDPOINTS[2]).required?.sort(), ['endpoint', 'prompt', 'video_url']);
    for (const branch of branches()) {
      assert.equal(branch.additionalProperties, false);
    }
  });

  it('lists the video_size presets and the motions as enums VS Code can complete', () => {
    const videoSize = branchFor(ENDPOINTS[0]).properties?.video_size;
    const preset = videoSize?.anyOf?.find((member) => Array.isArray(member.enum));
    assert.deepEqual(preset?.enum, [...VIDEO_SIZE_NAMES]);
    assert.deepEqual(preset?.markdownEnumDescriptions, ['1024×1024', '512×512', '768×1024', '576×1024', '1024×768', '1024×576']);
    assert.deepEqual(branchFor(ENDPOINTS[0]).properties?.motions?.items?.enum, [...MOTIONS]);
  });

  it('gives every key a hover text, and the documented defaults', () => {
    for (const branch of branches()) {
      for (const [key, property] of Object.entries(branch.properties ?? {})) {
        assert.equal(typeof property.markdownDescription, 'string', key);
        assert.equal(typeof property.description, 'string', key);
        assert.ok(!String(property.description).includes('`'), `${key}: plain description has markdown`);
      }
    }
    const turbo = branchFor(ENDPOINTS[0]).properties ?? {};
    assert.equal(turbo.num_frames.default, MODEL_DEFAULTS.num_frames);
    assert.equal(turbo.num_inference_steps.default, MODEL_DEFAULTS.num_inference_steps);
    assert.match(String(turbo.num_inference_steps.markdownDescription), /4–12 is recommended for turbo mode/);
    assert.equal(turbo.video_size.default, 'square');
    assert.equal(branchFor(ENDPOINTS[1]).properties?.num_inference_steps.default, 25);
    assert.equal(branchFor(ENDPOINTS[2]).properties?.num_inference_steps.default, 12);
    assert.equal(branchFor(ENDPOINTS[2]).properties?.strength.default, 0.7);
  });

  it('describes the ranges the validator enforces', () => {
    for (const branch of branches()) {
      assert.equal(branch.properties?.prompt.maxLength, 10_000);
      assert.equal(branch.properties?.negative_prompt.maxLength, 10_000);
    }
    const turbo = branchFor(ENDPOINTS[0]).properties ?? {};
    assert.deepEqual([turbo.num_frames.type, turbo.num_frames.minimum, turbo.num_frames.maximum], ['integer', 1, 32]);
    assert.deepEqual([turbo.variations.minimum, turbo.variations.maximum], [1, 16]);
    const seedList = turbo.seed.anyOf?.find((member) => member.type === 'array');
    assert.equal(seedList?.uniqueItems, true);
  });
});

describe('the JSON Schema VS Code is given: completion and hovers, no second diagnostic', () => {
  const VALIDATING = ['type', 'const', 'enum', 'required', 'additionalProperties', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum',
    'minLength', 'maxLength', 'minItems', 'maxItems', 'uniqueItems', 'pattern', 'multipleOf', 'not', 'oneOf', 'allOf'];

  /** Every keyword used in `schema`, property names excepted. */
  function keywords(schema: unknown, found = new Set<string>()): Set<string> {
    if (Array.isArray(schema)) {
      schema.forEach((item) => keywords(item, found));
    } else if (typeof schema === 'object' && schema !== null) {
      for (const [key, value] of Object.entries(schema)) {
        found.add(key);
        if (key === 'properties') {
          Object.values(value as object).forEach((property) => keywords(property, found));
        } else if (key !== 'defaultSnippets' && key !== 'default' && key !== 'examples') {
          keywords(value, found);
        }
      }
    }
    return found;
  }

  it('validates nothing: the extension reports each mistake once, with its quick fix', () => {
    const used = keywords(buildParamsJsonSchema());
    assert.deepEqual(VALIDATING.filter((keyword) => used.has(keyword)), []);
  });

  it('keeps every key\'s hover text and default, and offers every allowed value with its description', () => {
    const editor = buildParamsJsonSchema() as JsonSchema;
    assert.equal(editor.$schema, 'http://json-schema.org/draft-07/schema#');
    const editorBranches = editor.anyOf ?? [];
    assert.equal(editorBranches.length, branches().length);
    branches().forEach((full, index) => {
      for (const [key, property] of Object.entries(full.properties ?? {})) {
        const shown = editorBranches[index].properties?.[key];
        assert.ok(shown, key);
        assert.equal(shown.markdownDescription, property.markdownDescription, key);
        assert.deepEqual(shown.default, property.default, key);
      }
    });
    const turbo = editorBranches[0].properties ?? {};
    const endpointSnippets = turbo.endpoint.defaultSnippets as Array<{ body: unknown; markdownDescription?: string }>;
    assert.deepEqual(endpointSnippets.map((snippet) => snippet.body), ENDPOINTS);
    assert.ok(endpointSnippets.every((snippet) => typeof snippet.markdownDescription === 'string'));
    const presets = (turbo.video_size.anyOf ?? []).flatMap((member) => (member.defaultSnippets as Array<{ body: unknown; markdownDescription?: string }> | undefined) ?? []);
    assert.deepEqual(presets.filter((snippet) => typeof snippet.body === 'string').map((snippet) => [snippet.body, snippet.markdownDescription]),
      VIDEO_SIZE_NAMES.map((name, i) => [name, ['1024×1024', '512×512', '768×1024', '576×1024', '1024×768', '1024×576'][i]]));
    assert.deepEqual(((turbo.motions.items?.defaultSnippets ?? []) as Array<{ body: unknown }>).map((snippet) => snippet.body), [...MOTIONS]);
  });
});
