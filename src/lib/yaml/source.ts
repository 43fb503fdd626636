import {
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Document,
  type Node as YamlNode,
  type Scalar,
} from 'yaml'

import {FindingSink, type SourcePos} from '../findings.js'

export type {YamlNode}

/**
 * A parsed YAML file that remembers where every node came from, so each finding can name
 * file:line:column. Syntax errors become `yaml-syntax` findings; the document is still returned
 * (possibly partial) so later checks can go on and report everything at once.
 */
export class YamlSource {
  readonly doc: Document.Parsed
  private readonly lines = new LineCounter()

  constructor(
    readonly text: string,
    readonly file: string,
    sink: FindingSink,
  ) {
    this.doc = parseDocument(text, {lineCounter: this.lines, prettyErrors: false, uniqueKeys: true, strict: true})
    for (const e of [...this.doc.errors, ...this.doc.warnings]) {
      const rule = e.code === 'DUPLICATE_KEY' ? 'duplicate-key' : 'yaml-syntax'
      const message = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')
      const pos = this.posAt(e.pos[0])
      if (this.doc.errors.includes(e as never)) sink.error(pos, rule, message)
      else sink.warning(pos, rule, message)
    }
  }

  /** True when the YAML itself could not be read (then the content checks would only add noise). */
  get hasSyntaxErrors(): boolean {
    return this.doc.errors.length > 0
  }

  posAt(offset: number): SourcePos {
    const p = this.lines.linePos(Math.max(0, Math.min(offset, this.text.length)))
    return {line: p.line, column: p.col}
  }

  /** Position of a node (its first character), or of the document start when unknown. */
  posOf(node: unknown): SourcePos {
    const range = (node as {range?: [number, number, number]} | undefined)?.range
    return this.posAt(range ? range[0] : 0)
  }

  /** The node at a JSON-pointer-like path of keys and indices, or undefined. */
  nodeAt(path: ReadonlyArray<string | number>): YamlNode | undefined {
    let node: unknown = this.doc.contents
    for (const key of path) {
      if (isAlias(node)) node = node.resolve(this.doc)
      if (isMap(node)) node = node.get(key, true)
      else if (isSeq(node) && typeof key === 'number') node = node.get(key, true)
      else return undefined
    }
    return node as YamlNode | undefined
  }

  /** The key node of `path`'s last element inside its parent map (for "unknown key" findings). */
  keyNodeAt(path: ReadonlyArray<string | number>): YamlNode | undefined {
    const parent = this.nodeAt(path.slice(0, -1))
    const last = path.at(-1)
    if (!isMap(parent)) return undefined
    const pair = parent.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === last)
    return pair?.key as YamlNode | undefined
  }

  /** Deepest existing node along a path: where to point when the path itself does not exist. */
  closestPos(path: ReadonlyArray<string | number>): SourcePos {
    for (let n = path.length; n >= 0; n--) {
      const node = this.nodeAt(path.slice(0, n))
      if (node) return this.posOf(node)
    }
    return {line: 1, column: 1}
  }

  /**
   * Maps an offset inside a scalar's value to its place in the file, so an error at character 9
   * of an expression points at the right column even inside quotes or a `|` block.
   */
  valuePos(node: YamlNode, valueOffset: number): SourcePos {
    if (!isScalar(node) || !node.range) return this.posOf(node)
    const scalar = node as Scalar
    const start = node.range[0]
    const raw = this.text.slice(start, node.range[1])
    switch (scalar.type) {
      case 'QUOTE_DOUBLE':
      case 'QUOTE_SINGLE': {
        return this.posAt(start + 1 + quotedSourceOffset(raw.slice(1), valueOffset, scalar.type === 'QUOTE_DOUBLE'))
      }
      case 'BLOCK_FOLDED':
      case 'BLOCK_LITERAL': {
        return this.posAt(start + blockSourceOffset(raw, valueOffset))
      }
      default: {
        return this.posAt(start + plainSourceOffset(raw, valueOffset))
      }
    }
  }
}

// A plain scalar's value is its source with line breaks and indentation folded to one space.
function plainSourceOffset(raw: string, valueOffset: number): number {
  let v = 0
  for (let i = 0; i < raw.length; i++) {
    if (v >= valueOffset) return i
    if (raw[i] === '\n') {
      while (i + 1 < raw.length && /[ \t]/.test(raw[i + 1]!)) i++
    }
    v++
  }
  return raw.length
}

function quotedSourceOffset(body: string, valueOffset: number, double: boolean): number {
  let v = 0
  for (let i = 0; i < body.length; i++) {
    if (v >= valueOffset) return i
    if (double && body[i] === '\\') i++
    else if (!double && body[i] === "'" && body[i + 1] === "'") i++
    v++
  }
  return body.length
}

// Block content lines are indented by the first content line's indentation (deeper indents are
// value). Each source line break is one value character: '\n' in a `|` block, a space in a `>`
// block (a blank line inside a `>` block folds two breaks into one: positions after it are one off).
function blockSourceOffset(raw: string, valueOffset: number): number {
  const lines = raw.split('\n')
  const first = lines.slice(1).find((l) => l.trim() !== '') ?? ''
  const indent = first.length - first.trimStart().length
  let offset = lines[0]!.length + 1
  let remaining = valueOffset
  for (let i = 1; i < lines.length; i++) {
    const content = Math.max(0, lines[i]!.length - indent)
    if (remaining <= content) return offset + Math.min(indent, lines[i]!.length) + remaining
    remaining -= content + 1
    offset += lines[i]!.length + 1
  }
  return raw.length
}
