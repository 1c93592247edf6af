import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { createScanner } from 'jsonc-parser';
import type { ParamDiagnostic } from '../../../src/params/diagnostics';

/** test/fixtures/params, from test/unit/params or out/test/unit/params. */
export function paramsFixturesDir(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'test', 'fixtures', 'params');
    try {
      readdirSync(candidate);
      return candidate;
    } catch {
      dir = path.dirname(dir);
    }
  }
  throw new Error(`test/fixtures/params not found above ${__dirname}`);
}

export function readParamsFixtures(): Array<{ name: string; text: string }> {
  const dir = paramsFixturesDir();
  return readdirSync(dir)
    .filter((name) => name.endsWith('.animate.json'))
    .sort()
    .map((name) => ({ name, text: readFileSync(path.join(dir, name), 'utf8') }));
}

/**
 * A file written with its expected range marked: `{ "num_frames": ⟦64⟧ }` is the text without the
 * brackets plus the range they enclose.
 */
export function marked(source: string): { text: string; offset: number; length: number } {
  const start = source.indexOf('⟦');
  const end = source.indexOf('⟧');
  assert.ok(start >= 0 && end > start, `no ⟦range⟧ in ${source}`);
  return { text: source.slice(0, start) + source.slice(start + 1, end) + source.slice(end + 1), offset: start, length: end - start - 1 };
}

/** 1-based line:column of an offset, for failure messages a person can read. */
export function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return `${line}:${offset - before.lastIndexOf('\n')}`;
}

export function describeDiagnostics(text: string, diagnostics: readonly ParamDiagnostic[]): string {
  return diagnostics
    .map((d) => `  ${d.severity} ${d.code} at ${lineColumn(text, d.offset)} ${JSON.stringify(text.slice(d.offset, d.offset + d.length))}: ${d.message}`)
    .join('\n') || '  (none)';
}

export function assertWithinText(text: string, diagnostics: readonly ParamDiagnostic[], context: string): void {
  for (const d of diagnostics) {
    assert.ok(
      Number.isInteger(d.offset) && Number.isInteger(d.length) && d.offset >= 0 && d.length >= 0 && d.offset + d.length <= text.length,
      `${context}: diagnostic ${d.code} at ${d.offset}+${d.length} lies outside the text (length ${text.length})`,
    );
    for (const fix of d.fixes ?? []) {
      for (const edit of fix.edits) {
        assert.ok(edit.offset >= 0 && edit.length >= 0 && edit.offset + edit.length <= text.length, `${context}: fix "${fix.title}" edits outside the text`);
      }
    }
  }
}

/** mulberry32: a small seeded generator, so generated inputs are the same on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Texts of up to `maxPieces` pieces of JSON syntax in random order: brackets, strings, comments, escapes, line breaks. */
export function jsonSoup(random: () => number, maxPieces: number): string {
  const pieces = ['[', ']', '{', '}', '"', '"a"', ':', ',', ', ', '/', '//', '/*', '*/', '*', '\\', '\\"', '\n', '\r\n', ' ', '\t', '1', 'true', '\u00a0', '\uFEFF'];
  const count = Math.floor(random() * (maxPieces + 1));
  let text = '';
  for (let i = 0; i < count; i++) {
    text += pieces[Math.floor(random() * pieces.length)];
  }
  return text;
}

/** `[[[…` or `{"a":{"a":…`: nested `levels` deep and never closed, as a file cut short or made to break parsers. */
export function deeplyNested(levels: number, opener: '[' | '{"a":' = '['): string {
  return opener.repeat(levels);
}

/** Whether jsonc-parser's scanner finds a comment, or a comma whose next token closes a list or object. */
export function scannerFindsCommentsOrTrailingCommas(text: string): boolean {
  const scanner = createScanner(text, false);
  let afterComma = false;
  for (let kind: number = scanner.scan(); kind !== 17; kind = scanner.scan()) {
    if (kind === 12 || kind === 13 || (afterComma && (kind === 2 || kind === 4))) {
      return true;
    }
    if (kind !== 14 && kind !== 15) {
      afterComma = kind === 5;
    }
  }
  return false;
}
