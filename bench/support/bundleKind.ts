import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from './vscodeStub';

/**
 * Whether dist/core.js is a production build. A development build ends with a source map comment; a leftover
 * core.js.map says nothing (a production build does not remove the one an earlier development build wrote).
 */
export function isProductionBuild(): boolean {
  return !readFileSync(path.join(REPO_ROOT, 'dist', 'core.js'), 'utf8').trimEnd().split('\n').at(-1)?.startsWith('//# sourceMappingURL=');
}
