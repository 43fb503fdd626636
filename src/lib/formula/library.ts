import {readFile} from 'node:fs/promises'

import type {FindingSink} from '../findings.js'
import {checkAgainstSchema, YamlSource} from '../yaml/index.js'
import type {FormulaLibrary, FormulaSpec} from './model.js'
import {readFormulaMap} from './read-formula.js'
import {formulaSchema} from './schema.js'

/**
 * Loads a formula library file (`formulas/standard.yaml` or another with the same format):
 * YAML syntax, the schema, then every formula read, checked and compiled. Every problem goes to
 * `sink` (an unreadable file is `file-unreadable` at 1:1); formulas with errors are left out.
 * Examples are not run here, so `serve` starts fast: validate-car calls `checkExamples`.
 *
 * @param displayPath how findings and specs name the file. Defaults to `file`.
 */
export async function loadFormulaLibrary(file: string, sink: FindingSink, displayPath?: string): Promise<FormulaLibrary> {
  const shown = displayPath ?? file
  const empty: FormulaLibrary = {file: shown, formulas: new Map<string, FormulaSpec>()}
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    sink.error({column: 1, line: 1}, 'file-unreadable', `cannot read formula library: ${(error as Error).message}`)
    return empty
  }
  const source = new YamlSource(text, shown, sink)
  // With broken YAML, positions and structure are guesses: report the syntax and stop.
  if (source.hasSyntaxErrors) return empty
  checkAgainstSchema(source, formulaSchema(), sink)
  return {file: shown, formulas: readFormulaMap(source, ['formulas'], sink, {schemaChecked: true})}
}
