import * as z from 'zod/mini';
import { paramsFileSchema } from './fileSchema';

/**
 * The JSON Schema of `.animate.json` files for VS Code's JSON support (`contributes.jsonValidation`), generated from the
 * zod schema at build time (esbuild.js writes it to dist/animate.schema.json).
 *
 * It serves completion and hovers only: VS Code would also report every schema violation, next to the extension's own
 * diagnostic for the same mistake (which has the exact message and the quick fix), so each mistake would show twice.
 * So the constraints are left out: enumerated values become completion snippets with their descriptions, variants
 * become `anyOf`, and nothing requires, bounds or types a value. The descriptions, defaults and snippets VS Code shows
 * come from each field's zod metadata.
 */
export function buildParamsJsonSchema(): Record<string, unknown> {
  const full = fullParamsJsonSchema();
  return { ...completionOnly(full), $schema: full.$schema };
}

/** The complete JSON Schema of a parameter file: what the zod schema checks, as JSON Schema (one branch per endpoint). */
export function fullParamsJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(paramsFileSchema, { target: 'draft-07', io: 'input', unrepresentable: 'throw' }) as Record<string, unknown>;
}

type Schema = Record<string, unknown>;

/** Keywords that only say what is valid: the extension's own check says it, once. */
const VALIDATION_KEYWORDS = new Set([
  'type', 'const', 'enum', 'markdownEnumDescriptions', 'enumDescriptions', 'required', 'additionalProperties', 'minimum', 'maximum',
  'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength', 'minItems', 'maxItems', 'uniqueItems', 'pattern', 'multipleOf', 'not',
]);

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The schema with what completion and hovers need, and none of what validates. */
export function completionOnly(schema: Schema): Schema {
  const result: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (VALIDATION_KEYWORDS.has(key) || key === '$schema') {
      continue;
    }
    if (key === 'properties' && isSchema(value)) {
      result.properties = Object.fromEntries(Object.entries(value).map(([name, property]) => [name, isSchema(property) ? completionOnly(property) : property]));
    } else if (key === 'items' && isSchema(value)) {
      result.items = completionOnly(value);
    } else if ((key === 'anyOf' || key === 'oneOf' || key === 'allOf') && Array.isArray(value)) {
      // `oneOf` would fail once nothing tells its variants apart; every branch stays for completion.
      const branches = value.filter(isSchema).map(completionOnly);
      result.anyOf = [...(Array.isArray(result.anyOf) ? (result.anyOf as Schema[]) : []), ...branches];
    } else {
      result[key] = value;
    }
  }
  const snippets = valueSnippets(schema);
  if (snippets.length > 0) {
    result.defaultSnippets = [...(Array.isArray(schema.defaultSnippets) ? (schema.defaultSnippets as unknown[]) : []), ...snippets];
  }
  return result;
}

/** The values an `enum` or `const` allowed, as completion snippets with their descriptions. */
function valueSnippets(schema: Schema): Schema[] {
  const values = Array.isArray(schema.enum) ? schema.enum : 'const' in schema ? [schema.const] : [];
  const descriptions = Array.isArray(schema.markdownEnumDescriptions) ? (schema.markdownEnumDescriptions as unknown[]) : [];
  return values.map((value, index) => ({
    label: typeof value === 'string' ? value : JSON.stringify(value),
    body: value,
    ...(typeof descriptions[index] === 'string' ? { markdownDescription: descriptions[index] } : {}),
  }));
}
