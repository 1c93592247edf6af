/**
 * The one place that keeps secrets out of what the extension shows or writes: every text leaving it —
 * notifications, the log, diagnostics, webview messages, history entries, result records, dry runs — passes through
 * {@link redact}. Secrets are registered as they are met (the fal key when it is read or stored, a proxy's
 * password), so an error that echoes one (fal's answer, the HTTP library's message) is caught wherever it goes.
 */

/** Parts shorter than this are not redacted on their own: they would mangle ordinary words. */
const MIN_PART_LENGTH = 8;
/** A whole secret this short is no secret worth the damage to ordinary text. */
const MIN_SECRET_LENGTH = 3;

export class SecretRegistry {
  /** Longest first, so a whole key is replaced before its parts. */
  private secrets: Array<{ text: string; replacement: string }> = [];

  /** Registers a fal key (`key_id:key_secret`) or any credential, with its parts and their encoded forms. */
  add(secret: string | undefined): void {
    if (!secret) {
      return;
    }
    const forms = new Map<string, string>();
    const whole = (text: string) => {
      if (text.length >= MIN_SECRET_LENGTH) {
        forms.set(text, '«redacted key»');
      }
    };
    const part = (text: string) => {
      if (text.length >= MIN_PART_LENGTH && !forms.has(text)) {
        forms.set(text, '«redacted»');
      }
    };
    for (const variant of [secret, secret.trim()]) {
      whole(variant);
      whole(encodeURIComponent(variant));
      whole(JSON.stringify(variant).slice(1, -1));
      whole(Buffer.from(variant, 'utf8').toString('base64'));
      // The key id and secret alone, and the pieces around any character an error message might escape or cut at.
      for (const piece of variant.split(/[:\s\p{Cc}"'\\]+/u)) {
        part(piece);
        part(encodeURIComponent(piece));
      }
    }
    for (const [text, replacement] of forms) {
      if (!this.secrets.some((known) => known.text === text)) {
        this.secrets.push({ text, replacement });
      }
    }
    this.secrets.sort((a, b) => b.text.length - a.text.length);
  }

  redact(text: string): string {
    let result = text;
    for (const { text: secret, replacement } of this.secrets) {
      if (result.includes(secret)) {
        result = result.split(secret).join(replacement);
      }
    }
    return result;
  }

  /** A copy of `value` with every string in it redacted (for messages and records with nested text). */
  redactDeep<T>(value: T): T {
    if (this.secrets.length === 0) {
      return value;
    }
    return this.redactValue(value, 0) as T;
  }

  clear(): void {
    this.secrets = [];
  }

  private redactValue(value: unknown, depth: number): unknown {
    if (typeof value === 'string') {
      return this.redact(value);
    }
    if (depth > 32 || typeof value !== 'object' || value === null) {
      return value;
    }
    if (Array.isArray(value)) {
      return value.map((item) => this.redactValue(item, depth + 1));
    }
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, this.redactValue(item, depth + 1)]));
  }
}

/** The extension's registry: one per extension host. */
export const secrets = new SecretRegistry();

export function redact(text: string): string {
  return secrets.redact(text);
}
