import type {AnyNode, CallExpression, Expression, Identifier, Literal} from 'acorn'

import {FORMULA_CONSTANTS, FORMULA_FUNCTIONS, PREV} from './functions.js'
import type {Binding} from './names.js'
import {parseExpression, tokenOffset, unwrapParens, type ExpressionProblem} from './parse.js'

/** A table param passed as a table argument, so its value can be checked when params are bound. */
export interface TableUse {
  readonly fn: string
  /** 0-based argument position. */
  readonly argument: number
  readonly param: string
  /** Which call it belongs to (numbered in source order), to pair interp's xs with its ys. */
  readonly call: number
}

/** An expression that passed the allowlist: only node kinds the code generator knows remain. */
export interface CheckedExpression {
  readonly ast: Expression
  readonly usesPrev: boolean
  /** Inputs and params the expression reads. */
  readonly used: ReadonlySet<string>
  readonly tableUses: readonly TableUse[]
}

/** Node kinds a formula may contain; everything else is reported and never evaluated. */
export const ALLOWED_NODE_TYPES: ReadonlySet<string> = new Set([
  'Literal', 'Identifier', 'UnaryExpression', 'BinaryExpression', 'LogicalExpression', 'ConditionalExpression', 'CallExpression',
])
export const ALLOWED_UNARY: ReadonlySet<string> = new Set(['-', '+', '!'])
export const ALLOWED_BINARY: ReadonlySet<string> = new Set(['+', '-', '*', '/', '%', '**', '<', '<=', '>', '>=', '==', '!=', '===', '!=='])
export const ALLOWED_LOGICAL: ReadonlySet<string> = new Set(['&&', '||'])

// How findings name node kinds outside the allowlist.
const KIND_NAMES: ReadonlyMap<string, string> = new Map([
  ['ArrayExpression', 'an array literal'],
  ['ArrowFunctionExpression', 'an arrow function'],
  ['AssignmentExpression', 'assignment'],
  ['AwaitExpression', 'await'],
  ['ChainExpression', 'optional chaining (?.)'],
  ['ClassExpression', 'a class'],
  ['FunctionExpression', 'a function expression'],
  ['ImportExpression', 'import()'],
  ['MemberExpression', 'member access'],
  ['MetaProperty', 'a meta property'],
  ['NewExpression', 'the new operator'],
  ['ObjectExpression', 'an object literal'],
  ['SequenceExpression', 'the comma operator'],
  ['SpreadElement', 'spread (...)'],
  ['TaggedTemplateExpression', 'a tagged template'],
  ['TemplateLiteral', 'a template literal'],
  ['ThisExpression', 'the this keyword'],
  ['UpdateExpression', 'increment/decrement'],
  ['YieldExpression', 'yield'],
])

// Names people reach for from JavaScript or other math-channel languages.
const HINTS: ReadonlyMap<string, string> = new Map([
  ['NaN', 'write nan'],
  ['Infinity', 'write inf'],
  ['undefined', 'write nan for "no value"'],
  ['PI', 'write pi'],
  ['E', 'write e'],
  ['Math', 'call functions by their plain name, e.g. sqrt(x)'],
])

/**
 * Parses an expression and checks it against the allowlist, with `names` binding the formula's
 * inputs and params. Returns every problem found (a bad node's children are not examined), and
 * the checked expression only when there were none.
 */
export function checkExpression(text: string, names: ReadonlyMap<string, Binding>): {checked?: CheckedExpression; problems: ExpressionProblem[]} {
  const parsed = parseExpression(text)
  if ('problem' in parsed) return {problems: [parsed.problem]}
  const checker = new Checker(text, names)
  checker.number(parsed.ast)
  if (checker.problems.length > 0) return {problems: checker.problems}
  return {checked: {ast: parsed.ast, tableUses: checker.tableUses, usesPrev: checker.usesPrev, used: checker.used}, problems: []}
}

class Checker {
  readonly problems: ExpressionProblem[] = []
  readonly used = new Set<string>()
  readonly tableUses: TableUse[] = []
  usesPrev = false
  private calls = 0

  constructor(
    private readonly text: string,
    private readonly names: ReadonlyMap<string, Binding>,
  ) {}

  /** A node in number position: everything except a table argument. */
  number(node: AnyNode): void {
    switch (node.type) {
      case 'Literal': {
        this.literal(node)
        break
      }
      case 'Identifier': {
        this.identifier(node)
        break
      }
      case 'UnaryExpression': {
        if (ALLOWED_UNARY.has(node.operator)) this.number(node.argument)
        else this.report(node.start, 'expression-not-allowed', `${operatorName(node.operator)} is not allowed`)
        break
      }
      case 'BinaryExpression': {
        if (ALLOWED_BINARY.has(node.operator) && node.left.type !== 'PrivateIdentifier') {
          this.number(node.left)
          this.number(node.right)
        } else {
          const at = tokenOffset(this.text, node.left.end, node.right.start, node.operator)
          this.report(at, 'expression-not-allowed', `${operatorName(node.operator)} is not allowed`)
        }
        break
      }
      case 'LogicalExpression': {
        if (ALLOWED_LOGICAL.has(node.operator)) {
          this.number(node.left)
          this.number(node.right)
        } else {
          const at = tokenOffset(this.text, node.left.end, node.right.start, node.operator)
          this.report(at, 'expression-not-allowed', `the ${node.operator} operator is not allowed (use is_nan(x) ? y : x)`)
        }
        break
      }
      case 'ConditionalExpression': {
        this.number(node.test)
        this.number(node.consequent)
        this.number(node.alternate)
        break
      }
      case 'CallExpression': {
        this.call(node)
        break
      }
      case 'ParenthesizedExpression': {
        this.number(node.expression)
        break
      }
      default: {
        this.notAllowed(node)
      }
    }
  }

  private literal(node: Literal): void {
    if (node.regex) this.report(node.start, 'expression-not-allowed', 'a regular expression is not allowed')
    else if (node.bigint !== undefined) this.report(node.start, 'expression-not-allowed', 'a BigInt literal is not allowed')
    else if (typeof node.value === 'string') this.report(node.start, 'expression-not-allowed', 'a string is not allowed: formulas work on numbers only')
    else if (typeof node.value === 'boolean') this.report(node.start, 'expression-not-allowed', `${String(node.value)} is not allowed: write ${node.value ? 1 : 0}`)
    else if (node.value === null) this.report(node.start, 'expression-not-allowed', 'null is not allowed: write nan for "no value"')
    // Sloppy-mode `010` means 8: too surprising in a config file.
    else if (/^0\d/.test(node.raw ?? '')) this.report(node.start, 'expression-not-allowed', `a legacy octal literal (${node.raw}) is not allowed`)
  }

  private identifier(node: Identifier): void {
    const binding = this.names.get(node.name)
    if (binding?.kind === 'table-param') {
      this.report(node.start, 'table-param-misuse', `table param ${this.spelled(node)} can only be a table argument of interp or nearest_index`)
    } else if (binding) {
      this.used.add(node.name)
    } else if (node.name === PREV) {
      this.usesPrev = true
    } else if (!FORMULA_CONSTANTS.has(node.name)) {
      const hint = HINTS.get(node.name)
      this.report(node.start, 'unknown-identifier', `unknown name ${this.spelled(node)}: ${hint ?? 'not an input, param or constant of this formula'}`)
    }
  }

  private call(node: CallExpression): void {
    const callee = unwrapParens(node.callee)
    if (node.optional) {
      this.report(node.start, 'expression-not-allowed', 'optional call (?.()) is not allowed')
      return
    }
    if (callee.type !== 'Identifier') {
      // A bad callee (member access, arrow function...) is named for what it is; any other
      // expression in callee position means calling a computed value.
      if (ALLOWED_NODE_TYPES.has(callee.type)) {
        this.report(callee.start, 'expression-not-allowed', 'only a named function can be called, not the result of an expression')
      } else this.number(callee)
      return
    }
    const fn = FORMULA_FUNCTIONS.get(callee.name)
    if (!fn) {
      const binding = this.names.get(callee.name)
      const what = binding ? `${this.spelled(callee)} is ${binding.kind === 'input' ? 'an input' : 'a param'}, not a function` : `unknown function ${this.spelled(callee)}`
      this.report(callee.start, 'unknown-function', `${what} (see docs/formulas.md for the function list)`)
      return
    }
    const count = node.arguments.length
    const [least, most] = fn.arity
    if (count < least || count > most) {
      const wanted = least === most ? `${least}` : most === Number.POSITIVE_INFINITY ? `at least ${least}` : `${least} to ${most}`
      // "1 argument", "at least 1 argument", but "2 to 3 arguments".
      const noun = least === 1 && most !== 2 ? 'argument' : 'arguments'
      this.report(node.start, 'function-arity', `${callee.name} takes ${wanted} ${noun} (${fn.signature}), got ${count}`)
    }
    const call = this.calls++
    for (const [i, arg] of node.arguments.entries()) {
      if (arg.type === 'SpreadElement') this.notAllowed(arg)
      else if (fn.tableArgs.includes(i)) this.table(arg, {argument: i, call, fn: callee.name}, fn.signature)
      else this.number(arg)
    }
  }

  private table(written: Expression, use: Omit<TableUse, 'param'>, signature: string): void {
    const node = unwrapParens(written)
    const where = `argument ${use.argument + 1} of ${signature}`
    if (node.type !== 'Identifier') {
      this.report(node.start, 'table-param-misuse', `${where} must name a table param`)
      return
    }
    const binding = this.names.get(node.name)
    if (binding?.kind === 'table-param') {
      this.used.add(node.name)
      this.tableUses.push({...use, param: node.name})
    } else if (binding || node.name === PREV || FORMULA_CONSTANTS.has(node.name)) {
      this.report(node.start, 'table-param-misuse', `${where} must name a table param; ${this.spelled(node)} is a number`)
    } else {
      this.report(node.start, 'unknown-identifier', `unknown name ${this.spelled(node)}: not a table param of this formula`)
    }
  }

  private notAllowed(node: AnyNode): void {
    const kind = KIND_NAMES.get(node.type) ?? node.type
    this.report(this.offsetOf(node), 'expression-not-allowed', `${kind} is not allowed`)
  }

  // Where to point for a node outside the allowlist: its operator when it has one.
  private offsetOf(node: AnyNode): number {
    switch (node.type) {
      case 'MemberExpression': {
        return node.optional ? node.start : tokenOffset(this.text, node.object.end, node.property.start, node.computed ? '[' : '.')
      }
      case 'AssignmentExpression': {
        return tokenOffset(this.text, node.left.end, node.right.start, node.operator)
      }
      case 'SequenceExpression': {
        return tokenOffset(this.text, node.expressions[0]!.end, node.expressions[1]!.start, ',')
      }
      case 'UpdateExpression': {
        return node.prefix ? node.start : tokenOffset(this.text, node.argument.end, node.end, node.operator)
      }
      default: {
        return node.start
      }
    }
  }

  // The name as written: `\u0065val` must be shown as written, not as the `eval` acorn decoded.
  private spelled(node: Identifier): string {
    const written = this.text.slice(node.start, node.end)
    return written === node.name ? `"${node.name}"` : `"${node.name}" (written ${written})`
  }

  private report(offset: number, rule: string, message: string): void {
    this.problems.push({message, offset, rule})
  }
}

function operatorName(op: string): string {
  if (op === 'in' || op === 'instanceof' || op === 'typeof' || op === 'void' || op === 'delete') return `the ${op} operator`
  if (['~', '&', '|', '^', '<<', '>>', '>>>'].includes(op)) return `the bitwise operator ${op}`
  return `the operator ${op}`
}
