import type {FindingSink, SourcePos} from '../findings.js'
import {type Lexer, STATEMENT_KEYWORDS, type Token} from './lexer.js'

/** Thrown inside the parser after a `dbc-syntax` error was reported; the statement loop recovers. */
export class SyntaxAbort extends Error {}

/** A number as written: its value, its text (sign included) and where it starts. */
export interface NumberToken {
  readonly value: number
  readonly text: string
  readonly pos: SourcePos
}

export const posOf = (t: Token): SourcePos => ({line: t.line, column: t.column})

/** How a token reads in a message: `"@2"`, `end of file`, `a string "abc"`. */
export function describe(t: Token): string {
  if (t.kind === 'eof') return 'end of file'
  if (t.kind === 'string') return `${t.unterminated ? 'an unterminated string' : 'a string'} ${JSON.stringify(clip(t.text))}`
  return JSON.stringify(t.text)
}

const clip = (s: string): string => (s.length > 40 ? `${s.slice(0, 37)}...` : s)

/**
 * Walks the token list for the statement parsers. Every `expect…` either returns what it wanted
 * or reports one `dbc-syntax` error ("expected X after Y, found Z") and throws SyntaxAbort.
 */
export class Cursor {
  /** Tokens looked at but not consumed yet (one or two: the grammar needs no more). */
  private readonly ahead: Token[] = []
  private prev: Token | undefined
  private consumed = 0

  constructor(
    private readonly lexer: Lexer,
    readonly sink: FindingSink,
  ) {}

  /** How many tokens were consumed so far. */
  get index(): number {
    return this.consumed
  }

  get eof(): boolean {
    return this.peek().kind === 'eof'
  }

  peek(ahead = 0): Token {
    while (this.ahead.length <= ahead) {
      const last = this.ahead[this.ahead.length - 1]
      if (last?.kind === 'eof') return last
      this.ahead.push(this.lexer.next())
    }
    return this.ahead[ahead]!
  }

  next(): Token {
    const t = this.peek()
    if (t.kind !== 'eof') {
      this.ahead.shift()
      this.prev = t
      this.consumed++
    }
    return t
  }

  /** True when the next token starts a new line (or is the end of the file). */
  atLineEnd(): boolean {
    const t = this.peek()
    return t.lineStart || t.kind === 'eof'
  }

  /** The next token is this punctuation or keyword. */
  is(text: string): boolean {
    const t = this.peek()
    return (t.kind === 'punct' || t.kind === 'ident') && t.text === text
  }

  accept(text: string): Token | undefined {
    return this.is(text) ? this.next() : undefined
  }

  expect(text: string, context: string): Token {
    if (!this.is(text)) this.fail(JSON.stringify(text), context)
    return this.next()
  }

  /**
   * Reports `expected <expected> <context>, found <next token>` and aborts the statement. A token
   * on a later line is reported as "end of line" at the end of the previous token: that is where
   * the missing piece belongs.
   */
  fail(expected: string, context: string, found?: string, at?: Token): never {
    const t = at ?? this.peek()
    const prev = this.prev
    if (!at && !found && prev && t.line > prev.endLine) {
      this.sink.error({line: prev.endLine, column: prev.endColumn}, 'dbc-syntax', `expected ${expected} ${context}, found end of line`)
    } else {
      this.sink.error(posOf(t), 'dbc-syntax', `expected ${expected} ${context}, found ${found ?? describe(t)}`)
    }
    throw new SyntaxAbort()
  }

  /** Reports an error at a token with a free-form message and aborts the statement. */
  abort(t: Token, message: string): never {
    this.sink.error(posOf(t), 'dbc-syntax', message)
    throw new SyntaxAbort()
  }

  ident(expected: string, context: string): Token {
    if (this.peek().kind !== 'ident') this.fail(expected, context)
    return this.next()
  }

  string(expected: string, context: string): Token {
    const t = this.peek()
    if (t.kind !== 'string') this.fail(expected, context)
    if (t.unterminated) this.abort(t, 'unterminated string: the closing quote is missing')
    return this.next()
  }

  /** A number with an optional sign glued to it: `-5`, `+3.4E+038`, `0.01`. */
  number(expected: string, context: string): NumberToken {
    const first = this.peek()
    let sign = ''
    if ((first.text === '-' || first.text === '+') && first.kind === 'punct') {
      const after = this.peek(1)
      if (after.kind !== 'number' || after.spaced) this.fail(expected, context)
      sign = this.next().text
    }
    const t = this.peek()
    if (t.kind !== 'number') this.fail(expected, context)
    this.next()
    const text = sign === '-' ? `-${t.text}` : t.text
    return {value: Number(text), text, pos: posOf(first)}
  }

  /** A whole number (no fraction, no exponent) within [min, max]. */
  integer(expected: string, context: string, min = 0, max = Number.MAX_SAFE_INTEGER): NumberToken {
    const range = max === Number.MAX_SAFE_INTEGER ? `${min < 0 ? 'an' : 'a non-negative'} integer` : `an integer from ${min} to ${max}`
    const start = this.peek()
    const n = this.number(`${expected} (${range})`, context)
    // `8`, `-5`; not `8.0` or `1e3`
    if (!/^-?\d+$/.test(n.text) || n.value < min || n.value > max) this.fail(`${expected} (${range})`, context, JSON.stringify(n.text), start)
    return n
  }

  /** The statement must end here: nothing more on this line. */
  endOfLine(context: string): void {
    if (!this.atLineEnd()) this.fail('end of line', context)
  }

  /** Skips to just after the next `;`, reporting a missing one (used for statements we do not model). */
  skipStatement(keyword: string): void {
    while (!this.eof && !this.is(';')) {
      const t = this.peek()
      if (t.lineStart && t.kind === 'ident' && STATEMENT_KEYWORDS.has(t.text)) this.fail('";"', `at the end of the ${keyword} statement`)
      if (t.kind === 'string' && t.unterminated) this.string('a string', '')
      this.next()
    }
    this.expect(';', `at the end of the ${keyword} statement`)
  }

  /** After an error: skip to the next line that starts with a statement keyword. */
  recover(statementStart: number): void {
    if (this.consumed === statementStart) this.next()
    while (!this.eof) {
      const t = this.peek()
      if (t.lineStart && t.kind === 'ident' && STATEMENT_KEYWORDS.has(t.text)) return
      this.next()
    }
  }
}
