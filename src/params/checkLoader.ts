import { currentTranslator } from '../l10n/l10n';
import type * as ParamsCheckModule from './check';

let loaded: typeof ParamsCheckModule | undefined;

/** The parameter-file checker (check.ts), read on the first call: most windows never open a parameter file. */
export function paramsCheck(): typeof ParamsCheckModule {
  // The bundle maps this require to dist/params-check.js (esbuild.js); unbundled, it is the module next to this one.
  if (!loaded) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require('./check') as typeof ParamsCheckModule;
    // Bundled, the checker has its own copy of src/l10n/l10n.ts: it speaks the display language only when told to.
    const { translator, locale } = currentTranslator();
    loaded.useTranslator(translator, locale);
  }
  return loaded;
}
