import * as fs from 'node:fs';
import * as path from 'node:path';

export const repoRoot = path.join(__dirname, '..', '..');

/** Every `%key%` string of `value`, recursively, replaced by its text in `messages` — what VS Code does when it reads the manifest. */
export function resolveNls<T>(value: T, messages: Record<string, string>): T {
  if (typeof value === 'string') {
    const key = /^%([^%]+)%$/.exec(value)?.[1];
    if (key === undefined) {
      return value;
    }
    const message = messages[key];
    if (message === undefined) {
      throw new Error(`package.nls is missing ${key}`);
    }
    return message as T;
  }
  if (Array.isArray(value)) {
    return value.map((item: unknown) => resolveNls(item, messages)) as T;
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolveNls(item as unknown, messages)])) as T;
  }
  return value;
}

/** package.json as VS Code shows it in `locale` (`package.nls.<locale>.json`; English: `package.nls.json`). */
export function localizedManifest<T>(locale?: string): T {
  const read = (file: string): unknown => JSON.parse(fs.readFileSync(path.join(repoRoot, file), 'utf8'));
  const messages = read(locale === undefined ? 'package.nls.json' : `package.nls.${locale}.json`) as Record<string, string>;
  return resolveNls(read('package.json') as T, messages);
}
