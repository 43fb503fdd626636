/**
 * validate-car's engine: lints the project's config files (car YAMLs, DBCs, formula libraries,
 * tracks) with file:line:column findings. Above car/ and track/ because it reads both.
 */
export {CarValidator, classifyFile, defaultTargets, validateFiles} from './validate.js'
export type {LintedKind, ValidatedFile, ValidateOptions, ValidationReport} from './validate.js'
