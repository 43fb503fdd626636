import {InputDataError} from '../errors.js'
import {formatFinding} from '../findings.js'
import {loadFormulaLibrary, STANDARD_LIBRARY_PATH} from '../formula/index.js'
import {FindingSink} from '../findings.js'
import {loadBareDbcCar} from './bare-dbc.js'
import {loadCarFile} from './load.js'
import type {Car} from './model.js'
import {resolveCarRef} from './resolve.js'

export interface OpenCarOptions {
  readonly dataDir: string
  /** Formula library file; defaults to the shipped formulas/standard.yaml. */
  readonly formulaLibrary?: string
}

/**
 * What every command does with `--car`: resolve it, load it, and refuse it with the findings
 * when it has errors (validate-car is the tool for the full list).
 */
export async function openCar(ref: string, options: OpenCarOptions): Promise<Car> {
  const resolved = resolveCarRef(ref, options.dataDir)
  let result
  if (resolved.kind === 'dbc') result = await loadBareDbcCar(resolved.path)
  else {
    const sink = new FindingSink(options.formulaLibrary ?? STANDARD_LIBRARY_PATH)
    const library = await loadFormulaLibrary(options.formulaLibrary ?? STANDARD_LIBRARY_PATH, sink)
    result = await loadCarFile(resolved.path, library)
    if (sink.errorCount > 0) result = {findings: [...sink.findings, ...result.findings]}
  }
  if (result.car && !result.findings.some((f) => f.severity === 'error')) return result.car
  const errors = result.findings.filter((f) => f.severity === 'error')
  throw new InputDataError(`car "${ref}" has ${errors.length} error(s):\n${errors.slice(0, 10).map(formatFinding).join('\n')}`, {
    code: 'PW_CAR_INVALID',
    suggestions: [`run: pitwall validate-car ${resolved.path}`],
  })
}
