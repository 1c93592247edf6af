import { findNodeAtLocation, getNodeValue, type Node } from 'jsonc-parser';
import { l10n } from '../l10n/l10n';
import { isRecord } from '../util/text';
import { objectAnchor, propertyNode, replaceNode, type ParamDiagnostic, type ParamFix } from './diagnostics';
import { parseTreeWithinDepth } from './jsonText';

const PARSE_OPTIONS = { allowTrailingComma: true, disallowComments: false };

/**
 * Puts fal's 422 answer back onto the parameter file: each `detail[]` entry
 * (`{ loc: ["body", field, ...], msg, type, ctx }`) becomes an error at the offending value (or key),
 * and a plain-string `detail` goes to the top of the object.
 *
 * `failure` may be the whole response body (`{ detail }`), the `detail` itself, or the field errors
 * of src/fal/errors.ts (`{ loc, message, type }`). The text may have changed since the request was
 * built, so everything is located again in the current text; what cannot be found goes to the top.
 */
export function falErrorsToDiagnostics(text: string, failure: unknown): ParamDiagnostic[] {
  const source = typeof text === 'string' ? text : '';
  const root = parseTreeWithinDepth(source, [], PARSE_OPTIONS);
  const top = root?.type === 'object' ? objectAnchor(root) : { offset: 0, length: Math.min(1, source.length) };
  const detail = isRecord(failure) && 'detail' in failure ? failure.detail : failure;

  if (typeof detail === 'string' || !Array.isArray(detail) || detail.length === 0) {
    const message = typeof detail === 'string' && detail.trim() !== ''
      ? l10n.t('fal rejected the request: {0}.', withoutFinalStop(detail.trim()))
      : l10n.t('fal rejected the request: the input is not valid.');
    return [{ ...top, severity: 'error', code: 'fal-rejected', message }];
  }

  // pydantic reports one entry per union member (video_size: "not an ImageSize", "not a preset");
  // they are one problem for the user, so findings on the same value are merged before they are put in words.
  const byPlace = new Map<string, Finding>();
  detail.forEach((entry, index) => {
    const finding = entryFinding(root, top, entry);
    const place = finding.verdict.kind === 'value' ? `${finding.offset}:${finding.length}` : `entry ${index}`;
    const earlier = byPlace.get(place);
    if (earlier) {
      earlier.verdict.said.push(...finding.verdict.said);
      earlier.fixes = earlier.fixes ?? finding.fixes;
    } else {
      byPlace.set(place, finding);
    }
  });
  return [...byPlace.values()]
    .map(({ verdict, fixes, offset, length }): ParamDiagnostic => ({
      offset,
      length,
      severity: 'error',
      code: 'fal-rejected',
      message: verdictMessage(verdict),
      ...(fixes && fixes.length > 0 ? { fixes } : {}),
    }))
    .sort((a, b) => a.offset - b.offset);
}

/** What fal said about one place in the file, not yet in words; `said` holds fal's own messages (English). */
type Verdict =
  | { kind: 'request'; refused: boolean; said: string[] }
  | { kind: 'missing'; missing: string; said: string[] }
  | { kind: 'default'; refused: boolean; field: string; said: string[] }
  | { kind: 'value'; refused: boolean; label: string; said: string[] };

interface Finding {
  offset: number;
  length: number;
  verdict: Verdict;
  fixes?: ParamFix[];
}

/** The diagnostic's message, in the display language. */
function verdictMessage(verdict: Verdict): string {
  // fal's messages are its own (English) sentences: several about one value are listed as fal wrote them.
  const said = verdict.said.join('; ');
  switch (verdict.kind) {
    case 'request':
      return verdict.refused ? l10n.t('fal refused the request: {0}.', said) : l10n.t('fal rejected the request: {0}.', said);
    case 'missing':
      return l10n.t('fal rejected the request: "{0}" is required ({1}).', verdict.missing, said);
    case 'default':
      return verdict.refused
        ? l10n.t('fal refused "{0}" (not set in this file, so the configured default was sent): {1}. Set "{0}" here to override it.', verdict.field, said)
        : l10n.t('fal rejected "{0}" (not set in this file, so the configured default was sent): {1}. Set "{0}" here to override it.', verdict.field, said);
    case 'value':
      return verdict.refused ? l10n.t('fal refused "{0}": {1}.', verdict.label, said) : l10n.t('fal rejected "{0}": {1}.', verdict.label, said);
  }
}

/**
 * fal judged the text that was sent; the user may have edited the file since. Keeps the entries whose value at the
 * field fal named is the same in both texts (or absent from both), so a verdict never lands on a value already changed.
 */
export function entriesStillApplicable(sentText: string, currentText: string, entries: readonly unknown[]): unknown[] {
  if (sentText === currentText) {
    return [...entries];
  }
  const sentRoot = parseTreeWithinDepth(sentText, [], PARSE_OPTIONS);
  const currentRoot = parseTreeWithinDepth(currentText, [], PARSE_OPTIONS);
  const valueAt = (root: Node | undefined, path: ReadonlyArray<string | number>): string | undefined => {
    const located = root?.type === 'object' ? locate(root, path) : undefined;
    return located && located.matched.length > 0 ? JSON.stringify(getNodeValue(located.node)) : undefined;
  };
  return entries.filter((entry) => {
    const path = inputPathOf(isRecord(entry) ? entry : {});
    return typeof path[0] !== 'string' || valueAt(sentRoot, path) === valueAt(currentRoot, path);
  });
}

/** The input field path an entry's `loc` names (`["body", "num_frames"]` → `["num_frames"]`). */
function inputPathOf(item: Record<string, unknown>): Array<string | number> {
  const loc = Array.isArray(item.loc) ? item.loc.filter((s): s is string | number => typeof s === 'string' || typeof s === 'number') : [];
  return loc[0] === 'body' ? loc.slice(1) : loc;
}

/** Where an entry belongs in the file and what it says there. */
function entryFinding(root: Node | undefined, top: { offset: number; length: number }, entry: unknown): Finding {
  const item = isRecord(entry) ? entry : {};
  const path = inputPathOf(item);
  const fromFal = typeof item.msg === 'string' ? item.msg : typeof item.message === 'string' ? item.message : undefined;
  const said = [fromFal !== undefined ? withoutFinalStop(fromFal) : l10n.t('invalid value')];
  const type = typeof item.type === 'string' ? item.type : undefined;
  const field = typeof path[0] === 'string' ? path[0] : undefined;
  const refused = type === 'content_policy_violation';

  const located = root?.type === 'object' ? locate(root, path) : undefined;
  if (!field || !located) {
    return { ...top, verdict: { kind: 'request', refused, said } };
  }
  const node = located.node;
  if (type === 'missing') {
    // What fal misses belongs inside the deepest object that was found.
    const missing = path.filter((s) => typeof s === 'number' || !isUnionTag(s, node)).join('.');
    const anchor = node.type === 'object' ? objectAnchor(node) : { offset: node.offset, length: node.length };
    return { ...anchor, verdict: { kind: 'missing', missing, said } };
  }
  if (located.matched.length === 0) {
    // The field is not in this file: its value came from the configured defaults.
    return { ...top, verdict: { kind: 'default', refused, field, said } };
  }
  const label = located.matched.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
  const keyNode = node.parent?.type === 'property' ? node.parent.children?.[0] : undefined;
  const at = type === 'extra_forbidden' && keyNode ? keyNode : node;
  const fixes = boundFixes(node, isRecord(item.ctx) ? item.ctx : {});
  return {
    offset: at.offset,
    length: at.length,
    verdict: { kind: 'value', refused, label, said },
    ...(fixes.length > 0 ? { fixes } : {}),
  };
}

interface Located {
  node: Node;
  /** The path segments found in the file. */
  matched: Array<string | number>;
}

function locate(root: Node, path: ReadonlyArray<string | number>): Located {
  let node = root;
  const matched: Array<string | number> = [];
  for (const segment of path) {
    const next = typeof segment === 'string' && node.type === 'object'
      ? propertyNode(node, segment)?.children?.[1]
      : typeof segment === 'number' && node.type === 'array'
        ? node.children?.[segment]
        : undefined;
    if (next) {
      node = next;
      matched.push(segment);
    } else if (!(typeof segment === 'string' && isUnionTag(segment, node))) {
      return { node, matched };
    }
  }
  return { node, matched };
}

/** pydantic names union members in `loc` ("ImageSize", "literal['square',…]"); the file has no key for them. */
function isUnionTag(segment: string, node: Node): boolean {
  return /[[\]()'-]/.test(segment) || (/^[A-Z]/.test(segment) && !(node.type === 'object' && findNodeAtLocation(node, [segment])));
}

/** fal's `ctx` bounds (`le`, `ge`, `lt`, `gt`) make the fix obvious for a number. */
function boundFixes(node: Node, ctx: Record<string, unknown>): ParamFix[] {
  const value: unknown = node.type === 'number' ? getNodeValue(node) : undefined;
  if (typeof value !== 'number') {
    return [];
  }
  const max = typeof ctx.le === 'number' ? ctx.le : undefined;
  const min = typeof ctx.ge === 'number' ? ctx.ge : undefined;
  if (max !== undefined && value > max) {
    return [{ title: l10n.t('Use fal\'s maximum, {0}', max), preferred: true, edits: [replaceNode(node, String(max))] }];
  }
  if (min !== undefined && value < min) {
    return [{ title: l10n.t('Use fal\'s minimum, {0}', min), preferred: true, edits: [replaceNode(node, String(min))] }];
  }
  return [];
}

function withoutFinalStop(text: string): string {
  return text.replace(/\.\s*$/, '');
}

