import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { errorCode } from './durableFs';

/* Where a path really is, symbolic links followed: results and uploads never leave the workspace. */

/** More links than this on one path is a loop. */
const MAX_LINKS = 40;

/**
 * Where `file` really is once symbolic links are followed: the real path of its nearest existing ancestor joined
 * with the part that does not exist yet — and a dangling link counts as where it points, so a link to a missing
 * place outside the workspace is seen as outside before anything is written through it.
 */
export async function realPathOf(file: string, links = 0): Promise<string> {
  if (links > MAX_LINKS) {
    throw new Error(`${file} goes through more than ${MAX_LINKS} symbolic links`);
  }
  const missing: string[] = [];
  let current = path.resolve(file);
  for (;;) {
    try {
      return path.join(await fsp.realpath(current), ...[...missing].reverse());
    } catch (error) {
      const parent = path.dirname(current);
      if ((errorCode(error) !== 'ENOENT' && errorCode(error) !== 'ENOTDIR') || parent === current) {
        throw error;
      }
      const link = await fsp.readlink(current).catch(() => undefined);
      if (link !== undefined) {
        return realPathOf(path.join(path.resolve(parent, link), ...[...missing].reverse()), links + 1);
      }
      missing.push(path.basename(current));
      current = parent;
    }
  }
}
