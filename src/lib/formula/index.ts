/**
 * The formula language and the shared formula library: car configs turn decoded signals into
 * channels through named formulas. See docs/formulas.md.
 */
export {checkExamples, matchesExpected} from './examples.js'
export {FORMULA_CONSTANTS, FORMULA_FUNCTIONS} from './functions.js'
export type {FormulaFunctionInfo} from './functions.js'
export {instantiate, paramBindingProblems, paramProblems} from './instance.js'
export type {ParamProblem} from './instance.js'
export {loadFormulaLibrary} from './library.js'
export {FORMULA_SCHEMA_PATH, FORMULAS_DIR, STANDARD_LIBRARY_PATH} from './location.js'
export type {
  FormulaExample,
  FormulaInput,
  FormulaInstance,
  FormulaLibrary,
  FormulaParam,
  FormulaSpec,
  ParamValue,
} from './model.js'
export {readFormulaMap} from './read-formula.js'
export type {ReadFormulaOptions} from './read-formula.js'
export {formulaSchema} from './schema.js'
