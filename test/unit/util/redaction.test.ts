import * as assert from 'node:assert/strict';
import { SecretRegistry } from '../../../src/util/redaction';

describe('redaction: no registered secret leaves in text', () => {
  it('redacts a key and its parts from any text', () => {
    const registry = new SecretRegistry();
    const key = 'abcdef12-3456:0123456789abcdef';
    registry.add(key);
    const redacted = registry.redact(`bad key ${key}; id abcdef12-3456; secret 0123456789abcdef`);
    assert.ok(!redacted.includes('0123456789abcdef'));
    assert.ok(!redacted.includes('abcdef12-3456'));
    assert.match(redacted, /bad key «redacted key»/);
  });

  it('catches the forms an error message may quote it in: URL-encoded, JSON-escaped, Basic, around a control character', () => {
    const registry = new SecretRegistry();
    const key = 'key-id-1234:secret\u0007part-5678';
    registry.add(key);
    registry.add('proxy-user:proxy-password-9');
    for (const text of [
      `Headers.append: "Key ${key}" is an invalid header value.`,
      `detail: ${JSON.stringify(`Key ${key}`)}`,
      `url: https://x.example/?k=${encodeURIComponent(key)}`,
      `Authorization: Basic ${Buffer.from('proxy-user:proxy-password-9').toString('base64')}`,
      'the password proxy-password-9 is wrong',
    ]) {
      const redacted = registry.redact(text);
      for (const secret of ['key-id-1234', 'secret', 'part-5678', 'proxy-password-9', Buffer.from('proxy-user:proxy-password-9').toString('base64')]) {
        assert.ok(!redacted.includes(secret) || secret === 'secret', `${secret} in ${redacted}`);
      }
    }
  });

  it('redacts every string of a nested value and leaves short ordinary words alone', () => {
    const registry = new SecretRegistry();
    registry.add('ab:cdefghijkl');
    const value = registry.redactDeep({ detail: [{ msg: 'ab:cdefghijkl was rejected', loc: ['body', 'prompt'] }], ab: 1 });
    assert.deepEqual(value, { detail: [{ msg: '«redacted key» was rejected', loc: ['body', 'prompt'] }], ab: 1 });
    assert.equal(registry.redact('a cab on the road'), 'a cab on the road');
  });
});
