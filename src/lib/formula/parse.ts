import {parseExpressionAt, tokenizer, type AnyNode, type Expression, type Options} from 'acorn'

/** A problem inside one expression, at a character offset of the expression text. */
export interface ExpressionProblem {
  readonly offset: number
  readonly rule: string
  readonly message: string
}

// Script (not module) goal: `import.meta` and top-level `await` stay syntax errors or plain
// unknown names. Parentheses are kept as nodes so the top node spans the whole text: `(x)` must
// end at its `)`, or the trailing-text check below would take that `)` for garbage.
const OPTIONS: Options = {allowHashBang: false, ecmaVersion: 'latest', locations: true, preserveParens: true, sourceType: 'script'}

/** The expression inside any number of parentheses. */
export function unwrapParens<T extends AnyNode>(node: T): T | Expression {
  let inner: AnyNode = node
  while (inner.type === 'ParenthesizedExpression') inner = inner.expression
  return inner as T | Expression
}

/** acorn's SyntaxError carries the offset where it stopped. */
interface AcornSyntaxError extends SyntaxError {
  readonly pos: number
}

const isAcornError = (e: unknown): e is AcornSyntaxError => e instanceof SyntaxError && typeof (e as {pos?: unknown}).pos === 'number'

// acorn appends "(line:column)" of the expression itself; the finding names the file position.
const cleanMessage = (message: string): string => message.replace(/\s*\(\d+:\d+\)$/, '')

// acorn says "Unexpected token" without naming it; say which, or that the text ended too early.
function syntaxMessage(text: string, error: AcornSyntaxError): string {
  const message = cleanMessage(error.message)
  if (message !== 'Unexpected token') return message
  try {
    const token = tokenizer(text.slice(error.pos), OPTIONS).getToken()
    if (token.type.label === 'eof') return 'the expression ends too early'
    return `unexpected "${text.slice(error.pos + token.start, error.pos + token.end)}"`
  } catch {
    return message
  }
}

/**
 * Parses one expression with acorn. Anything after a complete expression (`x; y`, `x y`) is a
 * syntax error too: parseExpressionAt alone would silently stop there.
 */
export function parseExpression(text: string): {ast: Expression} | {problem: ExpressionProblem} {
  let ast: Expression
  try {
    ast = parseExpressionAt(text, 0, OPTIONS)
  } catch (error) {
    if (!isAcornError(error)) throw error
    return {problem: {message: syntaxMessage(text, error), offset: error.pos, rule: 'expression-syntax'}}
  }
  const rest = text.slice(ast.end)
  try {
    // The tokenizer skips whitespace and comments, so `x // note` is fine and `x y` is not.
    const token = tokenizer(rest, OPTIONS).getToken()
    if (token.type.label !== 'eof') {
      const found = rest.slice(token.start, token.end)
      return {problem: {message: `unexpected "${found}" after the end of the expression`, offset: ast.end + token.start, rule: 'expression-syntax'}}
    }
  } catch (error) {
    if (!isAcornError(error)) throw error
    return {problem: {message: cleanMessage(error.message), offset: ast.end + error.pos, rule: 'expression-syntax'}}
  }
  return {ast}
}

/**
 * Offset of the first token spelled `op` between two offsets (an operator between its operands),
 * so a finding about `a = 1` points at the `=`. Falls back to `from` when it cannot be found.
 */
export function tokenOffset(text: string, from: number, to: number, op: string): number {
  try {
    for (const token of tokenizer(text.slice(from, to), OPTIONS)) {
      const value = (token as {value?: unknown}).value
      if (value === op || token.type.label === op) return from + token.start
    }
  } catch {
    // A slice that does not tokenize on its own: the operand start is close enough.
  }
  return from
}
