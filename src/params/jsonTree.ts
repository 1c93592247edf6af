/**
 * The parse tree the parameter-file checker reads: JSON with the offset and length of every value, key and property.
 *
 * It is jsonc-parser's `parseTree` as validate.ts calls it (`allowTrailingComma: true`, comments allowed, no empty
 * content), made for the checker's case, which jsonc-parser's general one makes slow on large files:
 *
 * - Only the first syntax error matters (the checker stops there), so parsing stops there too, and returns no tree.
 *   The error is the one jsonc-parser reports first, with its code, offset and length: the parser below follows
 *   jsonc-parser's grammar step by step up to it, and the scanner tokenises as jsonc-parser 3.3.1's does.
 * - Nodes are plain objects of one shape (every field present), built directly, without a visitor; a string's value
 *   is a slice of the text unless it has escapes.
 * - The parser keeps its own stack (the parents of the nodes), so no text is nested too deeply for it. Code that walks
 *   the tree recursively passes `maxDepth`, and the parse stops at the first `[` or `{` beyond it.
 * - It says whether the text has comments or trailing commas, which the checker reports, so that a text without them
 *   needs no other pass.
 *
 * The tree has the shape of jsonc-parser's (`Node`, without `colonOffset`), so code written for one reads the other.
 */

export type JsonNodeType = 'object' | 'array' | 'property' | 'string' | 'number' | 'boolean' | 'null';

export type JsonScalar = string | number | boolean | null;

export interface JsonNode {
  readonly type: JsonNodeType;
  readonly offset: number;
  readonly length: number;
  /** Undefined for the root. */
  readonly parent?: JsonNode;
  /** An object's properties, an array's elements, a property's key and value; undefined for the others. */
  readonly children?: JsonNode[];
  /** A string's, number's, boolean's or null's value (a property's key node is a string); undefined for the others. */
  readonly value?: JsonScalar;
}

/** The syntax errors, named as jsonc-parser's `printParseErrorCode` names them. */
export type JsonSyntaxErrorCode =
  | 'InvalidSymbol'
  | 'InvalidNumberFormat'
  | 'PropertyNameExpected'
  | 'ValueExpected'
  | 'ColonExpected'
  | 'CommaExpected'
  | 'CloseBraceExpected'
  | 'CloseBracketExpected'
  | 'EndOfFileExpected'
  | 'UnexpectedEndOfComment'
  | 'UnexpectedEndOfString'
  | 'UnexpectedEndOfNumber'
  | 'InvalidUnicode'
  | 'InvalidEscapeCharacter'
  | 'InvalidCharacter';

/** The errors a single token can have, found while it is scanned. */
export type JsonTokenErrorCode = Extract<JsonSyntaxErrorCode,
  'UnexpectedEndOfComment' | 'UnexpectedEndOfString' | 'UnexpectedEndOfNumber' | 'InvalidUnicode' | 'InvalidEscapeCharacter' | 'InvalidCharacter'>;

export interface JsonSyntaxError {
  code: JsonSyntaxErrorCode;
  /** The token the parser stopped at (`length` 0 at the end of the text). */
  offset: number;
  length: number;
}

/** What parseJsonTree found: the tree, or the first syntax error, or the first bracket nested deeper than allowed. */
export type JsonParse =
  | { root: JsonNode; hasCommentsOrTrailingCommas: boolean; error?: undefined; tooDeepAt?: undefined }
  | { root?: undefined; error: JsonSyntaxError; tooDeepAt?: undefined }
  | { root?: undefined; error?: undefined; tooDeepAt: number };

/**
 * Token kinds, numbered as jsonc-parser's `SyntaxKind` (which has two more, for white space and line breaks). A `const
 * enum`: the bundler writes the numbers in place.
 */
export const enum JsonToken {
  openBrace = 1,
  closeBrace = 2,
  openBracket = 3,
  closeBracket = 4,
  comma = 5,
  colon = 6,
  null = 7,
  true = 8,
  false = 9,
  string = 10,
  number = 11,
  lineComment = 12,
  blockComment = 13,
  /** Anything else: a word that is not a keyword, a lone `/` or `-`, a stray character. */
  unknown = 16,
  end = 17,
}

/** Character codes (a `const enum`: the bundler writes the numbers in place). */
const enum Char {
  tab = 9,
  lineFeed = 10,
  carriageReturn = 13,
  space = 32,
  quote = 34,
  plus = 43,
  comma = 44,
  minus = 45,
  dot = 46,
  slash = 47,
  digit0 = 48,
  digit9 = 57,
  colon = 58,
  upperA = 65,
  upperE = 69,
  upperF = 70,
  openBracket = 91,
  backslash = 92,
  closeBracket = 93,
  lowerA = 97,
  lowerB = 98,
  lowerE = 101,
  lowerF = 102,
  lowerN = 110,
  lowerR = 114,
  lowerT = 116,
  lowerU = 117,
  openBrace = 123,
  closeBrace = 125,
  asterisk = 42,
}

/**
 * Reads a text token by token as jsonc-parser's scanner does, except that white space and line breaks are skipped
 * rather than returned as tokens. After `scan()`: `token`, `tokenOffset`, `tokenLength` and `tokenError`.
 */
export class JsonScanner {
  token: JsonToken = JsonToken.unknown;
  tokenOffset = 0;
  /** What is wrong with the token, if anything; the token is still returned (a string cut short is a string). */
  tokenError: JsonTokenErrorCode | undefined = undefined;
  /** Set for a string token with a `\` escape: its value needs decoding. */
  private tokenHasEscape = false;
  /** Where the next token starts. Past the end after a `/*` that is never closed (as in jsonc-parser). */
  private position = 0;

  constructor(private readonly text: string) {}

  get tokenLength(): number {
    return this.position - this.tokenOffset;
  }

  scan(): JsonToken {
    const text = this.text;
    this.tokenError = undefined;
    let code = text.charCodeAt(this.position);
    while (code === Char.space || code === Char.tab || code === Char.lineFeed || code === Char.carriageReturn) {
      code = text.charCodeAt(++this.position);
    }
    this.tokenOffset = this.position;
    if (this.position >= text.length) {
      this.tokenOffset = text.length;
      return (this.token = JsonToken.end);
    }
    switch (code) {
      case Char.openBrace:
        this.position++;
        return (this.token = JsonToken.openBrace);
      case Char.closeBrace:
        this.position++;
        return (this.token = JsonToken.closeBrace);
      case Char.openBracket:
        this.position++;
        return (this.token = JsonToken.openBracket);
      case Char.closeBracket:
        this.position++;
        return (this.token = JsonToken.closeBracket);
      case Char.colon:
        this.position++;
        return (this.token = JsonToken.colon);
      case Char.comma:
        this.position++;
        return (this.token = JsonToken.comma);
      case Char.quote:
        this.scanString();
        return (this.token = JsonToken.string);
      case Char.slash:
        return (this.token = this.scanSlash());
      case Char.minus:
        this.position++;
        if (!isDigit(text.charCodeAt(this.position))) {
          return (this.token = JsonToken.unknown);
        }
        this.scanNumber();
        return (this.token = JsonToken.number);
      default:
        if (isDigit(code)) {
          this.scanNumber();
          return (this.token = JsonToken.number);
        }
        return (this.token = this.scanWord());
    }
  }

  /** The value of the current string token (without its quotes, escapes decoded). */
  stringValue(): string {
    const start = this.tokenOffset + 1;
    const end = this.position - 1;
    return this.tokenHasEscape ? decodeEscapes(this.text, start, end) : this.text.slice(start, end);
  }

  /** The value of the current number token. */
  numberValue(): number {
    const text = this.text;
    const end = this.position;
    const negative = text.charCodeAt(this.tokenOffset) === Char.minus;
    let index = negative ? this.tokenOffset + 1 : this.tokenOffset;
    // Whole numbers of up to 15 digits (exact in a double) are read here: Number() would need a string of each.
    if (end - index <= 15) {
      let value = 0;
      for (; index < end; index++) {
        const char = text.charCodeAt(index);
        if (!isDigit(char)) {
          return Number(text.slice(this.tokenOffset, end));
        }
        value = value * 10 + (char - Char.digit0);
      }
      return negative ? -value : value;
    }
    return Number(text.slice(this.tokenOffset, end));
  }

  /** From the opening quote to after the closing one, or to the line break or end that cuts it short. */
  private scanString(): void {
    const text = this.text;
    const length = text.length;
    let position = this.position + 1;
    let hasEscape = false;
    for (;;) {
      if (position >= length) {
        this.tokenError = 'UnexpectedEndOfString';
        break;
      }
      const char = text.charCodeAt(position);
      if (char === Char.quote) {
        position++;
        break;
      }
      if (char === Char.backslash) {
        hasEscape = true;
        position++;
        if (position >= length) {
          this.tokenError = 'UnexpectedEndOfString';
          break;
        }
        const escaped = text.charCodeAt(position++);
        if (escaped === Char.lowerU) {
          const digits = hexDigitsAt(text, position, 4);
          position += digits;
          if (digits < 4) {
            this.tokenError = 'InvalidUnicode';
          }
        } else if (!isSimpleEscape(escaped)) {
          this.tokenError = 'InvalidEscapeCharacter';
        }
        continue;
      }
      if (char <= 0x1f) {
        if (char === Char.lineFeed || char === Char.carriageReturn) {
          this.tokenError = 'UnexpectedEndOfString';
          break;
        }
        // A tab or other control character: an error, but the string goes on.
        this.tokenError = 'InvalidCharacter';
      }
      position++;
    }
    this.position = position;
    this.tokenHasEscape = hasEscape;
  }

  /** Digits, then maybe a fraction, then maybe an exponent; a `.` or `e` without digits after it is an error. */
  private scanNumber(): void {
    const text = this.text;
    let position = this.position;
    if (text.charCodeAt(position) === Char.digit0) {
      position++;
    } else {
      position++;
      while (isDigit(text.charCodeAt(position))) {
        position++;
      }
    }
    if (text.charCodeAt(position) === Char.dot) {
      position++;
      if (!isDigit(text.charCodeAt(position))) {
        this.position = position;
        this.tokenError = 'UnexpectedEndOfNumber';
        return;
      }
      while (isDigit(text.charCodeAt(position))) {
        position++;
      }
    }
    const exponent = text.charCodeAt(position);
    if (exponent === Char.upperE || exponent === Char.lowerE) {
      position++;
      const sign = text.charCodeAt(position);
      if (sign === Char.plus || sign === Char.minus) {
        position++;
      }
      if (!isDigit(text.charCodeAt(position))) {
        this.tokenError = 'UnexpectedEndOfNumber';
      }
      while (isDigit(text.charCodeAt(position))) {
        position++;
      }
    }
    this.position = position;
  }

  /** A `//` or `/* *\/` comment, or a lone `/`. */
  private scanSlash(): JsonToken {
    const text = this.text;
    const next = text.charCodeAt(this.position + 1);
    if (next === Char.slash) {
      let position = this.position + 2;
      while (position < text.length && !isLineBreak(text.charCodeAt(position))) {
        position++;
      }
      this.position = position;
      return JsonToken.lineComment;
    }
    if (next === Char.asterisk) {
      const close = text.indexOf('*/', this.position + 2);
      if (close >= 0) {
        this.position = close + 2;
      } else {
        // jsonc-parser's scanner steps up to the last character (over a \r\n at once), then one further: the token
        // ends one or two characters past the text.
        let position = this.position + 2;
        while (position < text.length - 1) {
          position += text.charCodeAt(position) === Char.carriageReturn && text.charCodeAt(position + 1) === Char.lineFeed ? 2 : 1;
        }
        this.position = position + 1;
        this.tokenError = 'UnexpectedEndOfComment';
      }
      return JsonToken.blockComment;
    }
    this.position++;
    return JsonToken.unknown;
  }

  /** A run of characters that are not white space, line breaks or JSON punctuation: a keyword or an unknown word. */
  private scanWord(): JsonToken {
    const text = this.text;
    const start = this.position;
    let position = start;
    while (position < text.length && isWordCharacter(text.charCodeAt(position))) {
      position++;
    }
    this.position = position;
    switch (text.slice(start, position)) {
      case 'true':
        return JsonToken.true;
      case 'false':
        return JsonToken.false;
      case 'null':
        return JsonToken.null;
      default:
        return JsonToken.unknown;
    }
  }
}

/** Parses `text` as validate.ts reads a parameter file; see the top of this file. */
export function parseJsonTree(text: string, { maxDepth = Infinity }: { maxDepth?: number } = {}): JsonParse {
  const parser = new TreeParser(text, maxDepth);
  try {
    const root = parser.parseDocument();
    return { root, hasCommentsOrTrailingCommas: parser.hasCommentsOrTrailingCommas };
  } catch (error) {
    if (error instanceof ParseStopped) {
      return error.outcome;
    }
    throw error;
  }
}

/** The value a node stands for, as jsonc-parser's `getNodeValue` builds it. Recurses once per level of nesting. */
export function jsonNodeValue(node: JsonNode): unknown {
  switch (node.type) {
    case 'array':
      return (node.children ?? []).map((element) => jsonNodeValue(element));
    case 'object': {
      const object = Object.create(null) as Record<string, unknown>;
      for (const property of node.children ?? []) {
        const valueNode = property.children?.[1];
        if (valueNode) {
          object[String(property.children?.[0]?.value)] = jsonNodeValue(valueNode);
        }
      }
      return object;
    }
    default:
      return node.value;
  }
}

/** Thrown at the first syntax error or the first bracket too deep: nothing after it is read. */
class ParseStopped extends Error {
  constructor(readonly outcome: JsonParse) {
    super('parse stopped');
  }
}

/** A node under construction: the parser sets `length` once it reaches the node's end (and a property's `children`). */
interface MutableNode {
  type: JsonNodeType;
  offset: number;
  length: number;
  parent: MutableNode | undefined;
  children: MutableNode[] | undefined;
  value: JsonScalar | undefined;
}

/** Every node is made here, with every field, so that all nodes share one shape (and the code reading them stays fast). */
function makeNode(
  type: JsonNodeType,
  offset: number,
  length: number,
  parent: MutableNode | undefined,
  children: MutableNode[] | undefined,
  value: JsonScalar | undefined,
): MutableNode {
  return { type, offset, length, parent, children, value };
}

/**
 * jsonc-parser's parser (its `visit` as `parseTree` drives it) up to the first error. Its recursion is unrolled into a
 * loop over the innermost open object or array: `step` reads what follows in it, the way parseObject's and
 * parseArray's loops do, and returns the container that is open after that.
 */
class TreeParser {
  hasCommentsOrTrailingCommas = false;
  private readonly scanner: JsonScanner;
  /** How many objects and arrays are open. */
  private depth = 0;

  constructor(text: string, private readonly maxDepth: number) {
    this.scanner = new JsonScanner(text);
  }

  parseDocument(): JsonNode {
    this.advance();
    const root = this.parseValue(undefined);
    let open: MutableNode | undefined = root.children ? root : undefined;
    while (open) {
      open = this.step(open);
    }
    if (this.scanner.token !== JsonToken.end) {
      this.fail('EndOfFileExpected');
    }
    return root;
  }

  private step(open: MutableNode): MutableNode | undefined {
    const scanner = this.scanner;
    const isObject = open.type === 'object';
    const close = isObject ? JsonToken.closeBrace : JsonToken.closeBracket;
    const members = open.children as MutableNode[];
    let token = scanner.token;
    if (token === close) {
      return this.close(open);
    }
    if (token === JsonToken.end) {
      this.fail(isObject ? 'CloseBraceExpected' : 'CloseBracketExpected');
    }
    if (token === JsonToken.comma) {
      if (members.length === 0) {
        this.fail('ValueExpected');
      }
      token = this.advance();
      if (token === close) {
        this.hasCommentsOrTrailingCommas = true;
        return this.close(open);
      }
    } else if (members.length > 0) {
      this.fail('CommaExpected');
    }
    let value: MutableNode;
    if (isObject) {
      if (token !== JsonToken.string) {
        this.fail('PropertyNameExpected');
      }
      const property = makeNode('property', scanner.tokenOffset, -1, open, undefined, undefined);
      const key = makeNode('string', scanner.tokenOffset, scanner.tokenLength, property, undefined, scanner.stringValue());
      if (this.advance() !== JsonToken.colon) {
        this.fail('ColonExpected');
      }
      this.advance();
      value = this.parseValue(property);
      // Made here, whole, rather than pushed to: an array grown by a push gets room for 17.
      property.children = [key, value];
      members.push(property);
    } else {
      value = this.parseValue(open);
      members.push(value);
    }
    return value.children ? value : open;
  }

  /**
   * Makes the node of the value that starts at the current token, in `parent`. A string, number, boolean or null is
   * then complete; an object or array is open, and `step` reads its contents.
   */
  private parseValue(parent: MutableNode | undefined): MutableNode {
    const scanner = this.scanner;
    const offset = scanner.tokenOffset;
    let node: MutableNode;
    switch (scanner.token) {
      case JsonToken.openBrace:
      case JsonToken.openBracket:
        if (++this.depth > this.maxDepth) {
          throw new ParseStopped({ tooDeepAt: offset });
        }
        node = makeNode(scanner.token === JsonToken.openBrace ? 'object' : 'array', offset, -1, parent, [], undefined);
        break;
      case JsonToken.string:
        node = makeNode('string', offset, scanner.tokenLength, parent, undefined, scanner.stringValue());
        break;
      case JsonToken.number: {
        const value = scanner.numberValue();
        if (Number.isNaN(value)) {
          this.fail('InvalidNumberFormat');
        }
        node = makeNode('number', offset, scanner.tokenLength, parent, undefined, value);
        break;
      }
      case JsonToken.true:
      case JsonToken.false:
        node = makeNode('boolean', offset, scanner.tokenLength, parent, undefined, scanner.token === JsonToken.true);
        break;
      case JsonToken.null:
        node = makeNode('null', offset, scanner.tokenLength, parent, undefined, null);
        break;
      default:
        return this.fail('ValueExpected');
    }
    if (!node.children) {
      completeProperty(parent, node);
    }
    this.advance();
    return node;
  }

  /** Ends the open object or array at the current `}` or `]`; returns the container around it, if any. */
  private close(open: MutableNode): MutableNode | undefined {
    this.depth--;
    open.length = this.scanner.tokenOffset + 1 - open.offset;
    this.advance();
    const parent = open.parent;
    completeProperty(parent, open);
    return parent?.type === 'property' ? parent.parent : parent;
  }

  /** Moves to the next token that is not a comment; a token that is not JSON, or is malformed, is the error. */
  private advance(): JsonToken {
    const scanner = this.scanner;
    for (;;) {
      const token = scanner.scan();
      if (scanner.tokenError !== undefined) {
        this.fail(scanner.tokenError);
      }
      if (token === JsonToken.unknown) {
        this.fail('InvalidSymbol');
      }
      if (token !== JsonToken.lineComment && token !== JsonToken.blockComment) {
        return token;
      }
      this.hasCommentsOrTrailingCommas = true;
    }
  }

  private fail(code: JsonSyntaxErrorCode): never {
    throw new ParseStopped({ error: { code, offset: this.scanner.tokenOffset, length: this.scanner.tokenLength } });
  }
}

/** A property is complete once its value is: it then spans from its key to the value's end. */
function completeProperty(parent: MutableNode | undefined, value: MutableNode): void {
  if (parent?.type === 'property') {
    parent.length = value.offset + value.length - parent.offset;
  }
}

function isDigit(char: number): boolean {
  return char >= Char.digit0 && char <= Char.digit9;
}

function isLineBreak(char: number): boolean {
  return char === Char.lineFeed || char === Char.carriageReturn;
}

function isSimpleEscape(char: number): boolean {
  switch (char) {
    case Char.quote:
    case Char.backslash:
    case Char.slash:
    case Char.lowerB:
    case Char.lowerF:
    case Char.lowerN:
    case Char.lowerR:
    case Char.lowerT:
      return true;
    default:
      return false;
  }
}

function hexValue(char: number): number {
  if (char >= Char.digit0 && char <= Char.digit9) {
    return char - Char.digit0;
  }
  if (char >= Char.upperA && char <= Char.upperF) {
    return char - Char.upperA + 10;
  }
  if (char >= Char.lowerA && char <= Char.lowerF) {
    return char - Char.lowerA + 10;
  }
  return -1;
}

/** How many hexadecimal digits (at most `most`) there are at `start`. */
function hexDigitsAt(text: string, start: number, most: number): number {
  let count = 0;
  while (count < most && hexValue(text.charCodeAt(start + count)) >= 0) {
    count++;
  }
  return count;
}

/** Word characters end at white space, line breaks and `{}[]":,/`, as in jsonc-parser. */
function isWordCharacter(char: number): boolean {
  switch (char) {
    case Char.space:
    case Char.tab:
    case Char.lineFeed:
    case Char.carriageReturn:
    case Char.closeBrace:
    case Char.closeBracket:
    case Char.openBrace:
    case Char.openBracket:
    case Char.quote:
    case Char.colon:
    case Char.comma:
    case Char.slash:
      return false;
    default:
      return true;
  }
}

const ESCAPED: Readonly<Record<number, string>> = {
  [Char.quote]: '"', [Char.backslash]: '\\', [Char.slash]: '/', [Char.lowerB]: '\b',
  [Char.lowerF]: '\f', [Char.lowerN]: '\n', [Char.lowerR]: '\r', [Char.lowerT]: '\t',
};

/** The text from `start` to `end` with its escapes decoded; only called for strings the scanner found well formed. */
function decodeEscapes(text: string, start: number, end: number): string {
  let result = '';
  let copied = start;
  for (let index = text.indexOf('\\', start); index >= 0 && index < end; index = text.indexOf('\\', copied)) {
    result += text.slice(copied, index);
    const escaped = text.charCodeAt(index + 1);
    if (escaped === Char.lowerU) {
      let code = 0;
      for (let digit = index + 2; digit < index + 6; digit++) {
        code = code * 16 + hexValue(text.charCodeAt(digit));
      }
      result += String.fromCharCode(code);
      copied = index + 6;
    } else {
      result += ESCAPED[escaped];
      copied = index + 2;
    }
  }
  return result + text.slice(copied, end);
}
