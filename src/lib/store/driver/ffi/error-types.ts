/**
 * DuckDB's error types by the names of the C API's `duckdb_error_type` (`IO`, `SERIALIZATION`,
 * `PERMISSION`…), from the enum's value or from a message's `<type> Error: ` prefix. No koffi
 * here: the node-api driver names its errors the same way.
 */

/** `duckdb_error_type` by value, each named as the header names it without its prefix. */
export const ERROR_TYPE_NAMES = [
  'INVALID', 'OUT_OF_RANGE', 'CONVERSION', 'UNKNOWN_TYPE', 'DECIMAL', 'MISMATCH_TYPE', 'DIVIDE_BY_ZERO',
  'OBJECT_SIZE', 'INVALID_TYPE', 'SERIALIZATION', 'TRANSACTION', 'NOT_IMPLEMENTED', 'EXPRESSION',
  'CATALOG', 'PARSER', 'PLANNER', 'SCHEDULER', 'EXECUTOR', 'CONSTRAINT', 'INDEX', 'STAT', 'CONNECTION',
  'SYNTAX', 'SETTINGS', 'BINDER', 'NETWORK', 'OPTIMIZER', 'NULL_POINTER', 'IO', 'INTERRUPT', 'FATAL',
  'INTERNAL', 'INVALID_INPUT', 'OUT_OF_MEMORY', 'PERMISSION', 'PARAMETER_NOT_RESOLVED',
  'PARAMETER_NOT_ALLOWED', 'DEPENDENCY', 'HTTP', 'MISSING_EXTENSION', 'AUTOLOAD', 'SEQUENCE',
  'INVALID_CONFIGURATION',
] as const

/** The type's name; none for DUCKDB_ERROR_INVALID (DuckDB's "no type") or a value newer than us. */
export function errorTypeName(value: number): string | undefined {
  return value > 0 ? ERROR_TYPE_NAMES[value] : undefined
}

/** The message prefixes (DuckDB's ExceptionTypeToString) that do not read as their enum name. */
const PREFIX_NAMES: Readonly<Record<string, string>> = {
  'Extension Autoloading': 'AUTOLOAD',
  NullPointer: 'NULL_POINTER',
  TransactionContext: 'TRANSACTION',
}

/**
 * The error type of a message that came without one (`duckdb_open_ext` hands out text only):
 * DuckDB writes it as the message's `<type> Error: ` prefix, e.g. `IO Error: Could not set lock`.
 * node-api puts some behind its own `Failed to extract statements: `.
 */
export function errorTypeFromMessage(message: string): string | undefined {
  const prefix = /^(?:Failed to [a-z ]+: )?([A-Za-z][A-Za-z ]*?) Error: /.exec(message)?.[1]
  if (prefix === undefined) return undefined
  const name = PREFIX_NAMES[prefix] ?? prefix.toUpperCase().replaceAll(' ', '_')
  return (ERROR_TYPE_NAMES as readonly string[]).includes(name) && name !== 'INVALID' ? name : undefined
}
