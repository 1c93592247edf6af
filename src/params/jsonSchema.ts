import * as z from 'zod/mini';
import { paramsFileSchema } from './fileSchema';

/**
 * The JSON Schema of `.animate.json` files, generated from the zod schema at build time
 * (esbuild.js writes it to dist/animate.schema.json for `contributes.jsonValidation`).
 *
 * Draft-07 because VS Code's JSON language service understands it fully; `io: 'input'` because a
 * file is what the user writes (fields with defaults are optional). The `markdownDescription`,
 * `markdownEnumDescriptions`, `default` and `defaultSnippets` keywords VS Code uses for hovers and
 * completion come from each field's zod metadata, so there is nothing to add here by hand.
 */
export function buildParamsJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(paramsFileSchema, { target: 'draft-07', io: 'input', unrepresentable: 'throw' }) as Record<string, unknown>;
}
