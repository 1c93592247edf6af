import type * as vscode from 'vscode';
import { l10n } from '../l10n/l10n';

/** The shape fal documents, `<key_id>:<key_secret>`: two non-empty parts around one colon, no spaces or control characters. */
const KEY_SHAPE = /^[^\s:\p{Cc}]+:[^\s:\p{Cc}]+$/u;

/** What the key box says when a value is not of that shape. */
export function keyShapeHint(): string {
  return l10n.t('A fal key is key_id:key_secret: two parts around one colon, with no spaces.');
}
const SECRET_ID = 'animateDiff.falKey';

export function isWellFormedKey(value: string): boolean {
  return KEY_SHAPE.test(value.trim());
}

export type KeySource = 'secretStorage' | 'environment';

export interface ResolvedKey {
  key: string;
  source: KeySource;
}

/** The user's fal key: SecretStorage first, the FAL_KEY environment variable as fallback. Never persisted elsewhere. */
export class ApiKeyStore {
  constructor(private readonly secrets: vscode.SecretStorage, private readonly env: NodeJS.ProcessEnv = process.env) {}

  readonly onDidChange = (listener: () => void): vscode.Disposable =>
    this.secrets.onDidChange((event) => {
      if (event.key === SECRET_ID) {
        listener();
      }
    });

  async resolve(): Promise<ResolvedKey | undefined> {
    const stored = await this.secrets.get(SECRET_ID);
    if (stored && stored.trim() !== '') {
      return { key: stored.trim(), source: 'secretStorage' };
    }
    const fromEnv = this.env.FAL_KEY?.trim();
    // A malformed FAL_KEY (a stray control character, a space) is never sent: an HTTP library would quote it back.
    if (fromEnv && isWellFormedKey(fromEnv)) {
      return { key: fromEnv, source: 'environment' };
    }
    return undefined;
  }

  /** Whether FAL_KEY is set but is not a key (so it is ignored). */
  get environmentKeyIsMalformed(): boolean {
    const fromEnv = this.env.FAL_KEY?.trim();
    return Boolean(fromEnv) && !isWellFormedKey(fromEnv ?? '');
  }

  async hasStoredKey(): Promise<boolean> {
    return Boolean(await this.secrets.get(SECRET_ID));
  }

  async store(key: string): Promise<void> {
    if (!isWellFormedKey(key)) {
      throw new Error(keyShapeHint());
    }
    await this.secrets.store(SECRET_ID, key.trim());
  }

  async clear(): Promise<void> {
    await this.secrets.delete(SECRET_ID);
  }
}
