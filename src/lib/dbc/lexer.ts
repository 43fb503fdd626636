/**
 * The DBC tokenizer: one pass over the decoded text, no regular expressions, every token carrying
 * its 1-based line and column (columns count characters, so an astral character counts once).
 *
 * `//` starts a comment to the end of the line anywhere outside a string. Signs are separate
 * tokens (`-5` is `-` then `5`) so that `3-5` in `SG_MUL_VAL_` and `@1-` lex the same way as
 * `[-5|5]`; the parser joins a sign to the number right after it.
 */
export type TokenKind = 'ident' | 'number' | 'string' | 'punct' | 'other' | 'eof'

export interface Token {
  readonly kind: TokenKind
  /** The source text; for a string, its value without quotes and with `\"` unescaped. */
  readonly text: string
  readonly line: number
  readonly column: number
  /** The position just after the token. */
  readonly endLine: number
  readonly endColumn: number
  /** The first token on its line (true for the end-of-file token after a newline). */
  readonly lineStart: boolean
  /** Whitespace or a comment separates it from the token before. */
  readonly spaced: boolean
  /** A string with no closing quote before the next statement (or the end of the file). */
  readonly unterminated?: boolean
}

/** Every statement keyword of the format; a line starting with one of them starts a statement. */
export const STATEMENT_KEYWORDS: ReadonlySet<string> = new Set([
  'VERSION', 'NS_', 'NS_DESC_', 'BS_', 'BU_', 'VAL_TABLE_', 'BO_', 'SG_', 'SG_MUL_VAL_', 'VAL_',
  'SIG_VALTYPE_', 'SIGTYPE_VALTYPE_', 'BA_DEF_', 'BA_DEF_DEF_', 'BA_DEF_REL_', 'BA_DEF_DEF_REL_',
  'BA_DEF_SGTYPE_', 'BA_SGTYPE_', 'BA_', 'BA_REL_', 'CM_', 'BO_TX_BU_', 'EV_', 'EV_DATA_',
  'ENVVAR_DATA_', 'SGTYPE_', 'SGTYPE_VAL_', 'SIG_GROUP_', 'SIG_TYPE_REF_', 'CAT_DEF_', 'CAT_',
  'FILTER', 'BU_SG_REL_', 'BU_EV_REL_', 'BU_BO_REL_',
])

// `: ; , | @ ( ) [ ] + -`
const PUNCT = new Set([58, 59, 44, 124, 64, 40, 41, 91, 93, 43, 45])

const isDigit = (c: number): boolean => c >= 48 && c <= 57
const isIdentStart = (c: number): boolean =>
  (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || (c >= 0x80 && c !== 0xa0 && c !== 0xfeff)
const isIdentChar = (c: number): boolean => isIdentStart(c) || isDigit(c)
const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 13 || c === 11 || c === 12 || c === 0xa0 || c === 0xfeff

/** Splits DBC text into tokens, always ending with one `eof` token. Never throws. */
export function tokenize(text: string): Token[] {
  const lexer = new Lexer(text)
  const tokens: Token[] = []
  let t: Token
  do tokens.push((t = lexer.next()))
  while (t.kind !== 'eof')
  return tokens
}

/**
 * Produces tokens one at a time: the parser keeps only a short window, so tokens die young and
 * a large file does not leave thousands of objects for the garbage collector to move.
 */
export class Lexer {
  private i = 0
  private line = 1
  private lineOffset = 0 // offset of the current line's first character
  private astral = 0 // surrogate pairs passed on the current line: each counts as one column
  private lineStart = true
  private spaced = false
  private tokenLine = 1
  private tokenColumn = 1
  private readonly n: number

  constructor(private readonly text: string) {
    this.n = text.length
  }

  /** The next token; after the end of the text, `eof` again and again. */
  next(): Token {
    // Kept small, one helper per token kind: V8 then optimizes each path on its own.
    const i = this.skipBlanks()
    if (i >= this.n) return this.token('eof', i, i, '', false)
    const c = this.text.charCodeAt(i)
    if (c === 34) return this.stringToken(i)
    if (isDigit(c) || (c === 46 && isDigit(this.text.charCodeAt(i + 1)))) return this.numberToken(i)
    if (isIdentStart(c)) return this.token('ident', i, this.skipIdent(i))
    return this.token(PUNCT.has(c) ? 'punct' : 'other', i, this.step(i))
  }

  /** Skips blanks, line breaks and `//` comments; notes where the next token starts. */
  private skipBlanks(): number {
    const text = this.text
    const n = this.n
    let i = this.i
    while (i < n) {
      const c = text.charCodeAt(i)
      if (c === 10) {
        this.newline(i)
        this.lineStart = true
      } else if (c === 47 && text.charCodeAt(i + 1) === 47) {
        while (i < n && text.charCodeAt(i) !== 10) i = this.step(i)
        this.spaced = true
        continue
      } else if (!isSpace(c)) break
      i++
      this.spaced = true
    }
    this.tokenLine = this.line
    this.tokenColumn = this.column(i)
    return i
  }

  private token(kind: TokenKind, start: number, end: number, text = this.text.slice(start, end), unterminated = false): Token {
    const t: Token = {
      kind,
      text,
      line: this.tokenLine,
      column: this.tokenColumn,
      endLine: this.line,
      endColumn: this.column(end),
      lineStart: this.lineStart,
      spaced: this.spaced,
      unterminated,
    }
    this.i = end
    this.lineStart = false
    this.spaced = false
    return t
  }

  /** `1`, `0.01`, `3.4E+038`, `.5`, `1.` (a sign is its own token); `12V_Supply` is a word. */
  private numberToken(start: number): Token {
    const text = this.text
    const n = this.n
    let at = start
    while (at < n && isDigit(text.charCodeAt(at))) at++
    if (text.charCodeAt(at) === 46) {
      at++
      while (at < n && isDigit(text.charCodeAt(at))) at++
    }
    const e = text.charCodeAt(at)
    if (e === 69 || e === 101) {
      let k = at + 1
      const s = text.charCodeAt(k)
      if (s === 43 || s === 45) k++
      if (isDigit(text.charCodeAt(k))) {
        at = k
        while (at < n && isDigit(text.charCodeAt(at))) at++
      }
    }
    if (at < n && isIdentChar(text.charCodeAt(at))) return this.token('ident', start, this.skipIdent(at))
    return this.token('number', start, at)
  }

  /**
   * `"fam \"1\""`; may span lines (multi-line `CM_`). A string still open when a line starts
   * with a statement keyword is taken as unterminated and ends at that line break, so one
   * missing quote does not swallow the rest of the file.
   */
  private stringToken(start: number): Token {
    const text = this.text
    const n = this.n
    let value = ''
    let at = start + 1
    let seg = at
    while (at < n) {
      const c = text.charCodeAt(at)
      if (c === 34) return this.token('string', start, at + 1, value + text.slice(seg, at))
      if (c === 92 && (text.charCodeAt(at + 1) === 34 || text.charCodeAt(at + 1) === 92)) {
        value += text.slice(seg, at) + text[at + 1]
        at += 2
        seg = at
      } else if (c === 10) {
        if (this.startsStatement(at + 1)) {
          const end = text.charCodeAt(at - 1) === 13 ? at - 1 : at
          return this.token('string', start, end, value + text.slice(seg, end), true)
        }
        this.newline(at)
        at++
      } else at = this.step(at)
    }
    return this.token('string', start, n, value + text.slice(seg, n), true)
  }

  private skipIdent(at: number): number {
    const text = this.text
    while (at < this.n && isIdentChar(text.charCodeAt(at))) at = this.step(at)
    return at
  }

  private column(offset: number): number {
    return offset - this.lineOffset + 1 - this.astral
  }

  private newline(at: number): void {
    this.line++
    this.lineOffset = at + 1
    this.astral = 0
  }

  /** Steps over one character that may be half of a surrogate pair; returns the next offset. */
  private step(at: number): number {
    const c = this.text.charCodeAt(at)
    if (c >= 0xd800 && c <= 0xdbff && at + 1 < this.n) {
      const d = this.text.charCodeAt(at + 1)
      if (d >= 0xdc00 && d <= 0xdfff) {
        this.astral++
        return at + 2
      }
    }
    return at + 1
  }

  /** True when the line at `at` begins (after blanks) with a keyword like `CM_` or `BO_` and a blank or `:`. */
  private startsStatement(at: number): boolean {
    const text = this.text
    const n = this.n
    while (at < n && isSpace(text.charCodeAt(at))) at++
    const start = at
    while (at < n && isIdentChar(text.charCodeAt(at))) at++
    const word = text.slice(start, at)
    // Only the `XX_` keywords: `VERSION` or `FILTER` may well begin a line of prose in a comment.
    if (!word.endsWith('_') || !STATEMENT_KEYWORDS.has(word)) return false
    const next = text.charCodeAt(at)
    return at >= n || isSpace(next) || next === 58 || next === 10
  }
}
