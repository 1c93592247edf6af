import * as assert from 'node:assert/strict';
import { applyParamEdits, capDiagnostics, MAX_DIAGNOSTICS_PER_FILE, type ParamDiagnostic, type ParamTextEdit } from '../../../src/params/diagnostics';
import { MAX_NESTING_DEPTH } from '../../../src/params/jsonText';
import { validateParamsText } from '../../../src/params/validate';
import { assertWithinText, deeplyNested } from './support';

/** A file of `prompt` and then numbered keys no endpoint has, about `size` characters long. */
function unknownKeysFile(size: number): { text: string; keys: number } {
  const parts = ['{\n  "prompt": "a fox"'];
  let length = parts[0].length;
  let keys = 0;
  while (length < size) {
    const part = `,\n  "custom_field_${keys}": ${keys}`;
    parts.push(part);
    length += part.length;
    keys++;
  }
  return { text: `${parts.join('')}\n}\n`, keys };
}

function assertCapped(text: string, diagnostics: readonly ParamDiagnostic[], problems: number): void {
  assert.equal(diagnostics.length, MAX_DIAGNOSTICS_PER_FILE, diagnostics.slice(0, 3).map((d) => `${d.code}: ${d.message.slice(0, 200)}`).join('\n'));
  const last = diagnostics[diagnostics.length - 1];
  assert.equal(last.code, 'too-many-problems');
  const more = problems - (MAX_DIAGNOSTICS_PER_FILE - 1);
  assert.equal(last.message, `…and ${more.toLocaleString('en-US')} more problems: only the first ${MAX_DIAGNOSTICS_PER_FILE - 1} are listed. Fix these first.`);
  assertWithinText(text, diagnostics, 'capped');
  for (let i = 1; i < diagnostics.length; i++) {
    assert.ok(diagnostics[i - 1].offset <= diagnostics[i].offset, 'in text order');
  }
}

describe('parameter files of any size and shape', () => {
  it('checks a megabyte of unknown keys, listing the first ones and counting the rest', () => {
    const { text, keys } = unknownKeysFile(1024 * 1024);
    const result = validateParamsText(text);
    assertCapped(text, result.diagnostics, keys);
    // The listed ones are exactly what a small file gets for the same keys: message, place and fixes.
    const listed = result.diagnostics.slice(0, -1);
    listed.forEach((diagnostic, index) => {
      assert.equal(diagnostic.code, 'unknown-key');
      assert.equal(diagnostic.message, `Unknown key "custom_field_${index}": turbo text-to-video has no such input, so it is not sent to fal.`);
      assert.equal(text.slice(diagnostic.offset, diagnostic.offset + diagnostic.length), `"custom_field_${index}"`);
      assert.deepEqual(diagnostic.fixes?.map((fix) => fix.title), [`Remove "custom_field_${index}"`]);
    });
    const small = validateParamsText('{\n  "prompt": "a fox",\n  "custom_field_0": 0,\n  "custom_field_1": 1\n}\n');
    assert.deepEqual(result.diagnostics[0].fixes, small.diagnostics[0].fixes);
    // The one left: the first of those not listed, as severe as the worst of them.
    const summary = result.diagnostics[result.diagnostics.length - 1];
    assert.equal(text.slice(summary.offset, summary.offset + summary.length), `"custom_field_${MAX_DIAGNOSTICS_PER_FILE - 1}"`);
    assert.equal(summary.severity, 'warning');
    assert.equal(result.errorCount, 0);
    assert.deepEqual(result.params, { endpoint: 'fal-ai/fast-animatediff/turbo/text-to-video', prompt: 'a fox' });
  });

  it('counts the errors it does not list, and the summary is an error when one of them is', () => {
    const keys = Array.from({ length: 150 }, (_, i) => `"k${i}": 1, "k${i}": 2`).join(', ');
    const text = `{ "prompt": "a fox", ${keys} }`;
    const result = validateParamsText(text);
    // Each key: one duplicate-key error (its first copy) and one unknown-key warning (at the same copy).
    assertCapped(text, result.diagnostics, 300);
    assert.equal(result.errorCount, 150);
    assert.equal(result.diagnostics[result.diagnostics.length - 1].severity, 'error');
    assert.equal(result.params, undefined);
  });

  it('lists the same first problems whatever order the schema reports them in', () => {
    // Integer-like keys come first in a JavaScript object, not in the file.
    const keys = Array.from({ length: 200 }, (_, i) => `"${i % 2 === 0 ? `k${i}` : i}": 0`).join(', ');
    const text = `{ "prompt": "a fox", ${keys} }`;
    const result = validateParamsText(text);
    assertCapped(text, result.diagnostics, 200);
    const named = result.diagnostics.slice(0, 6).map((d) => text.slice(d.offset, d.offset + d.length));
    assert.deepEqual(named, ['"k0"', '"1"', '"k2"', '"3"', '"k4"', '"5"']);
  });

  it('caps comments, trailing commas and bad values like any other problem', () => {
    const comments = `{ "prompt": "a fox" ${'/**/ '.repeat(50_000)}}`;
    assertCapped(comments, validateParamsText(comments).diagnostics, 50_000);
    const commas = `{ "prompt": "a fox", "notes": [${'[1,], '.repeat(30_000)}0] }`;
    const trailing = validateParamsText(commas).diagnostics;
    // The unknown key "notes", then a trailing comma in each list.
    assertCapped(commas, trailing, 30_001);
    assert.deepEqual(trailing.slice(0, 3).map((d) => d.code), ['unknown-key', 'json-trailing-comma', 'json-trailing-comma']);
    const motions = `{ "prompt": "a fox", "motions": [${'"zoom_in", '.repeat(20_000)}"pan-left"] }`;
    const result = validateParamsText(motions);
    assertCapped(motions, result.diagnostics, 20_000);
    assert.match(result.diagnostics[98].message, /^"motions\[98\]" must be one of .* Did you mean "zoom-in"\?$/);
    assert.equal(result.diagnostics[98].fixes?.[0].title, 'Change to "zoom-in"');
  });

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
        assert.equal(result.errorCount, 1);
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

  it('applies many edits in one pass, as one edit after another would', () => {
    const text = 'abcdefghij'.repeat(1000);
    const edits: ParamTextEdit[] = Array.from({ length: 2000 }, (_, i) => ({ offset: i * 5, length: i % 3 === 0 ? 0 : 2, newText: `<${i}>` }));
    let oneByOne = text;
    for (const edit of [...edits].reverse()) {
      oneByOne = oneByOne.slice(0, edit.offset) + edit.newText + oneByOne.slice(edit.offset + edit.length);
    }
    assert.equal(applyParamEdits(text, edits), oneByOne);
    assert.equal(applyParamEdits('abc', [{ offset: 1, length: 1, newText: 'X' }, { offset: 1, length: 0, newText: 'Y' }]), 'aYXc');
    assert.equal(applyParamEdits('abc', [{ offset: 1, length: 0, newText: '1' }, { offset: 1, length: 0, newText: '2' }]), 'a21bc');
  });

  it('caps a list of diagnostics from elsewhere (a run\'s) the same way', () => {
    const diagnostics: ParamDiagnostic[] = Array.from({ length: 250 }, (_, i) => ({
      offset: 1000 - i, length: 1, severity: i === 0 ? 'error' : 'information', code: 'fal-rejected', message: `problem ${i}`,
    }));
    const capped = capDiagnostics(diagnostics);
    assert.equal(capped.length, MAX_DIAGNOSTICS_PER_FILE);
    assert.equal(capped[0].message, 'problem 249');
    assert.equal(capped[capped.length - 1].message, '…and 151 more problems: only the first 99 are listed. Fix these first.');
    assert.equal(capped[capped.length - 1].severity, 'error');
    assert.equal(capDiagnostics(diagnostics.slice(0, 100)).length, 100);
  });
});
