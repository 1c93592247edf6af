import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { errorCode } from './durableFs';

/* Where a path really is, symbolic links followed: results and uploads never leave the workspace. */

/**
 * Where `file` really is once symbolic links are followed: the real path of its nearest existing ancestor
 * joined with the part that does not exist yet. Used to keep results and uploads inside the workspace.
 */
export async function realPathOf(file: string): Promise<string> {
  const missing: string[] = [];
  let current = path.resolve(file);
  for (;;) {
    try {
      return path.join(await fsp.realpath(current), ...missing.reverse());
    } catch (error) {
      const parent = path.dirname(current);
      if ((errorCode(error) !== 'ENOENT' && errorCode(error) !== 'ENOTDIR') || parent === current) {
        throw error;
      }
      missing.push(path.basename(current));
      current = parent;
    }
  }
}
