import { modify } from 'jsonc-parser';
import type { JsonNode } from './jsonTree';
import { scanJsonText } from './jsonText';
import { formatCount } from '../util/text';
import { l10n } from '../l10n/l10n';

/**
 * Diagnostics on a parameter file's text, as plain offsets so they unit-test on Node. The VS Code
 * layer turns offsets into ranges with `document.positionAt` and fixes into `WorkspaceEdit`s.
 */

export type ParamSeverity = 'error' | 'warning' | 'information';

/** Replace `length` characters at `offset` with `newText` (length 0 inserts, empty text deletes). */
export interface ParamTextEdit {
  offset: number;
  length: number;
  newText: string;
}

export interface ParamFix {
  title: string;
  edits: ParamTextEdit[];
  /** The fix to apply with "Fix all"/auto-fix; at most one per diagnostic. */
  preferred?: boolean;
}

export type ParamDiagnosticCode =
  | 'empty-file'
  | 'json-syntax'
  | 'json-comment'
  | 'json-trailing-comma'
  | 'not-an-object'
  | 'duplicate-key'
  | 'missing-key'
  | 'invalid-type'
  | 'out-of-range'
  | 'invalid-value'
  | 'unknown-key'
  | 'wrong-endpoint-key'
  | 'conflicting-keys'
  | 'recommended-range'
  | 'fal-rejected'
  | 'nested-too-deeply'
  | 'too-many-problems'
  | 'internal-error';

export interface ParamDiagnostic {
  offset: number;
  length: number;
  severity: ParamSeverity;
  message: string;
  code: ParamDiagnosticCode;
  fixes?: ParamFix[];
}

/**
 * Applies edits that do not overlap (as one fix's edits never do), copying the text once. Of edits at the same
 * offset, an insertion goes before a replacement, and a later insertion before an earlier one.
 */
export function applyParamEdits(text: string, edits: readonly ParamTextEdit[]): string {
  const inOrder = edits
    .map((edit, order) => ({ edit, order }))
    .sort((a, b) => a.edit.offset - b.edit.offset || a.edit.length - b.edit.length || b.order - a.order);
  const pieces: string[] = [];
  let copied = 0;
  for (const { edit } of inOrder) {
    pieces.push(text.slice(copied, Math.max(copied, edit.offset)), edit.newText);
    copied = Math.max(copied, edit.offset + edit.length);
  }
  pieces.push(text.slice(copied));
  return pieces.join('');
}

export function nodeText(text: string, node: JsonNode): string {
  return text.slice(node.offset, node.offset + node.length);
}

export function replaceNode(node: JsonNode, newText: string): ParamTextEdit {
  return { offset: node.offset, length: node.length, newText };
}

/**
 * Deletes a property of an object or an element of an array together with the comma that
 * separates it from its neighbours, so the rest stays valid JSON. Pass `index` (the node's place
 * among its siblings) when it is known: finding it reads all the siblings.
 */
export function removeNodeEdit(node: JsonNode, index?: number): ParamTextEdit {
  const container = node.parent;
  const siblings = container?.children ?? [];
  if (index === undefined || siblings[index] !== node) {
    index = siblings.indexOf(node);
  }
  if (!container || index < 0) {
    return { offset: node.offset, length: node.length, newText: '' };
  }
  const next = siblings[index + 1];
  if (next) {
    return { offset: node.offset, length: next.offset - node.offset, newText: '' };
  }
  const previous = siblings[index - 1];
  if (previous) {
    const start = previous.offset + previous.length;
    return { offset: start, length: node.offset + node.length - start, newText: '' };
  }
  // The only entry: leave an empty `{}` / `[]`.
  return { offset: container.offset + 1, length: Math.max(0, container.length - 2), newText: '' };
}

/** Sets (or adds) a top-level property, formatted like the rest of the file. None for a text too deep to parse. */
export function setTopLevelPropertyEdits(text: string, key: string, value: unknown): ParamTextEdit[] {
  if (scanJsonText(text).tooDeepAt !== undefined) {
    return [];
  }
  const indent = /\n([ \t]+)"/.exec(text)?.[1] ?? '  ';
  const edits = modify(text, [key], value, {
    formattingOptions: {
      insertSpaces: !indent.startsWith('\t'),
      tabSize: indent.startsWith('\t') ? 1 : indent.length,
      eol: text.includes('\r\n') ? '\r\n' : '\n',
    },
    // A new key goes first, after `$schema`, where `endpoint` is expected.
    getInsertionIndex: (properties) => (properties[0] === '$schema' ? 1 : 0),
  });
  return edits.map((edit) => ({ offset: edit.offset, length: edit.length, newText: edit.content }));
}

/** Where a problem about a whole object goes: its opening brace, or the key it is the value of. */
export function objectAnchor(objectNode: JsonNode): { offset: number; length: number } {
  const owner = objectNode.parent;
  if (owner?.type === 'property' && owner.children?.[0]) {
    const key = owner.children[0];
    return { offset: key.offset, length: key.length };
  }
  return { offset: objectNode.offset, length: Math.min(1, objectNode.length) };
}

/** The property node for `key` in an object node (the first one when the key is repeated). */
export function propertyNode(objectNode: JsonNode, key: string): JsonNode | undefined {
  return objectNode.children?.find((property) => property.children?.[0]?.value === key);
}

/**
 * The most diagnostics a file gets. A file is checked on every keystroke and can have any number of problems (a
 * megabyte of pasted keys has tens of thousands); each one costs the Problems panel, the quick-fix lookup and the
 * lenses, and nobody reads past the first screens. So the first 99 in text order are reported, and the 100th says
 * how many more there are.
 */
export const MAX_DIAGNOSTICS_PER_FILE = 100;

export function byPosition(a: ParamDiagnostic, b: ParamDiagnostic): number {
  return a.offset - b.offset || severityRank(a.severity) - severityRank(b.severity);
}

export function severityRank(severity: ParamSeverity): number {
  return severity === 'error' ? 0 : severity === 'warning' ? 1 : 2;
}

/** The diagnostic that stands for `count` problems left out, at the first of them, as severe as the worst. */
export function moreProblemsDiagnostic(firstLeftOut: { offset: number; length: number }, count: number, severity: ParamSeverity): ParamDiagnostic {
  return {
    offset: firstLeftOut.offset,
    length: firstLeftOut.length,
    severity,
    code: 'too-many-problems',
    message: count === 1
      ? l10n.t('…and 1 more problem: only the first {0} are listed. Fix these first.', MAX_DIAGNOSTICS_PER_FILE - 1)
      : l10n.t('…and {0} more problems: only the first {1} are listed. Fix these first.', formatCount(count), MAX_DIAGNOSTICS_PER_FILE - 1),
  };
}

/** At most MAX_DIAGNOSTICS_PER_FILE of `diagnostics`, in text order; when there are more, the last counts the rest. */
export function capDiagnostics(diagnostics: readonly ParamDiagnostic[]): ParamDiagnostic[] {
  const sorted = [...diagnostics].sort(byPosition);
  if (sorted.length <= MAX_DIAGNOSTICS_PER_FILE) {
    return sorted;
  }
  const leftOut = sorted.slice(MAX_DIAGNOSTICS_PER_FILE - 1);
  const worst = leftOut.reduce((severity, d) => (severityRank(d.severity) < severityRank(severity) ? d.severity : severity), leftOut[0].severity);
  return [...sorted.slice(0, MAX_DIAGNOSTICS_PER_FILE - 1), moreProblemsDiagnostic(leftOut[0], leftOut.length, worst)];
}
