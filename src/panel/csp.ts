import { randomBytes } from 'node:crypto';

/**
 * The video panel's Content Security Policy, built in this one place. Pure (no `vscode` import) so it is
 * tested on Node.
 */

export interface ContentSecurityPolicyInput {
  /** `webview.cspSource`: where the panel's own script, stylesheet, icons and local video copies come from. */
  readonly cspSource: string;
  /** A fresh value from {@link createNonce} for every render. */
  readonly nonce: string;
  /** Exact `scheme://host[:port]` origins of the remote videos shown, e.g. `https://v3.fal.media`. */
  readonly mediaOrigins: readonly string[];
  /** Whether a local copy (a webview resource URI) is shown, which puts `cspSource` into `media-src`. */
  readonly localMedia: boolean;
}

/** 128 random bits from the OS's CSPRNG, base64 — never derived from the clock. */
export function createNonce(): string {
  return randomBytes(16).toString('base64');
}

/** The origin of an http(s) URL, or undefined for anything else (a local file, a data: URI, garbage). */
export function remoteOriginOf(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.origin : undefined;
}

const NONCE_PATTERN = /^[A-Za-z0-9+/]{16,}={0,2}$/;

function assertOrigin(origin: string): void {
  if (remoteOriginOf(origin) !== origin) {
    throw new TypeError(`Not an exact http(s) origin: ${JSON.stringify(origin)}`);
  }
}

export function buildContentSecurityPolicy(input: ContentSecurityPolicyInput): string {
  if (!NONCE_PATTERN.test(input.nonce)) {
    throw new TypeError('The CSP nonce must be base64 of at least 96 random bits.');
  }
  if (!input.cspSource.trim() || /[;,\r\n]/.test(input.cspSource)) {
    throw new TypeError(`Unexpected webview cspSource: ${JSON.stringify(input.cspSource)}`);
  }
  input.mediaOrigins.forEach(assertOrigin);

  const mediaSources = [...new Set(input.mediaOrigins)].sort();
  if (input.localMedia) {
    mediaSources.push(input.cspSource);
  }
  const directives = [
    `default-src 'none'`,
    `script-src 'nonce-${input.nonce}'`,
    `style-src ${input.cspSource}`,
    `img-src ${input.cspSource}`,
  ];
  // With no video shown, media stays under default-src 'none'.
  if (mediaSources.length > 0) {
    directives.push(`media-src ${mediaSources.join(' ')}`);
  }
  return directives.join('; ');
}
