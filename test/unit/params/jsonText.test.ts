import * as assert from 'node:assert/strict';
import { parseTree, visit } from 'jsonc-parser';
import { MAX_NESTING_DEPTH, objectStartOffset, parseTreeWithinDepth, scanJsonText } from '../../../src/params/jsonText';
import { deeplyNested, jsonSoup, scannerFindsCommentsOrTrailingCommas, seededRandom } from './support';

/** The deepest recursion of jsonc-parser's parser on `text`. */
function parserDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  const enter = () => {
    deepest = Math.max(deepest, ++depth);
  };
  const leave = () => {
    depth--;
  };
  visit(text, { onObjectBegin: enter, onArrayBegin: enter, onObjectEnd: leave, onArrayEnd: leave }, { allowTrailingComma: true });
  return deepest;
}

describe('linear scans of parameter file text', () => {
  describe('nesting depth', () => {
    it('counts the levels of lists and objects, not brackets inside strings or comments', () => {
      assert.equal(scanJsonText('{ "video_size": { "width": 512 }, "seed": [1, 2] }').depth, 2);
      assert.equal(scanJsonText('{ "prompt": "[[[{{{", "a": "\\"[" } // [[[\n/* {{{ */').depth, 1);
      assert.equal(scanJsonText('').depth, 0);
    });

    it('stops at the first bracket beyond the limit and says where it is', () => {
      const levels = MAX_NESTING_DEPTH + 1;
      for (const opener of ['[', '{"a":'] as const) {
        const text = deeplyNested(100_000, opener);
        const scan = scanJsonText(text);
        assert.equal(scan.depth, levels);
        assert.equal(scan.tooDeepAt, (levels - 1) * opener.length);
        assert.equal(parseTreeWithinDepth(text, []), undefined);
      }
      assert.equal(scanJsonText(deeplyNested(MAX_NESTING_DEPTH)).tooDeepAt, undefined);
      assert.equal(scanJsonText(`${'['.repeat(MAX_NESTING_DEPTH)}${']'.repeat(MAX_NESTING_DEPTH)}`.repeat(3)).tooDeepAt, undefined);
    });

    it('is never lower than the depth jsonc-parser recurses to, on any text', () => {
      const random = seededRandom(7);
      for (let i = 0; i < 5000; i++) {
        const text = jsonSoup(random, 80);
        const scan = scanJsonText(text);
        assert.ok(scan.depth >= parserDepth(text), `scan ${scan.depth} < parser ${parserDepth(text)}: ${JSON.stringify(text)}`);
      }
    });

    it('parses a text within the limit as parseTree does', () => {
      const text = '{ "prompt": "a fox", "seed": [1, 2] }';
      assert.deepEqual(parseTreeWithinDepth(text, []), parseTree(text, []));
    });
  });

  it('never says "no comments or trailing commas" of a text that has some', () => {
    const random = seededRandom(11);
    let clean = 0;
    for (let i = 0; i < 5000; i++) {
      const text = jsonSoup(random, 40);
      if (!scanJsonText(text).mayHaveCommentsOrTrailingCommas) {
        clean++;
        assert.ok(!scannerFindsCommentsOrTrailingCommas(text), JSON.stringify(text));
      }
    }
    assert.ok(clean > 500, `only ${clean} texts without comments were generated`);
    assert.equal(scanJsonText('{\n  "prompt": "a/b // c",\n  "seed": [1, 2]\n}').mayHaveCommentsOrTrailingCommas, false);
    assert.equal(scanJsonText('{ "seed": [1, 2,\n] }').mayHaveCommentsOrTrailingCommas, true);
  });

  describe('the top of the object (where the lenses go)', () => {
    it('is the opening brace after white space and comments, else the start', () => {
      assert.equal(objectStartOffset('{ "prompt": "a fox" }'), 0);
      assert.equal(objectStartOffset('// note\n\n  { "prompt": "a fox" }'), 11);
      assert.equal(objectStartOffset('\uFEFF{ "prompt": "a fox" }'), 1);
      assert.equal(objectStartOffset('  ["a fox"]'), 0);
      assert.equal(objectStartOffset(''), 0);
    });

    it('is where parseTree puts the root object', () => {
      const random = seededRandom(13);
      for (let i = 0; i < 3000; i++) {
        const text = jsonSoup(random, 30);
        const root = parseTree(text, [], { allowTrailingComma: true });
        assert.equal(objectStartOffset(text), root?.type === 'object' ? root.offset : 0, JSON.stringify(text));
      }
    });

    it('does not throw on a file nested 100,000 levels deep', () => {
      assert.equal(objectStartOffset(deeplyNested(100_000)), 0);
      assert.equal(objectStartOffset(deeplyNested(100_000, '{"a":')), 0);
    });
  });
});
