import { createScanner, parseTree, type Node, type ParseError, type ParseOptions } from 'jsonc-parser';

/**
 * Linear scans of a parameter file's text that hold for any input, however large or deep.
 *
 * jsonc-parser's `parseTree` (and `getNodeValue`, `modify`, and every walk of its tree) recurses once per level
 * of nesting, so a file of 100,000 `[` overflows the stack. Every parse of a file's text is preceded by
 * `scanJsonText`, which counts the nesting without recursing.
 */

/** A parameter file nests 2 levels (`video_size`, `seed`); this leaves room for notes under unknown keys while staying far from the stack's limit. */
export const MAX_NESTING_DEPTH = 100;

export interface JsonTextScan {
  /** The deepest nesting of lists and objects, counted up to MAX_NESTING_DEPTH + 1 (the scan stops there). */
  depth: number;
  /** The `[` or `{` that opens the first level beyond MAX_NESTING_DEPTH. */
  tooDeepAt: number | undefined;
  /** False when the text certainly has neither a comment nor a comma right before a `}` or `]`. */
  mayHaveCommentsOrTrailingCommas: boolean;
}

const CHAR = {
  tab: 9, lineFeed: 10, carriageReturn: 13, space: 32, quote: 34, comma: 44, slash: 47, asterisk: 42,
  openBracket: 91, backslash: 92, closeBracket: 93, openBrace: 123, closeBrace: 125,
} as const;

/**
 * Reads the text as jsonc-parser's scanner tokenises it (strings end at `"` or at a line break, `//` and `/* *\/`
 * are comments) and counts the `[` and `{` that are open at each point.
 *
 * The count is never lower than the parser's recursion depth: a closing bracket that does not match the innermost
 * open one is skipped by the parser (it closes nothing), so it closes nothing here either; an opening bracket the
 * parser skips as garbage is still counted here, which can only make the count higher.
 */
export function scanJsonText(text: string): JsonTextScan {
  const open: number[] = [];
  let depth = 0;
  let mayHaveCommentsOrTrailingCommas = false;
  let afterComma = false;
  for (let index = 0; index < text.length; index++) {
    const char = text.charCodeAt(index);
    switch (char) {
      case CHAR.space:
      case CHAR.tab:
      case CHAR.lineFeed:
      case CHAR.carriageReturn:
        continue;
      case CHAR.quote:
        index = stringEnd(text, index) - 1;
        break;
      case CHAR.slash:
        mayHaveCommentsOrTrailingCommas = true;
        index = commentEnd(text, index) - 1;
        break;
      case CHAR.openBrace:
      case CHAR.openBracket:
        open.push(char);
        if (open.length > depth) {
          depth = open.length;
          if (depth > MAX_NESTING_DEPTH) {
            return { depth, tooDeepAt: index, mayHaveCommentsOrTrailingCommas };
          }
        }
        break;
      case CHAR.closeBrace:
      case CHAR.closeBracket:
        mayHaveCommentsOrTrailingCommas ||= afterComma;
        if (open[open.length - 1] === (char === CHAR.closeBrace ? CHAR.openBrace : CHAR.openBracket)) {
          open.pop();
        }
        break;
      default:
        break;
    }
    afterComma = char === CHAR.comma;
  }
  return { depth, tooDeepAt: undefined, mayHaveCommentsOrTrailingCommas };
}

/** jsonc-parser's `parseTree`, or undefined for a text nested too deeply to parse without overflowing the stack. */
export function parseTreeWithinDepth(text: string, errors?: ParseError[], options?: ParseOptions): Node | undefined {
  return scanJsonText(text).tooDeepAt === undefined ? parseTree(text, errors, options) : undefined;
}

// jsonc-parser's token kinds (a `const enum`, which isolated modules cannot inline; the numbers are its published API).
const TOKEN = { openBrace: 1, lineComment: 12, blockComment: 13, lineBreak: 14, trivia: 15, unknown: 16, eof: 17 } as const;
const SKIPPED_BEFORE_A_VALUE: ReadonlySet<number> = new Set([TOKEN.lineComment, TOKEN.blockComment, TOKEN.lineBreak, TOKEN.trivia, TOKEN.unknown]);

/**
 * Where `parseTree` would put the root object: the offset of its `{` when that is the first token (white space,
 * comments and stray characters skipped, as the parser skips them), else 0. Reads only up to that token.
 */
export function objectStartOffset(text: string): number {
  const scanner = createScanner(text, false);
  for (let kind: number = scanner.scan(); kind !== TOKEN.eof; kind = scanner.scan()) {
    if (!SKIPPED_BEFORE_A_VALUE.has(kind)) {
      return kind === TOKEN.openBrace ? scanner.getTokenOffset() : 0;
    }
  }
  return 0;
}

/** The offset after the string that starts at `start`: after its closing quote, or at the line break or end that cuts it short. */
function stringEnd(text: string, start: number): number {
  for (let index = start + 1; index < text.length; index++) {
    const char = text.charCodeAt(index);
    if (char === CHAR.quote) {
      return index + 1;
    }
    if (char === CHAR.backslash) {
      index++;
    } else if (char === CHAR.lineFeed || char === CHAR.carriageReturn) {
      return index;
    }
  }
  return text.length;
}

/** The offset after the comment (or lone `/`) at `start`. */
function commentEnd(text: string, start: number): number {
  const next = text.charCodeAt(start + 1);
  if (next === CHAR.slash) {
    for (let index = start + 2; index < text.length; index++) {
      const char = text.charCodeAt(index);
      if (char === CHAR.lineFeed || char === CHAR.carriageReturn) {
        return index;
      }
    }
    return text.length;
  }
  if (next === CHAR.asterisk) {
    const close = text.indexOf('*/', start + 2);
    return close < 0 ? text.length : close + 2;
  }
  return start + 1;
}
