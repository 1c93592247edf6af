import { panelStringsSchema, type PanelStrings } from '../../../src/shared/protocol';

/** A complete set of panel strings (each key's value is its own name), built from the schema's keys. */
export function panelStringsFixture(): PanelStrings {
  const strings: Record<string, unknown> = {};
  for (const key of Object.keys(panelStringsSchema.shape)) {
    strings[key] = key === 'sizeNames' ? { square: 'Square', custom: 'Custom' } : `<${key}>`;
  }
  return panelStringsSchema.parse(strings);
}
