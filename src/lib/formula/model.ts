import type {SourcePos} from '../findings.js'

/** A parameter value: a number, or a table (an array of numbers) for lookup functions. */
export type ParamValue = number | readonly number[]

export interface FormulaInput {
  readonly name: string
  /** Unit spelling as written, or `any` when the formula is unit-agnostic (sign flip, clamp). */
  readonly unit: string
  readonly description?: string
  readonly pos: SourcePos
}

export interface FormulaParam {
  readonly name: string
  readonly kind: 'number' | 'table'
  /** Value used when a car does not override it; undefined means the car must give one. */
  readonly default?: ParamValue
  readonly unit?: string
  readonly description?: string
  readonly pos: SourcePos
}

export interface FormulaExample {
  readonly inputs: Readonly<Record<string, number>>
  readonly params?: Readonly<Record<string, ParamValue>>
  /** Expected output; null means "no value" (NaN). */
  readonly output: number | null
  /**
   * Absolute tolerance written with the example; when absent the check allows
   * 1e-9 × |expected| + 1e-12.
   */
  readonly tolerance?: number
  readonly pos: SourcePos
}

export interface FormulaSpec {
  readonly name: string
  readonly description: string
  /** Inputs in order; a pipeline step feeds its value to the first one. */
  readonly inputs: readonly FormulaInput[]
  readonly params: readonly FormulaParam[]
  /** Output unit spelling, or `any`: then the output has the first input's unit. */
  readonly outputUnit: string
  readonly expression: string
  /** Where the expression's first character sits in the file. */
  readonly expressionPos: SourcePos
  /**
   * Examples, each checked at load. A `sequence` group runs on one instance in order, for
   * formulas that keep state (`prev`).
   */
  readonly examples: readonly FormulaExample[]
  readonly sequences: ReadonlyArray<readonly FormulaExample[]>
  /** The file that defined it (the library, or a car file for car-local formulas). */
  readonly file: string
  readonly pos: SourcePos
  /** True when the expression reads `prev` (its own previous output). */
  readonly stateful: boolean
}

/**
 * One use of a formula with its parameters bound: call `evaluate` with the inputs in the spec's
 * order. Stateful formulas keep their state per instance. NaN means "no value".
 */
export interface FormulaInstance {
  readonly spec: FormulaSpec
  readonly evaluate: (...inputs: number[]) => number
  /** Forget state (`prev` becomes NaN again). */
  reset(): void
}

/** A formula library file (`formulas/standard.yaml`) as loaded: its formulas by name, in file order. */
export interface FormulaLibrary {
  /** The file as shown in findings (the display path when one was given). */
  readonly file: string
  readonly formulas: ReadonlyMap<string, FormulaSpec>
}
