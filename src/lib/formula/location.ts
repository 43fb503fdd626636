import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

// This module is src/lib/formula/location.ts under tsx and vitest, and dist/lib/formula/location.js
// once built: both sit three levels below the package root, where formulas/ ships.
const here = dirname(fileURLToPath(import.meta.url))

/** The shipped `formulas/` folder. */
export const FORMULAS_DIR: string = resolve(here, '..', '..', '..', 'formulas')

/** Absolute path of the shared formula library, `formulas/standard.yaml`. */
export const STANDARD_LIBRARY_PATH: string = join(FORMULAS_DIR, 'standard.yaml')

/** Absolute path of the JSON Schema of formula library files (and of one formula definition). */
export const FORMULA_SCHEMA_PATH: string = join(FORMULAS_DIR, 'formulas.schema.json')
