import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatMessage } from '../../../src/l10n/l10n';

const repoRoot = path.join(__dirname, '..', '..', '..', '..');
/** The translations shipped besides English; the pseudo-locale (qps-ploc) is made by the UI tests, not committed. */
const LOCALES = ['zh-cn', 'ja'];

type Messages = Record<string, string | { message: string; comment?: string[] }>;

function read(file: string): Messages {
  return JSON.parse(fs.readFileSync(path.join(repoRoot, file), 'utf8')) as Messages;
}

function textOf(message: Messages[string]): string {
  return typeof message === 'string' ? message : message.message;
}

/** `{0}`, `{1}`… and the product names a translation must keep as they are. */
function kept(text: string): string[] {
  const placeholders = text.match(/\{\d+\}/g) ?? [];
  const names = ['FAL_KEY', '.animate.json', 'key_id:key_secret'].filter((name) => text.includes(name));
  return [...new Set([...placeholders, ...names])].sort();
}

function assertTranslates(english: Messages, translated: Messages, file: string): void {
  assert.deepEqual(Object.keys(translated).sort(), Object.keys(english).sort(), `${file} has exactly the English keys`);
  for (const [key, message] of Object.entries(english)) {
    const translation = textOf(translated[key]);
    assert.ok(translation.trim() !== '', `${file}: ${JSON.stringify(key)} is translated`);
    assert.deepEqual(kept(translation), kept(textOf(message)), `${file}: ${JSON.stringify(key)} keeps its placeholders and names`);
  }
}

describe('localisation bundles', () => {
  it('every locale\'s bundle has exactly the English messages, with their placeholders', () => {
    const english = read('l10n/bundle.l10n.json');
    for (const locale of LOCALES) {
      assertTranslates(english, read(`l10n/bundle.l10n.${locale}.json`), `l10n/bundle.l10n.${locale}.json`);
    }
  });

  it('every locale\'s package.nls has exactly the English manifest strings, with their placeholders', () => {
    const english = read('package.nls.json');
    for (const locale of LOCALES) {
      assertTranslates(english, read(`package.nls.${locale}.json`), `package.nls.${locale}.json`);
    }
  });

  it('the English bundle is what `npm run l10n` exports from the sources now', async function () {
    this.timeout(180_000);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { exportBundle } = require(path.join(repoRoot, 'l10n.js')) as { exportBundle(write?: boolean): Promise<Messages> };
    const exported = await exportBundle(false);
    assert.deepEqual(Object.keys(exported).sort(), Object.keys(read('l10n/bundle.l10n.json')).sort(), 'run `npm run l10n` and translate what changed');
  });

  it('English messages are filled in as vscode.l10n.t fills them', () => {
    assert.equal(formatMessage('{0} of {1} videos', [2, 3]), '2 of 3 videos');
    assert.equal(formatMessage('{0} and {0}', ['a']), 'a and a');
    assert.equal(formatMessage('{1} missing', ['a']), '{1} missing');
  });
});
