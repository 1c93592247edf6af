import * as assert from 'node:assert/strict';
import { MAX_NESTING_DEPTH } from '../../../src/params/jsonText';
import { validateParamsText } from '../../../src/params/validate';
import { deeplyNested } from './support';

describe('parameter files of any size and shape', () => {
  describe('nesting', () => {
    for (const opener of ['[', '{"a":'] as const) {
      it(`says where ${opener} is nested too deeply, without throwing, 100,000 levels deep`, () => {
        const text = deeplyNested(100_000, opener);
        let result: ReturnType<typeof validateParamsText> | undefined;
        assert.doesNotThrow(() => {
          result = validateParamsText(text);
        });
        assert.ok(result);
        assert.equal(result.diagnostics.length, 1);
        const [diagnostic] = result.diagnostics;
        assert.equal(diagnostic.code, 'nested-too-deeply');
        assert.equal(diagnostic.severity, 'error');
        assert.equal(diagnostic.offset, MAX_NESTING_DEPTH * opener.length);
        assert.equal(diagnostic.length, 1);
        assert.match(diagnostic.message, new RegExp(`nested too deeply here \\(more than ${MAX_NESTING_DEPTH} levels\\)`));
      });
    }

    it('accepts nesting up to the limit under an unknown key, and refuses one level more', () => {
      const nested = (levels: number) => `{ "prompt": "a fox", "notes": ${'['.repeat(levels - 1)}${']'.repeat(levels - 1)} }`;
      const within = validateParamsText(nested(MAX_NESTING_DEPTH));
      assert.deepEqual(within.diagnostics.map((d) => d.code), ['unknown-key']);
      assert.ok(within.params);
      const beyond = validateParamsText(nested(MAX_NESTING_DEPTH + 1));
      assert.deepEqual(beyond.diagnostics.map((d) => d.code), ['nested-too-deeply']);
      assert.equal(beyond.params, undefined);
    });

    it('does not count brackets in strings or comments', () => {
      const text = `{ "prompt": "${'['.repeat(1000)}" /* ${'{'.repeat(1000)} */ }`;
      assert.deepEqual(validateParamsText(text).diagnostics.map((d) => d.code), ['json-comment']);
    });
  });
});
