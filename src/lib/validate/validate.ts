import {existsSync, readdirSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {join, resolve} from 'node:path'

import {lintDbc, loadDbcFile} from '../dbc/index.js'
import {type Finding, FindingSink, sortFindings} from '../findings.js'
import {checkExamples, loadFormulaLibrary, STANDARD_LIBRARY_PATH} from '../formula/index.js'
import type {FormulaLibrary} from '../formula/model.js'
import {displayPath, loadCarFile} from '../car/index.js'
import {loadTrackFile} from '../track/index.js'

export type LintedKind = 'car' | 'dbc' | 'formulas' | 'track'

export interface ValidateOptions {
  /** Warnings count as errors. */
  readonly strict?: boolean
  /** Formula library the cars are checked against; defaults to the shipped one. */
  readonly formulaLibrary?: string
}

export interface ValidatedFile {
  readonly file: string
  readonly kind: LintedKind
  readonly errors: number
  readonly warnings: number
}

export interface ValidationReport {
  readonly files: readonly ValidatedFile[]
  /** Every finding, deduplicated (a DBC named by two cars is reported once), sorted by place. */
  readonly findings: readonly Finding[]
  readonly errorCount: number
  readonly warningCount: number
}

/** What validate-car checks when given no files: every car, DBC, formula library and track in the project. */
export function defaultTargets(root: string = process.cwd()): string[] {
  const out: string[] = []
  for (const dir of ['cars', 'formulas', 'tracks']) {
    const abs = join(root, dir)
    if (!existsSync(abs)) continue
    for (const f of readdirSync(abs).sort()) if (/\.(ya?ml|dbc)$/i.test(f)) out.push(join(abs, f))
  }
  return out
}

/**
 * A `.dbc` is a DBC; a YAML with a `dbc:` key is a car; one with `formulas:` and no `dbc:` is a
 * library; one with `centreline:` or `gates:` and no `dbc:` is a track (docs/tracks.md).
 */
export async function classifyFile(path: string): Promise<LintedKind> {
  if (/\.dbc$/i.test(path)) return 'dbc'
  const text = await readFile(path, 'utf8').catch(() => '')
  const hasTop = (key: string): boolean => new RegExp(`^${key}\\s*:`, 'm').test(text)
  if (hasTop('dbc')) return 'car'
  if (hasTop('centreline') || hasTop('gates')) return 'track'
  return hasTop('formulas') ? 'formulas' : 'car'
}

/**
 * One linter step per file; `validateFiles` runs them all. Split so a progress list can show
 * each file as it is checked.
 */
export class CarValidator {
  private library?: FormulaLibrary
  private readonly libraryFindings: Finding[] = []
  private readonly findings = new Map<string, Finding>()
  private readonly files: ValidatedFile[] = []

  constructor(private readonly options: ValidateOptions = {}) {}

  async validate(path: string): Promise<ValidatedFile> {
    const abs = resolve(path)
    const kind = await classifyFile(abs)
    const found = await this.lint(abs, kind)
    const adjusted = this.options.strict ? found.map((f) => (f.severity === 'warning' ? {...f, severity: 'error' as const} : f)) : found
    for (const f of adjusted) this.findings.set(`${f.file}:${f.line}:${f.column}:${f.rule}:${f.message}`, f)
    const own = adjusted.filter((f) => f.file === displayPath(abs))
    const result = {
      errors: own.filter((f) => f.severity === 'error').length,
      file: displayPath(abs),
      kind,
      warnings: own.filter((f) => f.severity === 'warning').length,
    }
    this.files.push(result)
    return result
  }

  report(): ValidationReport {
    const findings = sortFindings([...this.findings.values()])
    return {
      errorCount: findings.filter((f) => f.severity === 'error').length,
      files: this.files,
      findings,
      warningCount: findings.filter((f) => f.severity === 'warning').length,
    }
  }

  private async lint(abs: string, kind: LintedKind): Promise<Finding[]> {
    if (kind === 'dbc') {
      const sink = new FindingSink(displayPath(abs))
      const db = await loadDbcFile(abs, sink, displayPath(abs))
      if (db) lintDbc(db, sink)
      return sink.findings
    }
    if (kind === 'formulas') {
      const sink = new FindingSink(displayPath(abs))
      const library = await loadFormulaLibrary(abs, sink, displayPath(abs))
      for (const spec of library.formulas.values()) checkExamples(spec, sink)
      return sink.findings
    }
    if (kind === 'track') return [...(await loadTrackFile(abs)).findings]
    const library = await this.sharedLibrary()
    const {findings} = await loadCarFile(abs, library)
    // A broken shared library explains the car's unknown formulas: show its findings too.
    return [...this.libraryFindings, ...findings]
  }

  private async sharedLibrary(): Promise<FormulaLibrary> {
    if (this.library) return this.library
    const path = this.options.formulaLibrary ?? STANDARD_LIBRARY_PATH
    const sink = new FindingSink(displayPath(path))
    this.library = await loadFormulaLibrary(path, sink, displayPath(path))
    this.libraryFindings.push(...sink.findings.filter((f) => f.severity === 'error'))
    return this.library
  }
}

/** Lints every file and returns one report. */
export async function validateFiles(paths: readonly string[], options: ValidateOptions = {}): Promise<ValidationReport> {
  const validator = new CarValidator(options)
  for (const path of paths) await validator.validate(path)
  return validator.report()
}
