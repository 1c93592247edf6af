import * as assert from 'node:assert/strict';
import { buildContentSecurityPolicy, createNonce, remoteOriginOf, type ContentSecurityPolicyInput } from '../../../src/panel/csp';

const CSP_SOURCE = 'https://*.vscode-cdn.net';

function directives(policy: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const directive of policy.split(';').map((part) => part.trim()).filter(Boolean)) {
    const [name, ...sources] = directive.split(/\s+/);
    assert.ok(!map.has(name), `directive ${name} appears once`);
    map.set(name, sources);
  }
  return map;
}

function policyFor(overrides: Partial<ContentSecurityPolicyInput> = {}): Map<string, string[]> {
  return directives(buildContentSecurityPolicy({ cspSource: CSP_SOURCE, nonce: createNonce(), mediaOrigins: [], localMedia: false, ...overrides }));
}

describe('panel CSP', () => {
  it('denies everything by default and allows scripts only with the nonce', () => {
    const nonce = createNonce();
    const policy = policyFor({ nonce, mediaOrigins: ['https://v3.fal.media'] });
    assert.deepEqual(policy.get('default-src'), ["'none'"]);
    assert.deepEqual(policy.get('script-src'), [`'nonce-${nonce}'`]);
    assert.deepEqual(policy.get('style-src'), [CSP_SOURCE]);
    assert.deepEqual(policy.get('img-src'), [CSP_SOURCE]);
    assert.deepEqual([...policy.keys()].sort(), ['default-src', 'img-src', 'media-src', 'script-src', 'style-src']);
  });

  it('never contains unsafe keywords, wildcards of its own, data: or self', () => {
    const text = buildContentSecurityPolicy({ cspSource: CSP_SOURCE, nonce: createNonce(), mediaOrigins: ['https://v3.fal.media', 'http://127.0.0.1:4567'], localMedia: true });
    for (const forbidden of ["'unsafe-inline'", "'unsafe-eval'", "'self'", 'data:', 'blob:', ' * ', 'connect-src', 'frame-src']) {
      assert.ok(!text.includes(forbidden), `${forbidden} is not in ${text}`);
    }
  });

  it('lists exactly the given media origins, once each', () => {
    const policy = policyFor({ mediaOrigins: ['https://v3.fal.media', 'http://127.0.0.1:4567', 'https://v3.fal.media'] });
    assert.deepEqual(policy.get('media-src'), ['http://127.0.0.1:4567', 'https://v3.fal.media']);
  });

  it('adds the webview source to media-src only for a local copy', () => {
    assert.deepEqual(policyFor({ localMedia: true }).get('media-src'), [CSP_SOURCE]);
    assert.deepEqual(policyFor({ localMedia: true, mediaOrigins: ['https://v3.fal.media'] }).get('media-src'), ['https://v3.fal.media', CSP_SOURCE]);
    assert.deepEqual(policyFor({ mediaOrigins: ['https://v3.fal.media'] }).get('media-src'), ['https://v3.fal.media']);
  });

  it('leaves media to default-src none when no video is shown', () => {
    assert.equal(policyFor().has('media-src'), false);
  });

  it('rejects anything that is not an exact http(s) origin', () => {
    for (const bad of [
      'https://v3.fal.media/files/video.mp4',
      'https://v3.fal.media/',
      'v3.fal.media',
      'file:///tmp/video.mp4',
      'data:video/mp4;base64,AAAA',
      "https://v3.fal.media; script-src 'unsafe-inline'",
      'https://v3.fal.media https://evil.example',
      '*',
    ]) {
      assert.throws(() => policyFor({ mediaOrigins: [bad] }), TypeError, bad);
    }
  });

  it('rejects a nonce that is not base64 of enough random bits', () => {
    for (const bad of ['', 'abc', "abcdefghijklmnopqrstuv' 'unsafe-inline", String(Date.now())]) {
      assert.throws(() => policyFor({ nonce: bad }), TypeError, bad);
    }
  });

  it('rejects a cspSource that could add directives', () => {
    assert.throws(() => policyFor({ cspSource: "https://x.example; script-src 'unsafe-inline'" }), TypeError);
  });
});

describe('createNonce', () => {
  it('is base64 of 16 random bytes', () => {
    const nonce = createNonce();
    assert.match(nonce, /^[A-Za-z0-9+/]{22}==$/);
    assert.equal(Buffer.from(nonce, 'base64').length, 16);
  });

  it('differs on every call', () => {
    const nonces = new Set(Array.from({ length: 1000 }, () => createNonce()));
    assert.equal(nonces.size, 1000);
  });
});

describe('remoteOriginOf', () => {
  it('gives the exact origin of http(s) URLs', () => {
    assert.equal(remoteOriginOf('https://v3.fal.media/files/monkey/abc.mp4?x=1'), 'https://v3.fal.media');
    assert.equal(remoteOriginOf('http://127.0.0.1:4567/files/clip.mp4'), 'http://127.0.0.1:4567');
    assert.equal(remoteOriginOf('https://V3.FAL.MEDIA:443/a.mp4'), 'https://v3.fal.media');
  });

  it('gives nothing for other schemes and garbage', () => {
    for (const other of ['file:///tmp/a.mp4', 'data:video/mp4;base64,AA', 'vscode-resource:/a.mp4', 'not a url', '']) {
      assert.equal(remoteOriginOf(other), undefined, other);
    }
  });
});
