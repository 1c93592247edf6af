import * as assert from 'node:assert/strict';
import { createScanner, getNodeValue, parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import { JsonScanner, JsonToken, jsonNodeValue, parseJsonTree, type JsonNode, type JsonParse } from '../../../src/params/jsonTree';
import { MAX_NESTING_DEPTH, scanJsonText } from '../../../src/params/jsonText';
import { deeplyNested, jsonSoup, readParamsFixtures, scannerFindsCommentsOrTrailingCommas, seededRandom } from './support';

/**
 * jsonTree.ts stands in for jsonc-parser's parseTree in the checker, so it is held to jsonc-parser's answers: the same
 * tree for every text without errors, and the same first error (code, offset, length) for every text with some.
 */

const PARSE_OPTIONS = { allowTrailingComma: true, disallowComments: false, allowEmptyContent: false };
const SCAN_ERRORS = [undefined, 'UnexpectedEndOfComment', 'UnexpectedEndOfString', 'UnexpectedEndOfNumber', 'InvalidUnicode', 'InvalidEscapeCharacter', 'InvalidCharacter'];

interface Shape {
  type: string;
  offset: number;
  length: number;
  value: unknown;
  children: Shape[] | undefined;
}

/** What a tree says, without its parent links (checked on their own). */
function shapeOf(node: Node | JsonNode): Shape {
  return {
    type: node.type,
    offset: node.offset,
    length: node.length,
    value: node.value as unknown,
    children: node.children?.map((child: Node | JsonNode) => shapeOf(child)),
  };
}

function assertParentLinks(node: JsonNode, context: string): void {
  for (const child of node.children ?? []) {
    assert.equal(child.parent, node, `${context}: a child of the ${node.type} at ${node.offset} links to another parent`);
    assertParentLinks(child, context);
  }
}

/** What jsonc-parser's parseTree says of `text`, as parseJsonTree says it. */
function expectedParse(text: string): { shape: Shape | undefined; error: { code: string; offset: number; length: number } | undefined } {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, PARSE_OPTIONS);
  const first = errors[0];
  return first
    ? { shape: undefined, error: { code: printParseErrorCode(first.error), offset: first.offset, length: first.length } }
    : { shape: root && shapeOf(root), error: undefined };
}

function assertParsesAsJsoncParser(text: string): JsonParse {
  const context = JSON.stringify(text.length > 300 ? `${text.slice(0, 300)}…` : text);
  const expected = expectedParse(text);
  const parsed = parseJsonTree(text);
  if (expected.error) {
    assert.deepEqual(parsed.error, expected.error, `first error of ${context}`);
    assert.equal(parsed.root, undefined, `no tree for ${context}`);
  } else {
    assert.equal(parsed.error, undefined, `no error in ${context}`);
    assert.deepEqual(parsed.root && shapeOf(parsed.root), expected.shape, `tree of ${context}`);
    if (parsed.root) {
      assert.equal(parsed.root.parent, undefined);
      assertParentLinks(parsed.root, context);
    }
  }
  return parsed;
}

/** Pieces of JSON, valid and not, that exercise every branch of the scanner and the parser. */
const PIECES = [
  '{', '}', '[', ']', ':', ',', ' ', '\n', '\r\n', '\r', '\t', '\u00a0', '\uFEFF', '\u2028', '\v',
  '"a"', '"prompt"', '""', '"', '"a\\"b"', '"\\u00e9"', '"\\uD83D\\uDE00"', '"\\u12"', '"\\u12g4"', '"\\x"', '"a\\', '"\\/\\b\\f\\n\\r\\t\\\\"',
  '"a\tb"', '"\u0001"', '"a\nb"', '"\\\nb"',
  '0', '1', '-1', '12.5', '-0', '01', '1.', '-', '-a', '1e', '1e+', '1E-2', '2e5', '0.5e+3', '.5', '+1', '1x',
  'true', 'false', 'null', 'tru', 'nul', 'falsey', 'True', 'undefined', "'a'", "'a b'", 'a-b', '@', '#', '*',
  '//', '// c\n', '/*', '*/', '/* c */', '/**/', '/', '\\',
];

function pieceSoup(random: () => number, maxPieces: number): string {
  const count = Math.floor(random() * (maxPieces + 1));
  let text = '';
  for (let i = 0; i < count; i++) {
    text += PIECES[Math.floor(random() * PIECES.length)];
  }
  return text;
}

function randomJsonValue(random: () => number, depth: number): unknown {
  const pick = Math.floor(random() * (depth > 3 ? 5 : 7));
  switch (pick) {
    case 0:
      return Math.floor(random() * 2000) - 1000;
    case 1:
      return [random() * 1e6, 1e21, -1e-7, 0.1, 2 ** 53 + 2][Math.floor(random() * 5)];
    case 2:
      return ['a fox', '', 'é\u2028"\\/\b\f\n\r\t\u0001', '😀', 'custom_field'][Math.floor(random() * 5)];
    case 3:
      return [true, false][Math.floor(random() * 2)];
    case 4:
      return null;
    case 5:
      return Array.from({ length: Math.floor(random() * 4) }, () => randomJsonValue(random, depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: Math.floor(random() * 4) }, (_, i) => [
        ['prompt', 'seed', 'a', '', 'a\\b', '__proto__'][Math.floor(random() * 6)] + (random() < 0.3 ? String(i) : ''),
        randomJsonValue(random, depth + 1),
      ]));
  }
}

/** Valid JSON with comments and trailing commas put in, at random, where the JSONC parser allows them. */
function randomJsonc(random: () => number): string {
  const text = JSON.stringify(randomJsonValue(random, 0), null, random() < 0.5 ? 2 : undefined) ?? 'null';
  return text
    .replace(/\n/g, () => (random() < 0.1 ? ' // note\n' : '\n'))
    .replace(/([}\]])/g, (close: string) => (random() < 0.1 ? `/* c */${close}` : close))
    .replace(/([0-9"el])(\s*)([}\]])/g, (_, last: string, space: string, close: string) => (random() < 0.2 ? `${last},${space}${close}` : `${last}${space}${close}`));
}

/** `text` with a few characters inserted, deleted or replaced. */
function mutated(random: () => number, text: string): string {
  let result = text;
  for (let edits = 1 + Math.floor(random() * 3); edits > 0; edits--) {
    const at = Math.floor(random() * (result.length + 1));
    const piece = PIECES[Math.floor(random() * PIECES.length)];
    switch (Math.floor(random() * 3)) {
      case 0:
        result = result.slice(0, at) + piece + result.slice(at);
        break;
      case 1:
        result = result.slice(0, at) + result.slice(at + 1 + Math.floor(random() * 3));
        break;
      default:
        result = result.slice(0, at) + piece + result.slice(at + piece.length);
    }
  }
  return result;
}

describe('JSON parse tree (jsonTree.ts)', () => {
  describe('gives what jsonc-parser gives: the same tree, or the same first error', () => {
    it('on the examples of every syntax error', () => {
      const cases: Array<[string, string, number, number]> = [
        ['', 'ValueExpected', 0, 0],
        ['// only a comment', 'ValueExpected', 17, 0],
        ['{', 'CloseBraceExpected', 1, 0],
        ['[1', 'CloseBracketExpected', 2, 0],
        ['{ "a" 1 }', 'ColonExpected', 6, 1],
        ['{ "a": }', 'ValueExpected', 7, 1],
        ['{ "a": 1 "b": 2 }', 'CommaExpected', 9, 3],
        ['{ a: 1 }', 'InvalidSymbol', 2, 1],
        ['{ , }', 'ValueExpected', 2, 1],
        ['{ "a": 1, ] }', 'PropertyNameExpected', 10, 1],
        ['{} {}', 'EndOfFileExpected', 3, 1],
        ['{ "a": 1. }', 'UnexpectedEndOfNumber', 7, 2],
        ['{ "a": 1e+ }', 'UnexpectedEndOfNumber', 7, 3],
        ['{ "a": "b }', 'UnexpectedEndOfString', 7, 4],
        ['{ "a": "\\u12" }', 'InvalidUnicode', 7, 6],
        ['{ "a": "\\x" }', 'InvalidEscapeCharacter', 7, 4],
        ['{ "a": "b\tc" }', 'InvalidCharacter', 7, 5],
        ['{ "a": 1 } /*', 'UnexpectedEndOfComment', 11, 3],
        ["{ 'a': 1 }", 'InvalidSymbol', 2, 3],
        ['{ "a": -x }', 'InvalidSymbol', 7, 1],
      ];
      for (const [text, code, offset, length] of cases) {
        const parsed = assertParsesAsJsoncParser(text);
        assert.deepEqual(parsed.error, { code, offset, length }, JSON.stringify(text));
      }
    });

    it('on comments and trailing commas, which are not errors here', () => {
      const parsed = assertParsesAsJsoncParser('// note\n{ "seed": [1, 2,], /* c */ "prompt": "a fox", }');
      assert.equal(parsed.root?.type, 'object');
      assert.equal(parsed.root?.children?.length, 2);
    });

    it('on the parameter-file fixtures, and on every one of them cut short', () => {
      for (const { name, text } of readParamsFixtures()) {
        assertParsesAsJsoncParser(text);
        for (let end = 0; end < text.length; end += 7) {
          assertParsesAsJsoncParser(text.slice(0, end));
        }
        assert.ok(name);
      }
    });

    it('on random texts of JSON syntax, mostly malformed', () => {
      const random = seededRandom(2024);
      for (let i = 0; i < 6000; i++) {
        assertParsesAsJsoncParser(i % 2 === 0 ? pieceSoup(random, 12) : jsonSoup(random, 30));
      }
    });

    it('on random valid JSON, with and without comments and trailing commas', () => {
      const random = seededRandom(7);
      let withoutErrors = 0;
      for (let i = 0; i < 3000; i++) {
        withoutErrors += assertParsesAsJsoncParser(randomJsonc(random)).root ? 1 : 0;
      }
      assert.equal(withoutErrors, 3000);
    });

    it('on valid JSON with a few characters changed', () => {
      const random = seededRandom(99);
      const fixtures = readParamsFixtures().map((fixture) => fixture.text);
      for (let i = 0; i < 4000; i++) {
        const source = i % 2 === 0 ? randomJsonc(random) : fixtures[i % fixtures.length];
        assertParsesAsJsoncParser(mutated(random, source));
      }
    });
  });

  it('tokenises as jsonc-parser\'s scanner, white space and line breaks aside', () => {
    const random = seededRandom(5);
    for (let i = 0; i < 4000; i++) {
      const text = i % 2 === 0 ? pieceSoup(random, 15) : mutated(random, randomJsonc(random));
      const expected = createScanner(text, false);
      const scanner = new JsonScanner(text);
      for (;;) {
        let kind: number = expected.scan();
        while (kind === 14 || kind === 15) {
          kind = expected.scan();
        }
        const context = `${JSON.stringify(text)} at ${expected.getTokenOffset()}`;
        assert.equal(scanner.scan(), kind, context);
        assert.equal(scanner.tokenOffset, expected.getTokenOffset(), context);
        assert.equal(scanner.tokenLength, expected.getTokenLength(), context);
        assert.equal(scanner.tokenError, SCAN_ERRORS[expected.getTokenError()], context);
        if (kind === JsonToken.string && scanner.tokenError === undefined) {
          assert.equal(scanner.stringValue(), expected.getTokenValue(), context);
        }
        if (kind === JsonToken.end) {
          break;
        }
      }
    }
  });

  it('builds values as getNodeValue does', () => {
    const random = seededRandom(17);
    for (let i = 0; i < 2000; i++) {
      const text = randomJsonc(random);
      const root = parseJsonTree(text).root;
      const expected = parseTree(text, [], PARSE_OPTIONS);
      assert.ok(root && expected);
      assert.deepEqual(jsonNodeValue(root), getNodeValue(expected), text);
    }
    const value = jsonNodeValue(parseJsonTree('{ "__proto__": 1, "a": { "b": [1, "x", null, true] } }').root as JsonNode);
    assert.equal(Object.getPrototypeOf(value), null);
    assert.deepEqual(JSON.parse(JSON.stringify(value)), { ['__proto__']: 1, a: { b: [1, 'x', null, true] } });
  });

  it('reads numbers as Number() does, whole ones of every length and the rest', () => {
    const numbers = ['0', '-0', '7', '-7', '999999999999999', '-999999999999999', '9999999999999999', '12345678901234567890',
      '9007199254740993', '1.5', '-0.25', '1e3', '1E-2', '2.5e+10', '0.1', '123456789012345.6'];
    const root = parseJsonTree(`[${numbers.join(', ')}]`).root;
    assert.ok(root);
    for (const [index, text] of numbers.entries()) {
      assert.ok(Object.is(root.children?.[index]?.value, Number(text)), text);
    }
  });

  it('parses any depth without recursing: 100,000 levels, closed or not', () => {
    const open = deeplyNested(100_000);
    assert.deepEqual(parseJsonTree(open).error, { code: 'CloseBracketExpected', offset: 100_000, length: 0 });
    const closed = parseJsonTree(`${open}${']'.repeat(100_000)}`).root;
    assert.equal(closed?.length, 200_000);
    assert.deepEqual(parseJsonTree(deeplyNested(100_000, '{"a":')).error, { code: 'ValueExpected', offset: 500_000, length: 0 });
  });

  describe('with a depth limit, agrees with scanJsonText on every text it parses or finds too deep', () => {
    function assertAgreesWithScan(text: string, maxDepth: number): void {
      const context = JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text);
      const parsed = parseJsonTree(text, { maxDepth });
      const scan = scanJsonText(text);
      if (parsed.root) {
        assert.ok(scan.depth <= maxDepth, context);
        assert.equal(scan.tooDeepAt, undefined, context);
        assert.equal(parsed.hasCommentsOrTrailingCommas, scannerFindsCommentsOrTrailingCommas(text), context);
      } else if (parsed.tooDeepAt !== undefined) {
        assert.ok(scan.depth > maxDepth, context);
        if (maxDepth === MAX_NESTING_DEPTH) {
          assert.equal(parsed.tooDeepAt, scan.tooDeepAt, context);
        }
      }
    }

    it('at the checker\'s limit, on deep texts valid and not', () => {
      for (const opener of ['[', '{"a":'] as const) {
        assert.deepEqual(parseJsonTree(deeplyNested(100_000, opener), { maxDepth: MAX_NESTING_DEPTH }), { tooDeepAt: MAX_NESTING_DEPTH * opener.length });
      }
      const random = seededRandom(31);
      for (let i = 0; i < 2000; i++) {
        const depth = MAX_NESTING_DEPTH - 2 + Math.floor(random() * 5);
        const text = `${'[// c\n'.repeat(depth)}${i % 3 === 0 ? '1,' : '1'}${']'.repeat(depth)}`;
        assertAgreesWithScan(i % 2 === 0 ? text : mutated(random, text), MAX_NESTING_DEPTH);
      }
    });

    it('at small limits, on random texts', () => {
      const random = seededRandom(37);
      for (let i = 0; i < 6000; i++) {
        const text = i % 3 === 0 ? jsonSoup(random, 30) : i % 3 === 1 ? randomJsonc(random) : mutated(random, randomJsonc(random));
        assertAgreesWithScan(text, Math.floor(random() * 4));
      }
    });
  });

  it('reads a megabyte of keys and values into one shape of node', () => {
    const entries = Array.from({ length: 30_000 }, (_, i) => `"key_${i}": ${i % 3 === 0 ? `"v\\n${i}"` : i}`);
    const text = `{${entries.join(',\n')}}`;
    const root = assertParsesAsJsoncParser(text).root;
    const properties = root?.children ?? [];
    assert.equal(properties.length, 30_000);
    assert.deepEqual(properties[29_999].children?.map((node) => node.value), ['key_29999', 29_999]);
    assert.deepEqual(properties[3].children?.map((node) => node.value), ['key_3', 'v\n3']);
    const fieldsOf = (node: JsonNode) => Object.keys(node).join();
    assert.equal(new Set([root, ...properties, ...properties.flatMap((p) => p.children ?? [])].map((node) => fieldsOf(node as JsonNode))).size, 1);
  });
});
