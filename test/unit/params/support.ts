import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
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
