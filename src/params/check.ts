import * as z from 'zod/mini';
import { en } from 'zod/v4/locales';

/*
 * The parameter-file checker: reading a `.animate.json` as JSON with positions (jsonTree.ts; jsonc-parser for fal's
 * errors and for edits) and checking it against the schema. A bundle of its own (dist/params-check.js) that loads with
 * the first parameter file, not with the core: reach it through `paramsCheck()` (checkLoader.ts), never by importing
 * its modules directly.
 */

// In dist/params-check.js zod is a copy of its own (the schemas it checks with are): it needs the English messages
// the checker's last resort quotes, as the core's has.
z.config(en());

export { findNodeAtLocation } from 'jsonc-parser';
export { capDiagnostics } from './diagnostics';
export { entriesStillApplicable, falErrorsToDiagnostics } from './falErrors';
export { objectStartOffset, parseTreeWithinDepth } from './jsonText';
export { validateParamsText } from './validate';
// Its copy of the translator's module, handed the core's translator as it loads (checkLoader.ts).
export { useTranslator } from '../l10n/l10n';
