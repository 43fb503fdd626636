import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

// This file sits two levels below the package root both as src/lib/paths.ts (tsx, vitest)
// and as dist/lib/paths.js (built), so one relative step finds the shipped cars/ and formulas/.
const here = dirname(fileURLToPath(import.meta.url))

/** The installed package's root (where package.json, cars/ and formulas/ live). */
export const PACKAGE_ROOT = resolve(here, '..', '..')

/** Shipped car configurations. */
export const SHIPPED_CARS_DIR = join(PACKAGE_ROOT, 'cars')

/** JSON Schema for car YAML files, published beside the cars. */
export const CAR_SCHEMA_PATH = join(SHIPPED_CARS_DIR, 'car.schema.json')
