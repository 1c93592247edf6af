// zod's core classes, imported directly: through `z.core` the bundler would keep all of zod (locales included).
import * as core from 'zod/v4/core';
import {
  ANIMATEDIFF_ENDPOINTS,
  LIMITS,
  TURBO_TEXT_TO_VIDEO,
  isAnimateDiffEndpoint,
  isTurboEndpoint,
  isVideoToVideoEndpoint,
  type AnimateDiffEndpoint,
} from '../model/animateDiff';
import { paramsKeysFor } from './fileKeys';
import { ENDPOINT_NAMES, PARAMS_SCHEMA_BY_ENDPOINT, paramsFileSchema, type ParamsFile } from './fileSchema';
import {
  MAX_DIAGNOSTICS_PER_FILE,
  moreProblemsDiagnostic,
  objectAnchor,
  propertyNode,
  removeNodeEdit,
  replaceNode,
  setTopLevelPropertyEdits,
  severityRank,
  type ParamDiagnostic,
  type ParamFix,
  type ParamSeverity,
  type ParamTextEdit,
} from './diagnostics';
import { MAX_NESTING_DEPTH, scanJsonText } from './jsonText';
import {
  JsonScanner,
  JsonToken,
  jsonNodeValue,
  parseJsonTree,
  type JsonNode,
  type JsonSyntaxError,
  type JsonSyntaxErrorCode,
} from './jsonTree';
import { formatCount, isRecord } from '../util/text';
import { closestMatch, rankCandidates } from './suggest';
import { formatList, l10n } from '../l10n/l10n';

export interface ParamsValidation {
  /** Sorted by offset; at most MAX_DIAGNOSTICS_PER_FILE, the last of which then counts the problems left out. */
  diagnostics: ParamDiagnostic[];
  /** How many errors the file has, counting those left out of `diagnostics`. */
  errorCount: number;
  /** The validated file, present only when no diagnostic is an error. Unknown keys are left out. */
  params?: ParamsFile;
}

/**
 * Checks a `.animate.json` text and says exactly where each problem is.
 *
 * JSON dialect: strict JSON, as VS Code's JSON mode treats `.json` files. Comments and trailing
 * commas are errors (with a fix that removes them) because the file is meant to be read by any JSON
 * tool — scripts, CI, `JSON.parse` — not only by VS Code. They are still parsed through, so the rest
 * of the file is checked in the same pass. Any other syntax error stops the check at the first one:
 * after it the parser's recovery guesses, and problems reported from a guess mislead more than help.
 *
 * Unknown keys are warnings (they are never sent). Keys that belong to another endpoint are errors,
 * since they usually mean the wrong `endpoint`. Only a file without errors gets `params`.
 *
 * The check takes time linear in the text, whatever it holds: lists and objects nested deeper than
 * MAX_NESTING_DEPTH are refused before anything walks the tree, and every problem is found, but only the
 * reported ones (MAX_DIAGNOSTICS_PER_FILE) get their message, suggestions and fixes written.
 */
export function validateParamsText(text: string): ParamsValidation {
  const source = typeof text === 'string' ? text : '';
  try {
    return new ParamsChecker(source).check();
  } catch (error) {
    // Validation runs on every keystroke; a bug here must not take the editor's features down.
    return {
      diagnostics: [{
        offset: 0,
        length: Math.min(1, source.length),
        severity: 'error',
        code: 'internal-error',
        message: l10n.t('The parameter file could not be checked ({0}). Please report this.', error instanceof Error ? error.message : String(error)),
      }],
      errorCount: 1,
    };
  }
}

/** The endpoint whose rules apply to a parsed file: its valid `endpoint`, else the default. */
export function effectiveEndpoint(value: unknown): AnimateDiffEndpoint {
  const endpoint = isRecord(value) ? value.endpoint : undefined;
  return isAnimateDiffEndpoint(endpoint) ? endpoint : TURBO_TEXT_TO_VIDEO;
}

type PathSegment = string | number;

interface Token {
  kind: JsonToken;
  offset: number;
  length: number;
}

/** The endpoints that have each key, in ANIMATEDIFF_ENDPOINTS order. */
const ENDPOINTS_BY_KEY = new Map<string, AnimateDiffEndpoint[]>();
for (const endpoint of ANIMATEDIFF_ENDPOINTS) {
  for (const key of paramsKeysFor(endpoint)) {
    ENDPOINTS_BY_KEY.set(key, [...(ENDPOINTS_BY_KEY.get(key) ?? []), endpoint]);
  }
}

/** What a problem says, written only for the problems that are reported. */
type ProblemDetails = Pick<ParamDiagnostic, 'code' | 'message' | 'fixes'>;

/** A problem found: where it is and how severe, so it can be ordered and counted without being described. */
interface Problem {
  offset: number;
  length: number;
  severity: ParamSeverity;
  describe: () => ProblemDetails;
}

/** Whether a problem found now is listed before `problem`: text order, then errors first, then the order found in. */
function listedBefore(offset: number, severity: ParamSeverity, problem: Problem): boolean {
  return offset < problem.offset || (offset === problem.offset && severityRank(severity) < severityRank(problem.severity));
}

/** The index of the first property of each key of an object node. */
type PropertyIndex = Map<unknown, number>;

/**
 * One check of one text. Long on purpose: every step (syntax, duplicate keys, schema issues, fixes) reads the same
 * parse tree, text and endpoint, and reports into one list; the schema is described in words by the functions below.
 */
class ParamsChecker {
  /** The first MAX_DIAGNOSTICS_PER_FILE problems found so far, in the order they are listed. */
  private readonly firstProblems: Problem[] = [];
  private problemCount = 0;
  private readonly problemsBySeverity: Record<ParamSeverity, number> = { error: 0, warning: 0, information: 0 };
  /** Keys reported as unknown (warnings), by the path of their object: removed before the final parse. */
  private readonly ignoredKeys = new Map<PathSegment[], string[]>();
  /** The first property of each top-level key no endpoint has, by index, in text order (see rootValue). */
  private readonly unknownRootProperties: number[] = [];
  /** The text with a byte-order mark blanked out (same length, so offsets stay right): what is scanned and parsed. */
  private readonly parseable: string;
  /** Set once the text parsed to an object; the schema checks run only after that. */
  private root!: JsonNode;
  private endpoint: AnimateDiffEndpoint = TURBO_TEXT_TO_VIDEO;

  constructor(private readonly text: string) {
    this.parseable = text.charCodeAt(0) === 0xfeff ? ` ${text.slice(1)}` : text;
  }

  check(): ParamsValidation {
    if (this.text.trim() === '') {
      this.report({
        offset: 0,
        length: 0,
        severity: 'error',
        code: 'empty-file',
        message: l10n.t('The file is empty. A parameter file is one JSON object with at least a prompt, such as { "prompt": "a fox in the snow" }.'),
      });
      return this.result();
    }
    const parse = parseJsonTree(this.parseable, { maxDepth: MAX_NESTING_DEPTH });
    if (!parse.root) {
      this.reportUnparsed(parse);
      return this.result();
    }
    if (parse.hasCommentsOrTrailingCommas) {
      this.reportCommentsAndTrailingCommas();
    }
    const root = parse.root;
    if (root.type !== 'object') {
      this.report({
        offset: root.offset,
        length: root.length,
        severity: 'error',
        code: 'not-an-object',
        message: l10n.t('A parameter file is one JSON object ({ "prompt": … }), not {0}.', describeJsonKind(root.type)),
      });
      return this.result();
    }
    this.root = root;
    this.checkDuplicateKeys(root);
    const value = this.rootValue(root);
    this.endpoint = effectiveEndpoint(value);
    const parsed = paramsFileSchema.safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        this.reportIssue(issue, []);
      }
    }
    this.checkRecommendedSteps();
    return this.result(value);
  }

  /**
   * The file's value as jsonNodeValue(root) makes it, except that of the top-level keys no endpoint has, only the
   * first is in it. The schema judges each key of an object on its own and says of an unknown key only that it is
   * unknown (wherever it is, whatever its value), so what it says of that one is what it would say of each of the
   * others: reportIssue repeats it for them. A file of 30,000 pasted keys then costs the schema no more than one.
   */
  private rootValue(root: JsonNode): Record<string, unknown> {
    const value = Object.create(null) as Record<string, unknown>;
    const firstOfKey = this.propertiesOf(root);
    const properties = root.children ?? [];
    const keysAreUnique = firstOfKey.size === properties.length;
    for (let index = 0; index < properties.length; index++) {
      const key: unknown = properties[index].children?.[0]?.value;
      const valueNode = properties[index].children?.[1];
      if (typeof key !== 'string') {
        continue;
      }
      if (!ENDPOINTS_BY_KEY.has(key)) {
        const first = keysAreUnique ? index : firstOfKey.get(key);
        if (first === index) {
          this.unknownRootProperties.push(index);
        }
        if (first !== this.unknownRootProperties[0]) {
          continue;
        }
      }
      if (valueNode) {
        value[key] = jsonNodeValue(valueNode);
      }
    }
    return value;
  }

  private result(value?: unknown): ParamsValidation {
    const diagnostics = this.reportedDiagnostics();
    const errorCount = this.problemsBySeverity.error;
    if (value === undefined || errorCount > 0) {
      return { diagnostics, errorCount };
    }
    deleteKeys(value, this.ignoredKeys);
    const parsed = paramsFileSchema.safeParse(value);
    if (parsed.success) {
      return { diagnostics, errorCount, params: parsed.data };
    }
    // Every issue of the raw file was reported above, so this means a rule escaped the mapping.
    diagnostics.push({
      offset: this.root?.offset ?? 0,
      length: Math.min(1, this.text.length),
      severity: 'error',
      code: 'internal-error',
      message: l10n.t('The file is not valid: {0}', parsed.error.issues.map((i) => i.message).join('; ')),
    });
    return { diagnostics, errorCount: errorCount + 1 };
  }

  /** Every problem when they fit in MAX_DIAGNOSTICS_PER_FILE; else the first ones and one that counts the rest. */
  private reportedDiagnostics(): ParamDiagnostic[] {
    const first = this.firstProblems;
    if (this.problemCount <= MAX_DIAGNOSTICS_PER_FILE) {
      return first.map((problem) => this.described(problem));
    }
    const listed = first.slice(0, -1);
    const leftOut = { ...this.problemsBySeverity };
    for (const problem of listed) {
      leftOut[problem.severity]--;
    }
    const worst: ParamSeverity = leftOut.error > 0 ? 'error' : leftOut.warning > 0 ? 'warning' : 'information';
    return [
      ...listed.map((problem) => this.described(problem)),
      moreProblemsDiagnostic(first[first.length - 1], this.problemCount - listed.length, worst),
    ];
  }

  private described(problem: Problem): ParamDiagnostic {
    const { code, message, fixes } = problem.describe();
    const inText = (edit: ParamTextEdit) => edit.offset >= 0 && edit.length >= 0 && edit.offset + edit.length <= this.text.length;
    const usable = fixes?.filter((fix) => fix.edits.length > 0 && fix.edits.every(inText)) ?? [];
    const { offset, length, severity } = problem;
    return usable.length > 0 ? { offset, length, severity, code, message, fixes: usable } : { offset, length, severity, code, message };
  }

  /**
   * Counts a problem, and keeps it while it is among the first MAX_DIAGNOSTICS_PER_FILE: only those are ever
   * described, so `describe` can take its time, and the others are let go at once (a file can have 100,000).
   */
  private reportLazily(offset: number, length: number, severity: ParamSeverity, describe: () => ProblemDetails): void {
    if (this.countedOnly(offset, severity)) {
      return;
    }
    const start = clamp(offset, 0, this.text.length);
    this.problemCount++;
    this.problemsBySeverity[severity]++;
    const first = this.firstProblems;
    let place = first.length;
    while (place > 0 && listedBefore(start, severity, first[place - 1])) {
      place--;
    }
    first.splice(place, 0, { offset: start, length: clamp(length, 0, this.text.length - start), severity, describe });
    if (first.length > MAX_DIAGNOSTICS_PER_FILE) {
      first.pop();
    }
  }

  /**
   * Counts a problem that cannot be among the first MAX_DIAGNOSTICS_PER_FILE, and says so. The checks that find
   * problems by the thousand ask this first, so that they prepare no description for those.
   */
  private countedOnly(offset: number, severity: ParamSeverity): boolean {
    const first = this.firstProblems;
    if (first.length < MAX_DIAGNOSTICS_PER_FILE || listedBefore(clamp(offset, 0, this.text.length), severity, first[first.length - 1])) {
      return false;
    }
    this.problemCount++;
    this.problemsBySeverity[severity]++;
    return true;
  }

  private report(diagnostic: ParamDiagnostic): void {
    const { code, message, fixes } = diagnostic;
    this.reportLazily(diagnostic.offset, diagnostic.length, diagnostic.severity, () => ({ code, message, fixes }));
  }

  // ---- Syntax -------------------------------------------------------------------------------------

  /**
   * A text the parser stopped in. It read only up to its first syntax error (or the first bracket too deep), so the
   * whole text is scanned as well: nesting too deep anywhere is what is reported then, and comments and trailing
   * commas are reported on both sides of the error.
   */
  private reportUnparsed(parse: { error?: JsonSyntaxError; tooDeepAt?: number }): void {
    const shape = scanJsonText(this.parseable);
    const tooDeepAt = shape.tooDeepAt ?? parse.tooDeepAt;
    if (tooDeepAt !== undefined) {
      // The checks after parsing recurse once per level, and a parameter file needs two: nothing else is checked.
      this.report({
        offset: tooDeepAt,
        length: 1,
        severity: 'error',
        code: 'nested-too-deeply',
        message: l10n.t('Lists and objects are nested too deeply here (more than {0} levels), so the file is not checked further. A parameter file needs at most 2 levels.', MAX_NESTING_DEPTH),
      });
      return;
    }
    if (shape.mayHaveCommentsOrTrailingCommas) {
      this.reportCommentsAndTrailingCommas();
    }
    if (parse.error) {
      this.reportSyntaxError(parse.error);
    }
  }

  /** Reports comments and trailing commas (errors in .json). */
  private reportCommentsAndTrailingCommas(): void {
    let pendingComma: Token | undefined;
    for (const token of significantTokensAndComments(this.parseable)) {
      if (token.kind === JsonToken.lineComment || token.kind === JsonToken.blockComment) {
        this.reportComment(token);
        continue;
      }
      if (pendingComma && (token.kind === JsonToken.closeBrace || token.kind === JsonToken.closeBracket) && !this.countedOnly(pendingComma.offset, 'error')) {
        const comma = pendingComma;
        this.reportLazily(comma.offset, 1, 'error', () => ({
          code: 'json-trailing-comma',
          message: l10n.t('Trailing comma: JSON allows no comma after the last entry.'),
          fixes: [{ title: l10n.t('Remove the trailing comma'), preferred: true, edits: [{ offset: comma.offset, length: 1, newText: '' }] }],
        }));
      }
      pendingComma = token.kind === JsonToken.comma ? token : undefined;
    }
  }

  private reportComment(comment: Token): void {
    if (this.countedOnly(comment.offset, 'error')) {
      return;
    }
    const text = this.parseable;
    this.reportLazily(comment.offset, comment.length, 'error', () => {
      const lines = linesAround(text, comment.offset, comment.offset + comment.length);
      const removal = lines
        ? { offset: lines.start, length: lines.end - lines.start, newText: '' }
        : { offset: comment.offset, length: comment.length, newText: '' };
      return {
        code: 'json-comment',
        message: comment.kind === JsonToken.blockComment && !/\*\/$/.test(text.slice(comment.offset + 2, comment.offset + comment.length))
          ? l10n.t('This comment is never closed with */ — and comments are not allowed in JSON.')
          : l10n.t('Comments are not allowed in JSON. Put notes in the prompt, or in a file beside this one.'),
        fixes: [{ title: l10n.t('Remove the comment'), preferred: true, edits: [removal] }],
      };
    });
  }

  private reportSyntaxError(error: JsonSyntaxError): void {
    if (error.code === 'UnexpectedEndOfComment') {
      return; // already reported, with its fix, as a comment
    }
    const at = { offset: error.offset, length: error.length };
    const tokenText = this.text.slice(error.offset, error.offset + error.length);
    const fixes: ParamFix[] = [];
    const errorName = error.code;
    let message = syntaxMessages()[errorName] ?? l10n.t('Invalid JSON.');
    const singleQuoted = errorName === 'InvalidSymbol' ? /^'((?:[^'\\\n]|\\.)*)'/.exec(this.text.slice(error.offset)) : null;
    if (singleQuoted) {
      // The scanner splits 'a fox' into pieces; the problem (and the fix) is the whole quoted text.
      at.length = singleQuoted[0].length;
      message = l10n.t('JSON strings and keys need double quotes (") instead of single quotes.');
      fixes.push({
        title: l10n.t('Use double quotes'),
        preferred: true,
        edits: [{ ...at, newText: doubleQuoted(singleQuoted[1]) }],
      });
    } else if (errorName === 'InvalidSymbol' && /^[A-Za-z_$][\w$-]*$/.test(tokenText)
      && /^\s*:/.test(this.text.slice(error.offset + error.length))) {
      message = l10n.t('Keys need double quotes: "{0}".', tokenText);
      fixes.push({ title: l10n.t('Quote the key "{0}"', tokenText), preferred: true, edits: [{ ...at, newText: JSON.stringify(tokenText) }] });
    } else if (errorName === 'CommaExpected') {
      const previous = lastTokenBefore(this.parseable, error.offset);
      if (previous) {
        fixes.push({
          title: l10n.t('Insert the missing comma'),
          preferred: true,
          edits: [{ offset: previous.offset + previous.length, length: 0, newText: ',' }],
        });
      }
    }
    this.report({ ...at, severity: 'error', code: 'json-syntax', message, fixes });
  }

  private checkDuplicateKeys(node: JsonNode): void {
    const children = node.children;
    if (!children) {
      return;
    }
    // propertiesOf has one entry per key: fewer than the properties means a key is repeated (or missing).
    if (node.type === 'object' && this.propertiesOf(node).size < children.length) {
      const seen = new Set<string>();
      // Report the earlier copies: JSON readers keep the last one, so that is the one that counts.
      for (let i = children.length - 1; i >= 0; i--) {
        const key = children[i].children?.[0];
        if (!key || typeof key.value !== 'string') {
          continue;
        }
        const name = key.value;
        if (seen.has(name) && !this.countedOnly(key.offset, 'error')) {
          const property = children[i];
          const index = i;
          this.reportLazily(key.offset, key.length, 'error', () => ({
            code: 'duplicate-key',
            message: l10n.t('"{0}" is set more than once; only the last one would count. Remove this one or the other.', name),
            fixes: [{ title: l10n.t('Remove this "{0}"', name), preferred: true, edits: [removeNodeEdit(property, index)] }],
          }));
        }
        seen.add(name);
      }
    }
    for (const child of children) {
      if (child.children) {
        this.checkDuplicateKeys(child);
      }
    }
  }

  // ---- Schema issues ------------------------------------------------------------------------------

  private reportIssue(issue: core.$ZodIssue, prefix: PathSegment[]): void {
    const path = [...prefix, ...issue.path.filter((s): s is PathSegment => typeof s === 'string' || typeof s === 'number')];
    switch (issue.code) {
      case 'unrecognized_keys':
        for (const key of issue.keys) {
          this.reportUnrecognizedKey(path, key);
        }
        return;
      case 'invalid_union':
        this.reportUnionIssue(issue, path);
        return;
      case 'custom':
        this.reportRuleIssue(issue, path);
        return;
      default:
        this.reportValueIssue(issue, path);
    }
  }

  private reportUnionIssue(issue: core.$ZodIssueInvalidUnion, path: PathSegment[]): void {
    if (path.length === 1 && path[0] === 'endpoint') {
      this.reportValueIssue(issue, path);
      return;
    }
    // Only the alternative of the same JSON kind as the value can explain what is wrong with it.
    const found = this.schemaAt(path);
    const schema = found ? unwrap(found) : undefined;
    if (schema instanceof core.$ZodUnion) {
      const kind = this.kindAt(path);
      const index = schema._zod.def.options.findIndex((option) => jsonKindOf(unwrap(option)) === kind);
      const alternative = index >= 0 ? issue.errors[index] : undefined;
      if (alternative && alternative.length > 0) {
        for (const nested of alternative) {
          this.reportIssue(nested, path);
        }
        return;
      }
    }
    this.reportValueIssue(issue, path);
  }

  private reportValueIssue(issue: core.$ZodIssue, path: PathSegment[]): void {
    const node = this.nodeAt(path);
    if (!node) {
      this.reportMissingKey(path);
      return;
    }
    if (!this.countedOnly(node.offset, 'error')) {
      this.reportLazily(node.offset, node.length, 'error', () => this.describeValueIssue(issue, path, node));
    }
  }

  private describeValueIssue(issue: core.$ZodIssue, path: PathSegment[], node: JsonNode): ProblemDetails {
    const found = this.schemaAt(path);
    // Against a union, the member of the value's own kind says what is wrong ("seed": -3 is a bad number).
    const schema = found ? this.pickAlternative(unwrap(found), path) : undefined;
    const label = labelOf(path);
    const expected = path.length === 1 && path[0] === 'endpoint'
      ? l10n.t('one of {0}', quotedList(ANIMATEDIFF_ENDPOINTS))
      : schema ? describeExpected(schema) : l10n.t('valid');
    const value: unknown = jsonNodeValue(node);
    const fixes: ParamFix[] = [];
    let code: ParamDiagnostic['code'] = 'invalid-type';
    let message = l10n.t('{0} must be {1}, not {2}.', label, expected, this.shown(node));

    const numberSchema = schema ? asNumberSchema(schema) : undefined;
    const choices = schema ? stringChoices(schema, path) : [];
    if (issue.code === 'too_small' && issue.origin === 'string') {
      code = 'invalid-value';
      message = l10n.t('{0} must not be empty.', label);
    } else if (issue.code === 'too_big' && issue.origin === 'string' && typeof value === 'string') {
      code = 'out-of-range';
      message = l10n.t('{0} is {1} characters; at most {2} are sent to fal.', label, formatCount(value.length), formatCount(Number(issue.maximum)));
    } else if ((issue.code === 'too_small' || issue.code === 'too_big') && issue.origin === 'array' && Array.isArray(value)) {
      code = 'out-of-range';
      const limit = Number(issue.code === 'too_big' ? issue.maximum : issue.minimum);
      message = issue.code === 'too_big'
        ? limit === 1 ? l10n.t('{0} must have at most 1 entry; it has {1}.', label, value.length) : l10n.t('{0} must have at most {1} entries; it has {2}.', label, limit, value.length)
        : limit === 1 ? l10n.t('{0} must have at least 1 entry; it has {1}.', label, value.length) : l10n.t('{0} must have at least {1} entries; it has {2}.', label, limit, value.length);
    } else if (numberSchema && typeof value === 'number') {
      code = issue.code === 'too_big' || issue.code === 'too_small' ? 'out-of-range' : 'invalid-type';
      fixes.push(...numberFixes(node, value, numberSchema));
    } else if (numberSchema && typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) {
      const fixed = fitNumber(Number(value), numberSchema);
      fixes.push({ title: l10n.t('Change to the number {0}', fixed), preferred: true, edits: [replaceNode(node, String(fixed))] });
    } else if (choices.length > 0 && typeof value === 'string') {
      code = 'invalid-value';
      const ranked = rankCandidates(value, choices);
      if (ranked[0]?.close) {
        message = l10n.t('{0} Did you mean "{1}"?', message, ranked[0].candidate);
      }
      ranked.forEach(({ candidate, close }, index) => {
        fixes.push({ title: l10n.t('Change to "{0}"', candidate), preferred: index === 0 && close, edits: [replaceNode(node, JSON.stringify(candidate))] });
      });
    }
    if (value === null && path.length === 1 && typeof path[0] === 'string' && this.isOptionalKey(path[0])) {
      const property = node.parent;
      if (property?.type === 'property') {
        fixes.push({ title: l10n.t('Remove "{0}" to use the default', path[0]), edits: [removeNodeEdit(property, this.propertiesOf(this.root).get(path[0]))] });
      }
    }
    return { code, message, fixes };
  }

  private reportMissingKey(path: PathSegment[]): void {
    const key = path[path.length - 1];
    const objectNode = this.nodeAt(path.slice(0, -1));
    const anchor = objectNode ? objectAnchor(objectNode) : { offset: this.root?.offset ?? 0, length: 1 };
    const message = key === 'prompt'
      ? l10n.t('Missing required key "{0}": the text that describes the video.', String(key))
      : key === 'video_url'
        ? l10n.t('Missing required key "{0}": the video that {1} restyles (a URL, a data: URI or a path in this workspace).', String(key), ENDPOINT_NAMES[this.endpoint])
        : l10n.t('Missing required key "{0}".', String(key));
    this.report({
      ...anchor,
      severity: 'error',
      code: 'missing-key',
      message,
    });
  }

  private reportRuleIssue(issue: core.$ZodIssueCustom, path: PathSegment[]): void {
    const node = this.nodeAt(path);
    if (!node) {
      this.reportMissingKey(path);
      return;
    }
    if (this.countedOnly(node.offset, 'error')) {
      return;
    }
    this.reportLazily(node.offset, node.length, 'error', () => {
      const rule = typeof issue.params?.rule === 'string' ? issue.params.rule : undefined;
      const fixes: ParamFix[] = [];
      let code: ParamDiagnostic['code'] = 'invalid-value';
      if (rule === 'duplicate-seed') {
        const index = path[path.length - 1];
        fixes.push({ title: l10n.t('Remove the repeated seed'), preferred: true, edits: [removeNodeEdit(node, typeof index === 'number' ? index : undefined)] });
      } else if (rule === 'variations-with-seed') {
        code = 'conflicting-keys';
        for (const key of ['variations', 'seed']) {
          const property = propertyNode(this.root, key);
          if (property) {
            fixes.push({ title: l10n.t('Remove "{0}"', key), edits: [removeNodeEdit(property)] });
          }
        }
      }
      return { code, message: ruleMessage(issue, path), fixes };
    });
  }

  /** First property of each key, per object node: a file can have thousands of unknown keys. */
  private readonly propertiesByObject = new Map<JsonNode, PropertyIndex>();

  private propertiesOf(objectNode: JsonNode): PropertyIndex {
    let properties = this.propertiesByObject.get(objectNode);
    if (!properties) {
      properties = new Map();
      const children = objectNode.children ?? [];
      for (let index = 0; index < children.length; index++) {
        const key: unknown = children[index].children?.[0]?.value;
        if (!properties.has(key)) {
          properties.set(key, index);
        }
      }
      this.propertiesByObject.set(objectNode, properties);
    }
    return properties;
  }

  /** A key the schema does not have at `objectPath`: of another endpoint, or unknown (and then left out of `params`). */
  private reportUnrecognizedKey(objectPath: PathSegment[], key: string): void {
    const objectNode = this.nodeAt(objectPath);
    const present = objectNode ? this.propertiesOf(objectNode) : undefined;
    const index = present?.get(key);
    const property = index === undefined ? undefined : objectNode?.children?.[index];
    if (!objectNode || !present || index === undefined || !property?.children?.[0]) {
      return;
    }
    if (objectPath.length === 0) {
      const owners = ENDPOINTS_BY_KEY.get(key);
      if (owners) {
        this.reportWrongEndpointKey(key, owners, property, index);
        return;
      }
    }
    const ignoredHere = this.ignoredKeys.get(objectPath);
    if (ignoredHere) {
      ignoredHere.push(key);
    } else {
      this.ignoredKeys.set(objectPath, [key]);
    }
    this.reportUnknownKey(objectPath, objectNode, present, index);
    if (objectPath.length === 0 && index === this.unknownRootProperties[0]) {
      // What the schema says of the first unknown key, it would say of each of the others (see rootValue).
      for (let other = 1; other < this.unknownRootProperties.length; other++) {
        this.reportUnknownKey(objectPath, objectNode, present, this.unknownRootProperties[other]);
      }
    }
  }

  /** The property at `index` of the object at `objectPath` has a key no endpoint has there. */
  private reportUnknownKey(objectPath: PathSegment[], objectNode: JsonNode, present: PropertyIndex, index: number): void {
    const property = objectNode.children?.[index];
    const keyNode = property?.children?.[0];
    const key: unknown = keyNode?.value;
    if (!property || !keyNode || typeof key !== 'string' || this.countedOnly(keyNode.offset, 'warning')) {
      return;
    }
    this.reportLazily(keyNode.offset, keyNode.length, 'warning', () => {
      const schema = this.schemaAt(objectPath);
      const objectSchema = schema ? this.pickAlternative(unwrap(schema), objectPath) : undefined;
      const validKeys = objectSchema instanceof core.$ZodObject ? Object.keys(objectSchema._zod.def.shape) : [];
      const suggestion = closestMatch(key, validKeys);
      const fixes: ParamFix[] = [];
      let message: string;
      if (suggestion && !present.has(suggestion)) {
        message = l10n.t('Unknown key "{0}". Did you mean "{1}"?', key, suggestion);
        fixes.push({ title: l10n.t('Change to "{0}"', suggestion), preferred: true, edits: [replaceNode(keyNode, JSON.stringify(suggestion))] });
      } else if (suggestion) {
        message = l10n.t('Unknown key "{0}" (did you mean "{1}"? It is already set). It is not sent to fal.', key, suggestion);
      } else if (objectPath.length === 0) {
        message = l10n.t('Unknown key "{0}": {1} has no such input, so it is not sent to fal.', key, ENDPOINT_NAMES[this.endpoint]);
      } else {
        message = l10n.t('Unknown key "{0}": {1} accepts only {2}.', key, labelOf(objectPath), formatList(validKeys.map((k) => `"${k}"`), 'conjunction'));
      }
      fixes.push(removeKeyFix(key, property, index));
      return { code: 'unknown-key', message, fixes };
    });
  }

  private reportWrongEndpointKey(key: string, owners: readonly AnimateDiffEndpoint[], property: JsonNode, index: number): void {
    const keyNode = property.children?.[0] ?? property;
    this.reportLazily(keyNode.offset, keyNode.length, 'error', () => {
      // The likeliest intent: the same kind of job (text or video input), then the same speed.
      const sameKind = owners.filter((endpoint) => isVideoToVideoEndpoint(endpoint) === isVideoToVideoEndpoint(this.endpoint));
      const candidates = sameKind.length > 0 ? sameKind : owners;
      const target = candidates.find((endpoint) => isTurboEndpoint(endpoint) === isTurboEndpoint(this.endpoint)) ?? candidates[0];
      return {
        code: 'wrong-endpoint-key',
        message: l10n.t('"{0}" is not an input of {1} (this file\'s "endpoint"). {2} has it: set "endpoint" to "{3}", or remove "{4}".', key, ENDPOINT_NAMES[this.endpoint], capitalise(ENDPOINT_NAMES[target]), target, key),
        fixes: [
          { title: l10n.t('Set "endpoint" to "{0}"', target), edits: this.setEndpointEdits(target) },
          removeKeyFix(key, property, index),
        ],
      };
    });
  }

  /** The edits that set `endpoint`, per target: each computation parses and copies the whole text. */
  private readonly endpointEdits = new Map<AnimateDiffEndpoint, ParamTextEdit[]>();

  private setEndpointEdits(target: AnimateDiffEndpoint): ParamTextEdit[] {
    let edits = this.endpointEdits.get(target);
    if (!edits) {
      edits = setTopLevelPropertyEdits(this.text, 'endpoint', target);
      this.endpointEdits.set(target, edits);
    }
    return edits;
  }

  private checkRecommendedSteps(): void {
    if (!isTurboEndpoint(this.endpoint)) {
      return;
    }
    const node = this.nodeAt(['num_inference_steps']);
    const steps: unknown = node ? jsonNodeValue(node) : undefined;
    const { min, max, recommendedMin, recommendedMax } = LIMITS.num_inference_steps;
    if (!node || typeof steps !== 'number' || !Number.isInteger(steps) || steps < min || steps > max) {
      return;
    }
    if (steps >= recommendedMin && steps <= recommendedMax) {
      return;
    }
    const nearest = steps < recommendedMin ? recommendedMin : recommendedMax;
    this.report({
      offset: node.offset,
      length: node.length,
      severity: 'warning',
      code: 'recommended-range',
      message: l10n.t('{0}–{1} inference steps are recommended for turbo mode; {2} is outside that range.', recommendedMin, recommendedMax, steps),
      fixes: [{ title: l10n.t('Use {0}', nearest), preferred: true, edits: [replaceNode(node, String(nearest))] }],
    });
  }

  // ---- Helpers ------------------------------------------------------------------------------------

  /**
   * The node at `path`, as jsonc-parser's findNodeAtLocation finds it (the first property of a key) but through
   * propertiesOf, without reading every property of each object on the way. (findNodeAtLocation also skips a
   * property without a value; a tree without parse errors, the only kind checked here, has none.)
   */
  private nodeAt(path: readonly PathSegment[]): JsonNode | undefined {
    let node: JsonNode | undefined = this.root;
    for (const segment of path) {
      if (!node) {
        return undefined;
      }
      if (typeof segment === 'string') {
        const index: number | undefined = node.type === 'object' ? this.propertiesOf(node).get(segment) : undefined;
        node = index === undefined ? undefined : node.children?.[index]?.children?.[1];
      } else {
        node = node.type === 'array' && segment >= 0 ? node.children?.[segment] : undefined;
      }
    }
    return node;
  }

  /** The JSON kind of the value at `path` ('other' when there is none), read from the tree without building the value. */
  private kindAt(path: readonly PathSegment[]): JsonKind {
    const type = this.nodeAt(path)?.type;
    return type === undefined || type === 'property' ? 'other' : type;
  }

  private schemaAt(path: PathSegment[]): Schema | undefined {
    let schema: Schema | undefined = PARAMS_SCHEMA_BY_ENDPOINT[this.endpoint];
    for (let depth = 0; depth < path.length && schema; depth++) {
      const inner = this.pickAlternative(unwrap(schema), path.slice(0, depth));
      const segment = path[depth];
      if (inner instanceof core.$ZodObject && typeof segment === 'string') {
        schema = inner._zod.def.shape[segment];
      } else if (inner instanceof core.$ZodArray && typeof segment === 'number') {
        schema = inner._zod.def.element;
      } else {
        return undefined;
      }
    }
    return schema;
  }

  /** For a union, the member matching the kind of JSON value at `path` (so paths can go through it). */
  private pickAlternative(schema: Schema, path: PathSegment[]): Schema {
    if (!(schema instanceof core.$ZodUnion)) {
      return schema;
    }
    const kind = this.kindAt(path);
    const match = schema._zod.def.options.find((option) => jsonKindOf(unwrap(option)) === kind);
    return match ? unwrap(match) : schema;
  }

  private isOptionalKey(key: string): boolean {
    const shape: Readonly<Record<string, Schema>> = PARAMS_SCHEMA_BY_ENDPOINT[this.endpoint].shape;
    const schema = shape[key];
    return schema instanceof core.$ZodOptional || schema instanceof core.$ZodDefault;
  }

  private shown(node: JsonNode): string {
    if (node.type === 'object') {
      return l10n.t('an object');
    }
    if (node.type === 'array') {
      return 'a list';
    }
    // Only the start is shown, so only the start is read (a value can be a megabyte long).
    const raw = this.text.slice(node.offset, node.offset + Math.min(node.length, 41));
    const short = node.length > 40 ? `${raw.slice(0, 39)}…` : raw;
    return node.type === 'string' ? l10n.t('the text {0}', short) : short;
  }
}

function removeKeyFix(key: string, property: JsonNode, index: number): ParamFix {
  return { title: l10n.t('Remove "{0}"', key), edits: [removeNodeEdit(property, index)] };
}

/** Comments and the tokens that are not white space, in text order. */
function* significantTokensAndComments(text: string): Generator<Token> {
  const scanner = new JsonScanner(text);
  for (let kind = scanner.scan(); kind !== JsonToken.end; kind = scanner.scan()) {
    const offset = scanner.tokenOffset;
    // An unclosed block comment at the very end reports one character more than the text has.
    yield { kind, offset, length: Math.min(scanner.tokenLength, text.length - offset) };
  }
}

/** The last token (not a comment) that ends at or before `offset`. */
function lastTokenBefore(text: string, offset: number): Token | undefined {
  let last: Token | undefined;
  for (const token of significantTokensAndComments(text)) {
    if (token.offset >= offset) {
      break;
    }
    if (token.kind !== JsonToken.lineComment && token.kind !== JsonToken.blockComment && token.offset + token.length <= offset) {
      last = token;
    }
  }
  return last;
}

/**
 * The whole lines from `start` to `end` (from the start of the first to after the line break ending the last), when
 * nothing but white space shares them; undefined otherwise. Reads only the white space around, so checking every
 * comment of a one-line file stays linear.
 */
function linesAround(text: string, start: number, end: number): { start: number; end: number } | undefined {
  let before = start;
  while (before > 0 && text[before - 1] !== '\n' && /\s/.test(text[before - 1])) {
    before--;
  }
  let after = end;
  while (after < text.length && text[after] !== '\n' && /\s/.test(text[after])) {
    after++;
  }
  if ((before > 0 && text[before - 1] !== '\n') || (after < text.length && text[after] !== '\n')) {
    return undefined;
  }
  return { start: before, end: after < text.length ? after + 1 : text.length };
}

// ---- Describing schemas in words ------------------------------------------------------------------

const syntaxMessages = (): Partial<Record<JsonSyntaxErrorCode, string>> => ({
  InvalidSymbol: l10n.t('Unexpected character: this is not valid JSON here.'),
  InvalidNumberFormat: l10n.t('Invalid number.'),
  PropertyNameExpected: l10n.t('Expected a key in double quotes, such as "prompt".'),
  ValueExpected: l10n.t('Expected a value: text in double quotes, a number, true, false, null, a list [ … ] or an object { … }.'),
  ColonExpected: l10n.t('Expected ":" after the key.'),
  CommaExpected: l10n.t('Expected a comma between the entries.'),
  CloseBraceExpected: l10n.t('Expected "}" to close the object.'),
  CloseBracketExpected: l10n.t('Expected "]" to close the list.'),
  EndOfFileExpected: l10n.t('Unexpected content after the end of the object: a parameter file holds exactly one JSON object.'),
  UnexpectedEndOfComment: l10n.t('This comment is never closed with */ (and comments are not allowed in JSON).'),
  UnexpectedEndOfString: l10n.t('This text is never closed: add the closing double quote (") on the same line.'),
  UnexpectedEndOfNumber: l10n.t('Incomplete number.'),
  InvalidUnicode: l10n.t('Invalid \\u escape: it needs exactly four hexadecimal digits.'),
  InvalidEscapeCharacter: l10n.t('Invalid escape in text: write \\\\ for a backslash, \\" for a quote, \\n for a line break.'),
  InvalidCharacter: l10n.t('Line breaks and tabs inside text must be written as \\n and \\t.'),
});

/** Any zod schema: the checker reads the parameter-file schema's structure through zod's core classes. */
type Schema = core.$ZodType;

function unwrap(schema: Schema): Schema {
  let current = schema;
  while (current instanceof core.$ZodOptional || current instanceof core.$ZodDefault || current instanceof core.$ZodNullable) {
    current = current._zod.def.innerType;
  }
  return current;
}

type JsonKind = 'string' | 'number' | 'boolean' | 'null' | 'array' | 'object' | 'other';

function jsonKindOf(schema: Schema): JsonKind {
  if (schema instanceof core.$ZodNumber) {
    return 'number';
  }
  if (schema instanceof core.$ZodString || schema instanceof core.$ZodEnum) {
    return 'string';
  }
  if (schema instanceof core.$ZodLiteral) {
    return jsonKindOfValue(literalValue(schema));
  }
  if (schema instanceof core.$ZodArray) {
    return 'array';
  }
  if (schema instanceof core.$ZodObject) {
    return 'object';
  }
  if (schema instanceof core.$ZodNull) {
    return 'null';
  }
  if (schema instanceof core.$ZodBoolean) {
    return 'boolean';
  }
  return 'other';
}

function jsonKindOfValue(value: unknown): JsonKind {
  if (value === null) {
    return 'null';
  }
  if (Array.isArray(value)) {
    return 'array';
  }
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'object':
      return 'object';
    default:
      return 'other';
  }
}

function describeJsonKind(type: JsonNode['type']): string {
  return { object: l10n.t('an object'), array: l10n.t('a list'), string: l10n.t('text'), number: l10n.t('a number'), boolean: l10n.t('true or false'), null: 'null', property: l10n.t('a key') }[type];
}

interface NumberRule {
  integer: boolean;
  min: number | undefined;
  max: number | undefined;
}

function asNumberSchema(schema: Schema): NumberRule | undefined {
  const inner = unwrap(schema);
  if (!(inner instanceof core.$ZodNumber)) {
    return undefined;
  }
  // zod/mini keeps a schema's rules as a list of checks; the tightest bounds win.
  let integer = false;
  let min = -Infinity;
  let max = Infinity;
  for (const check of inner._zod.def.checks ?? []) {
    if (check instanceof core.$ZodCheckNumberFormat) {
      integer ||= check._zod.def.format.includes('int');
    } else if (check instanceof core.$ZodCheckGreaterThan) {
      min = Math.max(min, Number(check._zod.def.value));
    } else if (check instanceof core.$ZodCheckLessThan) {
      max = Math.min(max, Number(check._zod.def.value));
    }
  }
  const bound = (value: number) => (Math.abs(value) >= Number.MAX_SAFE_INTEGER ? undefined : value);
  return { integer, min: bound(min), max: bound(max) };
}

/** The shortest length a string schema allows. */
function minLengthOf(schema: core.$ZodString): number {
  let min = 0;
  for (const check of schema._zod.def.checks ?? []) {
    if (check instanceof core.$ZodCheckMinLength || check instanceof core.$ZodCheckLengthEquals) {
      min = Math.max(min, check instanceof core.$ZodCheckMinLength ? check._zod.def.minimum : check._zod.def.length);
    }
  }
  return min;
}

function enumOptions(schema: core.$ZodEnum): unknown[] {
  return [...schema._zod.values];
}

function literalValue(schema: core.$ZodLiteral): unknown {
  return schema._zod.def.values[0];
}

function describeNumber(rule: NumberRule, plural = false): string {
  const noun = rule.integer ? (plural ? l10n.t('whole numbers') : l10n.t('a whole number')) : (plural ? l10n.t('numbers') : l10n.t('a number'));
  if (rule.min !== undefined && rule.max !== undefined) {
    return l10n.t('{0} from {1} to {2}', noun, rule.min, rule.max);
  }
  if (rule.min !== undefined) {
    return l10n.t('{0} of at least {1}', noun, rule.min);
  }
  return rule.max !== undefined ? l10n.t('{0} of at most {1}', noun, rule.max) : noun;
}

function quotedList(values: readonly unknown[]): string {
  return values.map((v) => JSON.stringify(v)).join(', ');
}

export function describeExpected(schema: Schema, plural = false): string {
  const inner = unwrap(schema);
  const number = asNumberSchema(inner);
  if (number) {
    return describeNumber(number, plural);
  }
  if (inner instanceof core.$ZodString) {
    return minLengthOf(inner) > 0 ? l10n.t('non-empty text') : l10n.t('text');
  }
  if (inner instanceof core.$ZodEnum) {
    return l10n.t('one of {0}', quotedList(enumOptions(inner)));
  }
  if (inner instanceof core.$ZodLiteral) {
    return JSON.stringify(literalValue(inner));
  }
  if (inner instanceof core.$ZodNull) {
    return 'null';
  }
  if (inner instanceof core.$ZodArray) {
    const element = unwrap(inner._zod.def.element);
    return element instanceof core.$ZodEnum
      ? l10n.t('a list of any of {0}', quotedList(enumOptions(element)))
      : l10n.t('a list of {0}', describeExpected(element, true));
  }
  if (inner instanceof core.$ZodObject) {
    return l10n.t('an object with {0}', formatList(Object.keys(inner._zod.def.shape).map((k) => `"${k}"`), 'conjunction'));
  }
  if (inner instanceof core.$ZodUnion) {
    return formatList(inner._zod.def.options.map((option) => describeExpected(option)), 'disjunction');
  }
  return l10n.t('valid');
}

/** The strings a value at `path` may be: enum members (through unions), or all endpoint ids. */
function stringChoices(schema: Schema, path: PathSegment[]): string[] {
  if (path.length === 1 && path[0] === 'endpoint') {
    return [...ANIMATEDIFF_ENDPOINTS];
  }
  const inner = unwrap(schema);
  if (inner instanceof core.$ZodEnum) {
    return enumOptions(inner).map(String);
  }
  if (inner instanceof core.$ZodUnion) {
    return inner._zod.def.options.flatMap((option) => stringChoices(option, []));
  }
  return [];
}

function fitNumber(value: number, rule: NumberRule): number {
  let fitted = rule.integer ? Math.round(value) : value;
  if (rule.min !== undefined && fitted < rule.min) {
    fitted = rule.min;
  }
  if (rule.max !== undefined && fitted > rule.max) {
    fitted = rule.max;
  }
  return fitted;
}

function numberFixes(node: JsonNode, value: number, rule: NumberRule): ParamFix[] {
  const fitted = fitNumber(value, rule);
  if (!Number.isFinite(fitted) || fitted === value) {
    return [];
  }
  const title = rule.max !== undefined && value > rule.max
    ? l10n.t('Use the maximum, {0}', fitted)
    : rule.min !== undefined && value < rule.min
      ? l10n.t('Use the minimum, {0}', fitted)
      : l10n.t('Round to {0}', fitted);
  return [{ title, preferred: true, edits: [replaceNode(node, String(fitted))] }];
}

/**
 * A rule's problem in the display language. The schema's own messages stay English (they are what a language model
 * reads when chat checks a video's input), so the rules known here are worded again from the data they carry.
 */
function ruleMessage(issue: core.$ZodIssueCustom, path: PathSegment[]): string {
  const params: Record<string, unknown> = issue.params ?? {};
  switch (params.rule) {
    case 'duplicate-seed':
      return l10n.t('Seed {0} is listed twice: the same seed and prompt give the same video, so it would be generated (and paid for) twice.', String(params.seed));
    case 'variations-with-seed':
      return params.seedList === true
        ? l10n.t('Use either "variations" (random seeds) or a list of seeds in "seed", not both.')
        : l10n.t('"variations" runs {0} generations with random seeds, which contradicts the fixed "seed". Remove one of them.', String(params.variations));
    case 'output-not-relative':
      return l10n.t('{0} must be a folder relative to this file (such as "renders"), so the file works on every machine.', labelOf(path));
  }
  // Other rule messages are written either as full sentences or as the predicate of one.
  return /^[a-z]/.test(issue.message) ? `${labelOf(path)} ${issue.message}.` : issue.message;
}

function labelOf(path: PathSegment[]): string {
  const text = path.reduce<string>((label, segment) => (
    typeof segment === 'number' ? `${label}[${segment}]` : label ? `${label}.${segment}` : segment
  ), '');
  return `"${text}"`;
}

/** The body of a single-quoted string as a JSON string: its escapes kept, `\'` unescaped, `"` escaped. */
function doubleQuoted(body: string): string {
  let result = '';
  for (let i = 0; i < body.length; i++) {
    const char = body[i];
    if (char === '\\' && i + 1 < body.length) {
      const next = body[++i];
      result += next === "'" ? "'" : `\\${next}`;
    } else {
      result += char === '"' ? '\\"' : char;
    }
  }
  return `"${result}"`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function clamp(value: number, min: number, max: number): number {
  return Number.isFinite(value) ? Math.min(Math.max(value, min), Math.max(min, max)) : min;
}

/** Deletes keys from the objects at their paths in `value`, which is this check's own copy of the file. */
function deleteKeys(value: unknown, keysByPath: ReadonlyMap<readonly PathSegment[], readonly string[]>): void {
  for (const [path, keys] of keysByPath) {
    let target: unknown = value;
    for (const segment of path) {
      target = isRecord(target) || Array.isArray(target) ? (target as Record<PathSegment, unknown>)[segment] : undefined;
    }
    if (isRecord(target)) {
      for (const key of keys) {
        delete target[key];
      }
    }
  }
}
