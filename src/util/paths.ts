import * as nodePath from 'node:path';

/**
 * Whether `file` is `folder` or inside it, by their names alone (both absolute and normalised; symbolic links are
 * not followed: see files/containment.ts). `pathApi` is `path.posix` for URI paths.
 */
export function isInsideFolder(file: string, folder: string, pathApi: nodePath.PlatformPath = nodePath): boolean {
  const relative = pathApi.relative(folder, file);
  return relative === '' || (relative !== '..' && !relative.startsWith(`..${pathApi.sep}`) && !pathApi.isAbsolute(relative));
}
