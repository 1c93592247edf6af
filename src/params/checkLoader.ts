import type * as ParamsCheckModule from './check';

let loaded: typeof ParamsCheckModule | undefined;

/** The parameter-file checker (check.ts), read on the first call: most windows never open a parameter file. */
export function paramsCheck(): typeof ParamsCheckModule {
  // The bundle maps this require to dist/params-check.js (esbuild.js); unbundled, it is the module next to this one.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= require('./check') as typeof ParamsCheckModule;
  return loaded;
}
