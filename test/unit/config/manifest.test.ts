import * as assert from 'node:assert/strict';
import * as z from 'zod/mini';
import { SECTION, settingContracts } from '../../../src/config/settings';
import { localizedManifest } from '../../localizedManifest';

interface ManifestSetting {
  type?: string | string[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  enum?: unknown[];
  items?: { type?: string; enum?: unknown[] };
}

const manifest = localizedManifest<{
  contributes: { configuration: Array<{ id: string; title: string; order: number; properties: Record<string, ManifestSetting & { order?: number; scope?: string }> }> };
  capabilities?: { untrustedWorkspaces?: { restrictedConfigurations?: string[] } };
}>();

/** Every setting of every category of the settings editor. */
const allSettings = Object.assign({}, ...manifest.contributes.configuration.map((category) => category.properties)) as Record<string, ManifestSetting & { order?: number; scope?: string; markdownDescription?: string }>;

type JsonSchema = { type?: string; minimum?: number; maximum?: number; enum?: unknown[]; items?: JsonSchema; anyOf?: JsonSchema[] };

/** What the manifest must declare for a value schema: VS Code's settings editor and validation read these keys. */
function expectedDeclaration(schema: z.ZodMiniType): ManifestSetting {
  const json = z.toJSONSchema(schema, { target: 'draft-07' }) as JsonSchema;
  const nullable = json.anyOf?.find((member) => member.type !== 'null');
  const value = nullable ?? json;
  const declared: ManifestSetting = { type: nullable ? [value.type ?? '', 'null'] : value.type };
  if (value.minimum !== undefined && Math.abs(value.minimum) < Number.MAX_SAFE_INTEGER) {
    declared.minimum = value.minimum;
  }
  if (value.maximum !== undefined && Math.abs(value.maximum) < Number.MAX_SAFE_INTEGER) {
    declared.maximum = value.maximum;
  }
  if (value.enum) {
    declared.enum = value.enum;
  }
  if (value.items) {
    declared.items = { type: value.items.type, ...(value.items.enum ? { enum: value.items.enum } : {}) };
  }
  return declared;
}

describe('the manifest\'s settings', () => {
  const declared = allSettings;

  it('declare the same types, bounds, choices and defaults as the model and the setting readers', () => {
    for (const [name, contract] of Object.entries(settingContracts())) {
      const setting = declared[`${SECTION}.${name}`];
      assert.ok(setting, `package.json declares ${SECTION}.${name}`);
      const { type, minimum, maximum, enum: choices, items } = setting;
      const actual: ManifestSetting = { type, ...(minimum !== undefined ? { minimum } : {}), ...(maximum !== undefined ? { maximum } : {}), ...(choices ? { enum: choices } : {}), ...(items ? { items: { type: items.type, ...(items.enum ? { enum: items.enum } : {}) } } : {}) };
      assert.deepEqual(actual, expectedDeclaration(contract.schema), `${SECTION}.${name}: its declaration follows the model`);
      assert.deepEqual(setting.default, contract.default, `${SECTION}.${name}: its default`);
      assert.ok(contract.schema.safeParse(setting.default).success, `${SECTION}.${name}: its default is a valid value`);
    }
  });

  it('declare no checked setting that the readers do not know', () => {
    const checked = new Set(Object.keys(settingContracts()).map((name) => `${SECTION}.${name}`));
    const bounded = Object.entries(declared).filter(([, setting]) => setting.minimum !== undefined || setting.maximum !== undefined || setting.enum !== undefined);
    assert.deepEqual(bounded.map(([name]) => name).filter((name) => !checked.has(name)), []);
  });

  it('scope every setting, keep money and deletion limits to the user (application), and restrict what a workspace may redirect', () => {
    const properties = allSettings;
    for (const [name, setting] of Object.entries(properties)) {
      assert.ok(setting.scope, `${name} has a scope`);
    }
    for (const name of ['history.maxVideos', 'history.maxVideoMegabytes', 'batch.confirmAbove', 'download.maxMegabytes']) {
      assert.equal(properties[`${SECTION}.${name}`]?.scope, 'application', `${name} cannot be set by a workspace`);
    }
    const restricted = manifest.capabilities?.untrustedWorkspaces?.restrictedConfigurations ?? [];
    for (const name of ['endpoint', 'proxyUrl', 'batch.concurrency', 'defaults.numFrames', 'defaults.numInferenceSteps', 'defaults.videoSize']) {
      assert.ok(restricted.includes(`${SECTION}.${name}`), `${name} is ignored in an untrusted workspace`);
    }
  });

  it('come in titled, ordered categories, each setting ordered and described', () => {
    const categories = manifest.contributes.configuration;
    assert.ok(categories.length > 1);
    assert.deepEqual(categories.map((category) => category.order), categories.map((_, index) => index + 1));
    for (const category of categories) {
      assert.match(category.title, /^AnimateDiff: /);
      const orders = Object.values(category.properties).map((setting) => setting.order);
      assert.deepEqual(orders, orders.map((_, index) => index + 1), `${category.title}: every setting has its place`);
    }
    for (const [name, setting] of Object.entries(allSettings)) {
      assert.ok((setting.markdownDescription ?? '').length > 20, `${name} says what it does`);
      if (setting.enum) {
        assert.equal((setting as { enumDescriptions?: string[] }).enumDescriptions?.length, setting.enum.length, `${name} describes each choice`);
      }
    }
  });
});
