import { translatorInUse } from '../l10n/l10n';
import type * as ParamsCheckModule from './check';

let loaded: typeof ParamsCheckModule | undefined;

/** The parameter-file checker (check.ts), read on the first call: most windows never open a parameter file. */
export function paramsCheck(): typeof ParamsCheckModule {
  if (!loaded) {
    // The bundle maps this require to dist/params-check.js (esbuild.js); unbundled, it is the module next to this one.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require('./check') as typeof ParamsCheckModule;
    // Bundled, it has its own copy of the translator's module, still English: the messages follow the display language.
    const { translator, locale } = translatorInUse();
    loaded.useTranslator(translator, locale);
  }
  return loaded;
}
