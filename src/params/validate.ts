import {
  createScanner,
  findNodeAtLocation,
  getNodeValue,
  parseTree,
  printParseErrorCode,
  type Node,
  type ParseError,
  type SyntaxKind,
} from 'jsonc-parser';
import { z } from 'zod';
import {
  ANIMATEDIFF_ENDPOINTS,
  LIMITS,
  TURBO_TEXT_TO_VIDEO,
  isAnimateDiffEndpoint,
  isTurboEndpoint,
  isVideoToVideoEndpoint,
  type AnimateDiffEndpoint,
} from '../model/animateDiff';
import { ENDPOINT_NAMES, PARAMS_SCHEMA_BY_ENDPOINT, paramsFileSchema, paramsKeysFor, type ParamsFile } from './fileSchema';
import {
  nodeText,
  objectAnchor,
  propertyNode,
  removeNodeEdit,
  replaceNode,
  setTopLevelPropertyEdits,
  type ParamDiagnostic,
  type ParamFix,
  type ParamTextEdit,
} from './diagnostics';
import { MAX_NESTING_DEPTH, scanJsonText } from './jsonText';
import { isRecord } from '../util/text';
import { closestMatch, rankCandidates } from './suggest';

export interface ParamsValidation {
  /** Sorted by offset. */
  diagnostics: ParamDiagnostic[];
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
 * Lists and objects nested deeper than MAX_NESTING_DEPTH are refused before parsing (the parser recurses).
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
        message: `The parameter file could not be checked (${error instanceof Error ? error.message : String(error)}). Please report this.`,
      }],
    };
  }
}

/** The endpoint whose rules apply to a parsed file: its valid `endpoint`, else the default. */
export function effectiveEndpoint(value: unknown): AnimateDiffEndpoint {
  const endpoint = isRecord(value) ? value.endpoint : undefined;
  return isAnimateDiffEndpoint(endpoint) ? endpoint : TURBO_TEXT_TO_VIDEO;
}

type PathSegment = string | number;

// jsonc-parser declares its token kinds as a `const enum`, which isolated modules cannot inline;
// these numbers are part of its published API.
const TOKEN = { closeBrace: 2, closeBracket: 4, comma: 5, lineComment: 12, blockComment: 13, lineBreak: 14, trivia: 15, eof: 17 } as const;

interface Token {
  kind: SyntaxKind;
  offset: number;
  length: number;
}

/**
 * One check of one text. Long on purpose: every step (syntax, duplicate keys, schema issues, fixes) reads the same
 * parse tree, text and endpoint, and reports into one list; the schema is described in words by the functions below.
 */
class ParamsChecker {
  private readonly diagnostics: ParamDiagnostic[] = [];
  /** Keys reported as unknown (warnings): removed before the final parse. */
  private readonly ignoredKeys: Array<{ path: PathSegment[]; key: string }> = [];
  /** Set once the text parsed to an object; the schema checks run only after that. */
  private root!: Node;
  private endpoint: AnimateDiffEndpoint = TURBO_TEXT_TO_VIDEO;

  constructor(private readonly text: string) {}

  check(): ParamsValidation {
    if (this.text.trim() === '') {
      this.report({
        offset: 0,
        length: 0,
        severity: 'error',
        code: 'empty-file',
        message: 'The file is empty. A parameter file is one JSON object with at least a prompt, such as { "prompt": "a fox in the snow" }.',
      });
      return this.result();
    }
    // A byte-order mark is not JSON; blank it out (same length, so offsets stay right).
    const parseable = this.text.charCodeAt(0) === 0xfeff ? ` ${this.text.slice(1)}` : this.text;
    const shape = scanJsonText(parseable);
    if (shape.tooDeepAt !== undefined) {
      // Parsing would recurse once per level and overflow the stack; nothing else can be checked.
      this.report({
        offset: shape.tooDeepAt,
        length: 1,
        severity: 'error',
        code: 'nested-too-deeply',
        message: `Lists and objects are nested too deeply here (more than ${MAX_NESTING_DEPTH} levels), so the file is not checked further. `
          + 'A parameter file needs at most 2 levels.',
      });
      return this.result();
    }
    const tokens = this.scan(parseable);
    const errors: ParseError[] = [];
    const root = parseTree(parseable, errors, { allowTrailingComma: true, disallowComments: false, allowEmptyContent: false });
    if (errors.length > 0) {
      this.reportSyntaxError(errors[0], tokens);
      return this.result();
    }
    if (!root || root.type !== 'object') {
      this.report({
        offset: root?.offset ?? 0,
        length: root?.length ?? 0,
        severity: 'error',
        code: 'not-an-object',
        message: `A parameter file is one JSON object ({ "prompt": … }), not ${root ? describeJsonKind(root.type) : 'this'}.`,
      });
      return this.result();
    }
    this.root = root;
    this.checkDuplicateKeys(root);
    const value: unknown = getNodeValue(root);
    this.endpoint = effectiveEndpoint(value);
    const parsed = paramsFileSchema.safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        this.reportIssue(issue, []);
      }
    }
    this.checkRecommendedSteps(root);
    return this.result(value);
  }

  private result(value?: unknown): ParamsValidation {
    const diagnostics = this.diagnostics.sort((a, b) => a.offset - b.offset || severityRank(a) - severityRank(b));
    if (value === undefined || diagnostics.some((d) => d.severity === 'error')) {
      return { diagnostics };
    }
    const cleaned = withoutKeys(value, this.ignoredKeys);
    const parsed = paramsFileSchema.safeParse(cleaned);
    if (parsed.success) {
      return { diagnostics, params: parsed.data };
    }
    // Every issue of the raw file was reported above, so this means a rule escaped the mapping.
    diagnostics.push({
      offset: this.root?.offset ?? 0,
      length: Math.min(1, this.text.length),
      severity: 'error',
      code: 'internal-error',
      message: `The file is not valid: ${parsed.error.issues.map((i) => i.message).join('; ')}`,
    });
    return { diagnostics };
  }

  private report(diagnostic: ParamDiagnostic): void {
    const offset = clamp(diagnostic.offset, 0, this.text.length);
    const length = clamp(diagnostic.length, 0, this.text.length - offset);
    const { fixes, ...rest } = diagnostic;
    const inText = (edit: ParamTextEdit) => edit.offset >= 0 && edit.length >= 0 && edit.offset + edit.length <= this.text.length;
    const usable = fixes?.filter((fix) => fix.edits.length > 0 && fix.edits.every(inText)) ?? [];
    this.diagnostics.push(usable.length > 0 ? { ...rest, offset, length, fixes: usable } : { ...rest, offset, length });
  }

  // ---- Syntax -------------------------------------------------------------------------------------

  /** Reports comments and trailing commas (errors in .json) and returns the significant tokens. */
  private scan(text: string): Token[] {
    const scanner = createScanner(text, false);
    const significant: Token[] = [];
    let pendingComma: Token | undefined;
    for (let kind = scanner.scan(); kind !== TOKEN.eof; kind = scanner.scan()) {
      const offset = scanner.getTokenOffset();
      // An unclosed block comment at the very end reports one character more than the text has.
      const token = { kind, offset, length: Math.min(scanner.getTokenLength(), text.length - offset) };
      if (kind === TOKEN.lineComment || kind === TOKEN.blockComment) {
        this.reportComment(text, token);
        continue;
      }
      if (kind === TOKEN.trivia || kind === TOKEN.lineBreak) {
        continue;
      }
      if (pendingComma && (kind === TOKEN.closeBrace || kind === TOKEN.closeBracket)) {
        this.report({
          offset: pendingComma.offset,
          length: 1,
          severity: 'error',
          code: 'json-trailing-comma',
          message: 'Trailing comma: JSON allows no comma after the last entry.',
          fixes: [{ title: 'Remove the trailing comma', preferred: true, edits: [{ offset: pendingComma.offset, length: 1, newText: '' }] }],
        });
      }
      pendingComma = kind === TOKEN.comma ? token : undefined;
      significant.push(token);
    }
    return significant;
  }

  private reportComment(text: string, comment: Token): void {
    const lineStart = text.lastIndexOf('\n', comment.offset - 1) + 1;
    const lineBreak = text.indexOf('\n', comment.offset + comment.length);
    const lineEnd = lineBreak < 0 ? text.length : lineBreak + 1;
    const aloneOnItsLines = text.slice(lineStart, comment.offset).trim() === ''
      && text.slice(comment.offset + comment.length, lineEnd).trim() === '';
    const removal = aloneOnItsLines
      ? { offset: lineStart, length: lineEnd - lineStart, newText: '' }
      : { offset: comment.offset, length: comment.length, newText: '' };
    this.report({
      offset: comment.offset,
      length: comment.length,
      severity: 'error',
      code: 'json-comment',
      message: comment.kind === TOKEN.blockComment && !/\*\/$/.test(text.slice(comment.offset + 2, comment.offset + comment.length))
        ? 'This comment is never closed with */ — and comments are not allowed in JSON.'
        : 'Comments are not allowed in JSON. Put notes in the prompt, or in a file beside this one.',
      fixes: [{ title: 'Remove the comment', preferred: true, edits: [removal] }],
    });
  }

  private reportSyntaxError(error: ParseError, tokens: Token[]): void {
    if (printParseErrorCode(error.error) === 'UnexpectedEndOfComment') {
      return; // already reported, with its fix, as a comment
    }
    const at = { offset: error.offset, length: error.length };
    const tokenText = this.text.slice(error.offset, error.offset + error.length);
    const fixes: ParamFix[] = [];
    const errorName = printParseErrorCode(error.error);
    let message = SYNTAX_MESSAGES[errorName] ?? 'Invalid JSON.';
    const singleQuoted = errorName === 'InvalidSymbol' ? /^'((?:[^'\\\n]|\\.)*)'/.exec(this.text.slice(error.offset)) : null;
    if (singleQuoted) {
      // The scanner splits 'a fox' into pieces; the problem (and the fix) is the whole quoted text.
      at.length = singleQuoted[0].length;
      message = 'JSON strings and keys need double quotes (") instead of single quotes.';
      fixes.push({
        title: 'Use double quotes',
        preferred: true,
        edits: [{ ...at, newText: doubleQuoted(singleQuoted[1]) }],
      });
    } else if (errorName === 'InvalidSymbol' && /^[A-Za-z_$][\w$-]*$/.test(tokenText)
      && /^\s*:/.test(this.text.slice(error.offset + error.length))) {
      message = `Keys need double quotes: "${tokenText}".`;
      fixes.push({ title: `Quote the key "${tokenText}"`, preferred: true, edits: [{ ...at, newText: JSON.stringify(tokenText) }] });
    } else if (errorName === 'CommaExpected') {
      const previous = [...tokens].reverse().find((token) => token.offset + token.length <= error.offset);
      if (previous) {
        fixes.push({
          title: 'Insert the missing comma',
          preferred: true,
          edits: [{ offset: previous.offset + previous.length, length: 0, newText: ',' }],
        });
      }
    }
    this.report({ ...at, severity: 'error', code: 'json-syntax', message, fixes });
  }

  private checkDuplicateKeys(node: Node): void {
    if (node.type === 'object') {
      const seen = new Set<string>();
      const properties = node.children ?? [];
      // Report the earlier copies: JSON readers keep the last one, so that is the one that counts.
      for (let i = properties.length - 1; i >= 0; i--) {
        const key = properties[i].children?.[0];
        if (!key || typeof key.value !== 'string') {
          continue;
        }
        if (seen.has(key.value)) {
          this.report({
            offset: key.offset,
            length: key.length,
            severity: 'error',
            code: 'duplicate-key',
            message: `"${key.value}" is set more than once; only the last one would count. Remove this one or the other.`,
            fixes: [{ title: `Remove this "${key.value}"`, preferred: true, edits: [removeNodeEdit(properties[i])] }],
          });
        }
        seen.add(key.value);
      }
    }
    for (const child of node.children ?? []) {
      this.checkDuplicateKeys(child);
    }
  }

  // ---- Schema issues ------------------------------------------------------------------------------

  private reportIssue(issue: z.core.$ZodIssue, prefix: PathSegment[]): void {
    const path = [...prefix, ...issue.path.filter((s): s is PathSegment => typeof s === 'string' || typeof s === 'number')];
    switch (issue.code) {
      case 'unrecognized_keys':
        for (const key of issue.keys) {
          this.reportUnknownKey(path, key);
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

  private reportUnionIssue(issue: z.core.$ZodIssueInvalidUnion, path: PathSegment[]): void {
    if (path.length === 1 && path[0] === 'endpoint') {
      this.reportValueIssue(issue, path);
      return;
    }
    // Only the alternative of the same JSON kind as the value can explain what is wrong with it.
    const found = this.schemaAt(path);
    const schema = found ? unwrap(found) : undefined;
    const value = this.valueAt(path);
    if (schema instanceof z.ZodUnion) {
      const index = (schema.options as z.ZodType[]).findIndex((option) => jsonKindOf(unwrap(option)) === jsonKindOfValue(value));
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

  private reportValueIssue(issue: z.core.$ZodIssue, path: PathSegment[]): void {
    const node = findNodeAtLocation(this.root, path);
    if (!node) {
      this.reportMissingKey(path);
      return;
    }
    const found = this.schemaAt(path);
    // Against a union, the member of the value's own kind says what is wrong ("seed": -3 is a bad number).
    const schema = found ? this.pickAlternative(unwrap(found), path) : undefined;
    const label = labelOf(path);
    const expected = path.length === 1 && path[0] === 'endpoint'
      ? `one of ${quotedList(ANIMATEDIFF_ENDPOINTS)}`
      : schema ? describeExpected(schema) : 'valid';
    const value: unknown = getNodeValue(node);
    const fixes: ParamFix[] = [];
    let code: ParamDiagnostic['code'] = 'invalid-type';
    let message = `${label} must be ${expected}, not ${this.shown(node)}.`;

    const numberSchema = schema ? asNumberSchema(schema) : undefined;
    const choices = schema ? stringChoices(schema, path) : [];
    if (issue.code === 'too_small' && issue.origin === 'string') {
      code = 'invalid-value';
      message = `${label} must not be empty.`;
    } else if ((issue.code === 'too_small' || issue.code === 'too_big') && issue.origin === 'array' && Array.isArray(value)) {
      code = 'out-of-range';
      const limit = Number(issue.code === 'too_big' ? issue.maximum : issue.minimum);
      message = `${label} must have ${issue.code === 'too_big' ? 'at most' : 'at least'} ${limit} ${limit === 1 ? 'entry' : 'entries'}; it has ${value.length}.`;
    } else if (numberSchema && typeof value === 'number') {
      code = issue.code === 'too_big' || issue.code === 'too_small' ? 'out-of-range' : 'invalid-type';
      fixes.push(...numberFixes(node, value, numberSchema));
    } else if (numberSchema && typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) {
      const fixed = fitNumber(Number(value), numberSchema);
      fixes.push({ title: `Change to the number ${fixed}`, preferred: true, edits: [replaceNode(node, String(fixed))] });
    } else if (choices.length > 0 && typeof value === 'string') {
      code = 'invalid-value';
      const ranked = rankCandidates(value, choices);
      if (ranked[0]?.close) {
        message += ` Did you mean "${ranked[0].candidate}"?`;
      }
      ranked.forEach(({ candidate, close }, index) => {
        fixes.push({ title: `Change to "${candidate}"`, preferred: index === 0 && close, edits: [replaceNode(node, JSON.stringify(candidate))] });
      });
    }
    if (value === null && path.length === 1 && typeof path[0] === 'string' && this.isOptionalKey(path[0])) {
      const property = node.parent;
      if (property?.type === 'property') {
        fixes.push({ title: `Remove "${path[0]}" to use the default`, edits: [removeNodeEdit(property)] });
      }
    }
    this.report({ offset: node.offset, length: node.length, severity: 'error', code, message, fixes });
  }

  private reportMissingKey(path: PathSegment[]): void {
    const key = path[path.length - 1];
    const objectNode = findNodeAtLocation(this.root, path.slice(0, -1));
    const anchor = objectNode ? objectAnchor(objectNode) : { offset: this.root?.offset ?? 0, length: 1 };
    const hint = key === 'prompt'
      ? ': the text that describes the video'
      : key === 'video_url'
        ? `: the video that ${ENDPOINT_NAMES[this.endpoint]} restyles (a URL, a data: URI or a path in this workspace)`
        : '';
    this.report({
      ...anchor,
      severity: 'error',
      code: 'missing-key',
      message: `Missing required key "${String(key)}"${hint}.`,
    });
  }

  private reportRuleIssue(issue: z.core.$ZodIssueCustom, path: PathSegment[]): void {
    const node = findNodeAtLocation(this.root, path);
    if (!node) {
      this.reportMissingKey(path);
      return;
    }
    const rule = typeof issue.params?.rule === 'string' ? issue.params.rule : undefined;
    const fixes: ParamFix[] = [];
    let code: ParamDiagnostic['code'] = 'invalid-value';
    if (rule === 'duplicate-seed') {
      fixes.push({ title: 'Remove the repeated seed', preferred: true, edits: [removeNodeEdit(node)] });
    } else if (rule === 'variations-with-seed') {
      code = 'conflicting-keys';
      for (const key of ['variations', 'seed']) {
        const property = propertyNode(this.root, key);
        if (property) {
          fixes.push({ title: `Remove "${key}"`, edits: [removeNodeEdit(property)] });
        }
      }
    }
    // Rule messages are written either as full sentences or as the predicate of one.
    const message = /^[a-z]/.test(issue.message) ? `${labelOf(path)} ${issue.message}.` : issue.message;
    this.report({ offset: node.offset, length: node.length, severity: 'error', code, message, fixes });
  }

  /** First property node of each key, per object node: a file can have hundreds of unknown keys. */
  private readonly propertiesByObject = new Map<Node, Map<unknown, Node>>();

  private propertiesOf(objectNode: Node): Map<unknown, Node> {
    let properties = this.propertiesByObject.get(objectNode);
    if (!properties) {
      properties = new Map();
      for (const property of objectNode.children ?? []) {
        const key: unknown = property.children?.[0]?.value;
        if (!properties.has(key)) {
          properties.set(key, property);
        }
      }
      this.propertiesByObject.set(objectNode, properties);
    }
    return properties;
  }

  private reportUnknownKey(objectPath: PathSegment[], key: string): void {
    const objectNode = findNodeAtLocation(this.root, objectPath);
    const present = objectNode ? this.propertiesOf(objectNode) : undefined;
    const property = present?.get(key);
    const keyNode = property?.children?.[0];
    if (!objectNode || !present || !property || !keyNode) {
      return;
    }
    const at = { offset: keyNode.offset, length: keyNode.length };
    const remove: ParamFix = { title: `Remove "${key}"`, edits: [removeNodeEdit(property)] };
    if (objectPath.length === 0) {
      const owners = ANIMATEDIFF_ENDPOINTS.filter((endpoint) => paramsKeysFor(endpoint).includes(key));
      if (owners.length > 0) {
        this.reportWrongEndpointKey(key, owners, at, remove);
        return;
      }
    }
    const schema = this.schemaAt(objectPath);
    const objectSchema = schema ? this.pickAlternative(unwrap(schema), objectPath) : undefined;
    const validKeys = objectSchema instanceof z.ZodObject ? Object.keys(objectSchema.shape) : [];
    const suggestion = closestMatch(key, validKeys);
    const fixes: ParamFix[] = [];
    let message: string;
    if (suggestion && !present.has(suggestion)) {
      message = `Unknown key "${key}". Did you mean "${suggestion}"?`;
      fixes.push({ title: `Change to "${suggestion}"`, preferred: true, edits: [replaceNode(keyNode, JSON.stringify(suggestion))] });
    } else if (suggestion) {
      message = `Unknown key "${key}" (did you mean "${suggestion}"? It is already set). It is not sent to fal.`;
    } else if (objectPath.length === 0) {
      message = `Unknown key "${key}": ${ENDPOINT_NAMES[this.endpoint]} has no such input, so it is not sent to fal.`;
    } else {
      message = `Unknown key "${key}": ${labelOf(objectPath)} accepts only ${validKeys.map((k) => `"${k}"`).join(' and ')}.`;
    }
    fixes.push(remove);
    this.ignoredKeys.push({ path: objectPath, key });
    this.report({ ...at, severity: 'warning', code: 'unknown-key', message, fixes });
  }

  private reportWrongEndpointKey(
    key: string,
    owners: readonly AnimateDiffEndpoint[],
    at: { offset: number; length: number },
    remove: ParamFix,
  ): void {
    // The likeliest intent: the same kind of job (text or video input), then the same speed.
    const sameKind = owners.filter((endpoint) => isVideoToVideoEndpoint(endpoint) === isVideoToVideoEndpoint(this.endpoint));
    const candidates = sameKind.length > 0 ? sameKind : owners;
    const target = candidates.find((endpoint) => isTurboEndpoint(endpoint) === isTurboEndpoint(this.endpoint)) ?? candidates[0];
    this.report({
      ...at,
      severity: 'error',
      code: 'wrong-endpoint-key',
      message: `"${key}" is not an input of ${ENDPOINT_NAMES[this.endpoint]} (this file's "endpoint"). `
        + `${capitalise(ENDPOINT_NAMES[target])} has it: set "endpoint" to "${target}", or remove "${key}".`,
      fixes: [
        { title: `Set "endpoint" to "${target}"`, edits: setTopLevelPropertyEdits(this.text, 'endpoint', target) },
        remove,
      ],
    });
  }

  private checkRecommendedSteps(root: Node): void {
    if (!isTurboEndpoint(this.endpoint)) {
      return;
    }
    const node = findNodeAtLocation(root, ['num_inference_steps']);
    const steps: unknown = node ? getNodeValue(node) : undefined;
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
      message: `${recommendedMin}–${recommendedMax} inference steps are recommended for turbo mode; ${steps} is outside that range.`,
      fixes: [{ title: `Use ${nearest}`, preferred: true, edits: [replaceNode(node, String(nearest))] }],
    });
  }

  // ---- Helpers ------------------------------------------------------------------------------------

  private schemaAt(path: PathSegment[]): z.ZodType | undefined {
    let schema: z.ZodType | undefined = PARAMS_SCHEMA_BY_ENDPOINT[this.endpoint];
    for (let depth = 0; depth < path.length && schema; depth++) {
      const inner = this.pickAlternative(unwrap(schema), path.slice(0, depth));
      const segment = path[depth];
      if (inner instanceof z.ZodObject && typeof segment === 'string') {
        schema = (inner.shape as Record<string, z.ZodType>)[segment];
      } else if (inner instanceof z.ZodArray && typeof segment === 'number') {
        schema = inner.element as z.ZodType;
      } else {
        return undefined;
      }
    }
    return schema;
  }

  /** For a union, the member matching the kind of JSON value at `path` (so paths can go through it). */
  private pickAlternative(schema: z.ZodType, path: PathSegment[]): z.ZodType {
    if (!(schema instanceof z.ZodUnion)) {
      return schema;
    }
    const kind = jsonKindOfValue(this.valueAt(path));
    const match = (schema.options as z.ZodType[]).find((option) => jsonKindOf(unwrap(option)) === kind);
    return match ? unwrap(match) : schema;
  }

  private valueAt(path: PathSegment[]): unknown {
    const node = findNodeAtLocation(this.root, path);
    return node ? getNodeValue(node) : undefined;
  }

  private isOptionalKey(key: string): boolean {
    const schema = (PARAMS_SCHEMA_BY_ENDPOINT[this.endpoint].shape as Record<string, z.ZodType>)[key];
    return schema instanceof z.ZodOptional || schema instanceof z.ZodDefault;
  }

  private shown(node: Node): string {
    if (node.type === 'object') {
      return 'an object';
    }
    if (node.type === 'array') {
      return 'a list';
    }
    const raw = nodeText(this.text, node);
    const short = raw.length > 40 ? `${raw.slice(0, 39)}…` : raw;
    return node.type === 'string' ? `the text ${short}` : short;
  }
}

// ---- Describing schemas in words ------------------------------------------------------------------

const SYNTAX_MESSAGES: Partial<Record<ReturnType<typeof printParseErrorCode>, string>> = {
  InvalidSymbol: 'Unexpected character: this is not valid JSON here.',
  InvalidNumberFormat: 'Invalid number.',
  PropertyNameExpected: 'Expected a key in double quotes, such as "prompt".',
  ValueExpected: 'Expected a value: text in double quotes, a number, true, false, null, a list [ … ] or an object { … }.',
  ColonExpected: 'Expected ":" after the key.',
  CommaExpected: 'Expected a comma between the entries.',
  CloseBraceExpected: 'Expected "}" to close the object.',
  CloseBracketExpected: 'Expected "]" to close the list.',
  EndOfFileExpected: 'Unexpected content after the end of the object: a parameter file holds exactly one JSON object.',
  InvalidCommentToken: 'Comments are not allowed in JSON.',
  UnexpectedEndOfComment: 'This comment is never closed with */ (and comments are not allowed in JSON).',
  UnexpectedEndOfString: 'This text is never closed: add the closing double quote (") on the same line.',
  UnexpectedEndOfNumber: 'Incomplete number.',
  InvalidUnicode: 'Invalid \\u escape: it needs exactly four hexadecimal digits.',
  InvalidEscapeCharacter: 'Invalid escape in text: write \\\\ for a backslash, \\" for a quote, \\n for a line break.',
  InvalidCharacter: 'Line breaks and tabs inside text must be written as \\n and \\t.',
};

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  while (current instanceof z.ZodOptional || current instanceof z.ZodDefault || current instanceof z.ZodNullable) {
    current = current.unwrap() as z.ZodType;
  }
  return current;
}

type JsonKind = 'string' | 'number' | 'boolean' | 'null' | 'array' | 'object' | 'other';

function jsonKindOf(schema: z.ZodType): JsonKind {
  if (schema instanceof z.ZodNumber) {
    return 'number';
  }
  if (schema instanceof z.ZodString || schema instanceof z.ZodEnum) {
    return 'string';
  }
  if (schema instanceof z.ZodLiteral) {
    return jsonKindOfValue(schema.value);
  }
  if (schema instanceof z.ZodArray) {
    return 'array';
  }
  if (schema instanceof z.ZodObject) {
    return 'object';
  }
  if (schema instanceof z.ZodNull) {
    return 'null';
  }
  if (schema instanceof z.ZodBoolean) {
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

function describeJsonKind(type: Node['type']): string {
  return { object: 'an object', array: 'a list', string: 'text', number: 'a number', boolean: 'true or false', null: 'null', property: 'a key' }[type];
}

interface NumberRule {
  integer: boolean;
  min: number | undefined;
  max: number | undefined;
}

function asNumberSchema(schema: z.ZodType): NumberRule | undefined {
  const inner = unwrap(schema);
  if (!(inner instanceof z.ZodNumber)) {
    return undefined;
  }
  const bound = (value: number | null) => (value === null || Math.abs(value) >= Number.MAX_SAFE_INTEGER ? undefined : value);
  return { integer: inner.isInt, min: bound(inner.minValue), max: bound(inner.maxValue) };
}

function describeNumber(rule: NumberRule, plural = false): string {
  const noun = rule.integer ? (plural ? 'whole numbers' : 'a whole number') : (plural ? 'numbers' : 'a number');
  if (rule.min !== undefined && rule.max !== undefined) {
    return `${noun} from ${rule.min} to ${rule.max}`;
  }
  if (rule.min !== undefined) {
    return `${noun} of at least ${rule.min}`;
  }
  return rule.max !== undefined ? `${noun} of at most ${rule.max}` : noun;
}

function quotedList(values: readonly unknown[]): string {
  return values.map((v) => JSON.stringify(v)).join(', ');
}

export function describeExpected(schema: z.ZodType, plural = false): string {
  const inner = unwrap(schema);
  const number = asNumberSchema(inner);
  if (number) {
    return describeNumber(number, plural);
  }
  if (inner instanceof z.ZodString) {
    return (inner.minLength ?? 0) > 0 ? 'non-empty text' : 'text';
  }
  if (inner instanceof z.ZodEnum) {
    return `one of ${quotedList(inner.options)}`;
  }
  if (inner instanceof z.ZodLiteral) {
    return JSON.stringify(inner.value);
  }
  if (inner instanceof z.ZodNull) {
    return 'null';
  }
  if (inner instanceof z.ZodArray) {
    const element = unwrap(inner.element as z.ZodType);
    return element instanceof z.ZodEnum
      ? `a list of any of ${quotedList(element.options)}`
      : `a list of ${describeExpected(element, true)}`;
  }
  if (inner instanceof z.ZodObject) {
    return `an object with ${Object.keys(inner.shape).map((k) => `"${k}"`).join(' and ')}`;
  }
  if (inner instanceof z.ZodUnion) {
    const parts = (inner.options as z.ZodType[]).map((option) => describeExpected(option));
    return parts.length > 1 ? `${parts.slice(0, -1).join(', ')} or ${parts[parts.length - 1]}` : parts.join('');
  }
  return 'valid';
}

/** The strings a value at `path` may be: enum members (through unions), or all endpoint ids. */
function stringChoices(schema: z.ZodType, path: PathSegment[]): string[] {
  if (path.length === 1 && path[0] === 'endpoint') {
    return [...ANIMATEDIFF_ENDPOINTS];
  }
  const inner = unwrap(schema);
  if (inner instanceof z.ZodEnum) {
    return inner.options.map(String);
  }
  if (inner instanceof z.ZodUnion) {
    return (inner.options as z.ZodType[]).flatMap((option) => stringChoices(option, []));
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

function numberFixes(node: Node, value: number, rule: NumberRule): ParamFix[] {
  const fitted = fitNumber(value, rule);
  if (!Number.isFinite(fitted) || fitted === value) {
    return [];
  }
  const title = rule.max !== undefined && value > rule.max
    ? `Use the maximum, ${fitted}`
    : rule.min !== undefined && value < rule.min
      ? `Use the minimum, ${fitted}`
      : `Round to ${fitted}`;
  return [{ title, preferred: true, edits: [replaceNode(node, String(fitted))] }];
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

function severityRank(diagnostic: ParamDiagnostic): number {
  return diagnostic.severity === 'error' ? 0 : diagnostic.severity === 'warning' ? 1 : 2;
}

function clamp(value: number, min: number, max: number): number {
  return Number.isFinite(value) ? Math.min(Math.max(value, min), Math.max(min, max)) : min;
}


/** A copy of `value` without the given keys (each at the object at its path). */
function withoutKeys(value: unknown, keys: ReadonlyArray<{ path: PathSegment[]; key: string }>): unknown {
  if (keys.length === 0) {
    return value;
  }
  const copy: unknown = structuredClone(value);
  for (const { path, key } of keys) {
    let target: unknown = copy;
    for (const segment of path) {
      target = isRecord(target) || Array.isArray(target) ? (target as Record<PathSegment, unknown>)[segment] : undefined;
    }
    if (isRecord(target)) {
      delete target[key];
    }
  }
  return copy;
}
