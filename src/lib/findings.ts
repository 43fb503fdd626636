/**
 * A finding is one problem in one place of one file, as validate-car prints it:
 * `file:line:column: error|warning: message [rule-id]`. Lines and columns are 1-based.
 */
export type Severity = 'error' | 'warning'

export interface Finding {
  readonly file: string
  readonly line: number
  readonly column: number
  readonly severity: Severity
  /** Stable kebab-case id of the rule that produced it, e.g. `unknown-formula`. */
  readonly rule: string
  readonly message: string
}

/** Where something sits in a file, 1-based. */
export interface SourcePos {
  readonly line: number
  readonly column: number
}

/** Collects findings for one file; passed down through loaders so they report, not throw. */
export class FindingSink {
  readonly findings: Finding[] = []

  constructor(readonly file: string) {}

  error(pos: SourcePos, rule: string, message: string): void {
    this.findings.push({file: this.file, line: pos.line, column: pos.column, severity: 'error', rule, message})
  }

  warning(pos: SourcePos, rule: string, message: string): void {
    this.findings.push({file: this.file, line: pos.line, column: pos.column, severity: 'warning', rule, message})
  }

  get errorCount(): number {
    return this.findings.filter((f) => f.severity === 'error').length
  }
}

/** Turns character offsets into 1-based line/column, for parsers that work on offsets. */
export class LineIndex {
  private readonly starts: number[] = [0]

  constructor(text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.starts.push(i + 1)
  }

  pos(offset: number): SourcePos {
    let lo = 0
    let hi = this.starts.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (this.starts[mid]! <= offset) lo = mid
      else hi = mid - 1
    }
    return {line: lo + 1, column: offset - this.starts[lo]! + 1}
  }
}

/** Sorts findings by file, then position, for stable output. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) =>
    a.file === b.file ? a.line - b.line || a.column - b.column : a.file < b.file ? -1 : 1,
  )
}

/** `file:line:column: severity: message [rule]`, the line validate-car prints. */
export function formatFinding(f: Finding): string {
  return `${f.file}:${f.line}:${f.column}: ${f.severity}: ${f.message} [${f.rule}]`
}
