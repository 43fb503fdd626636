/**
 * DuckDB's C API as the ffi driver calls it: every prototype, struct layout and enum value here is
 * copied from `duckdb.h` (the header in the `duckdb` npm package's tarball), never written from
 * memory. test/store/driver/probe.test.ts compiles these prototypes against that header with the
 * deprecated functions left out, and compares the layouts and enum values with a C probe.
 */
import koffi, {type LibraryHandle} from 'koffi'

/** A native pointer: koffi 3 hands them out as bigint, and NULL as null. */
export type Pointer = bigint

/** The functions the driver calls, in the header's own words (koffi parses the same text). */
export const DECLARATIONS = {
  duckdb_library_version: 'const char *duckdb_library_version()',
  duckdb_vector_size: 'idx_t duckdb_vector_size()',
  duckdb_free: 'void duckdb_free(void *ptr)',
  duckdb_create_config: 'duckdb_state duckdb_create_config(duckdb_config *out_config)',
  duckdb_set_config: 'duckdb_state duckdb_set_config(duckdb_config config, const char *name, const char *option)',
  duckdb_destroy_config: 'void duckdb_destroy_config(duckdb_config *config)',
  duckdb_open_ext: 'duckdb_state duckdb_open_ext(const char *path, duckdb_database *out_database, duckdb_config config, char **out_error)',
  duckdb_close: 'void duckdb_close(duckdb_database *database)',
  duckdb_connect: 'duckdb_state duckdb_connect(duckdb_database database, duckdb_connection *out_connection)',
  duckdb_disconnect: 'void duckdb_disconnect(duckdb_connection *connection)',
  duckdb_query: 'duckdb_state duckdb_query(duckdb_connection connection, const char *query, duckdb_result *out_result)',
  duckdb_destroy_result: 'void duckdb_destroy_result(duckdb_result *result)',
  duckdb_column_count: 'idx_t duckdb_column_count(duckdb_result *result)',
  duckdb_column_name: 'const char *duckdb_column_name(duckdb_result *result, idx_t col)',
  duckdb_column_logical_type: 'duckdb_logical_type duckdb_column_logical_type(duckdb_result *result, idx_t col)',
  duckdb_rows_changed: 'idx_t duckdb_rows_changed(duckdb_result *result)',
  duckdb_result_error: 'const char *duckdb_result_error(duckdb_result *result)',
  duckdb_result_error_type: 'duckdb_error_type duckdb_result_error_type(duckdb_result *result)',
  duckdb_fetch_chunk: 'duckdb_data_chunk duckdb_fetch_chunk(duckdb_result result)',
  duckdb_prepare: 'duckdb_state duckdb_prepare(duckdb_connection connection, const char *query, duckdb_prepared_statement *out_prepared_statement)',
  duckdb_prepare_error: 'const char *duckdb_prepare_error(duckdb_prepared_statement prepared_statement)',
  duckdb_destroy_prepare: 'void duckdb_destroy_prepare(duckdb_prepared_statement *prepared_statement)',
  duckdb_bind_boolean: 'duckdb_state duckdb_bind_boolean(duckdb_prepared_statement prepared_statement, idx_t param_idx, bool val)',
  duckdb_bind_int64: 'duckdb_state duckdb_bind_int64(duckdb_prepared_statement prepared_statement, idx_t param_idx, int64_t val)',
  duckdb_bind_uint64: 'duckdb_state duckdb_bind_uint64(duckdb_prepared_statement prepared_statement, idx_t param_idx, uint64_t val)',
  duckdb_bind_double: 'duckdb_state duckdb_bind_double(duckdb_prepared_statement prepared_statement, idx_t param_idx, double val)',
  duckdb_bind_varchar_length: 'duckdb_state duckdb_bind_varchar_length(duckdb_prepared_statement prepared_statement, idx_t param_idx, const char *val, idx_t length)',
  duckdb_bind_blob: 'duckdb_state duckdb_bind_blob(duckdb_prepared_statement prepared_statement, idx_t param_idx, const void *data, idx_t length)',
  duckdb_bind_null: 'duckdb_state duckdb_bind_null(duckdb_prepared_statement prepared_statement, idx_t param_idx)',
  duckdb_bind_value: 'duckdb_state duckdb_bind_value(duckdb_prepared_statement prepared_statement, idx_t param_idx, duckdb_value val)',
  duckdb_execute_prepared: 'duckdb_state duckdb_execute_prepared(duckdb_prepared_statement prepared_statement, duckdb_result *out_result)',
  duckdb_create_int32: 'duckdb_value duckdb_create_int32(int32_t input)',
  duckdb_create_null_value: 'duckdb_value duckdb_create_null_value()',
  duckdb_create_list_value: 'duckdb_value duckdb_create_list_value(duckdb_logical_type type, duckdb_value *values, idx_t value_count)',
  duckdb_destroy_value: 'void duckdb_destroy_value(duckdb_value *value)',
  duckdb_create_logical_type: 'duckdb_logical_type duckdb_create_logical_type(duckdb_type type)',
  duckdb_destroy_logical_type: 'void duckdb_destroy_logical_type(duckdb_logical_type *type)',
  duckdb_get_type_id: 'duckdb_type duckdb_get_type_id(duckdb_logical_type type)',
  duckdb_list_type_child_type: 'duckdb_logical_type duckdb_list_type_child_type(duckdb_logical_type type)',
  duckdb_decimal_internal_type: 'duckdb_type duckdb_decimal_internal_type(duckdb_logical_type type)',
  duckdb_decimal_width: 'uint8_t duckdb_decimal_width(duckdb_logical_type type)',
  duckdb_decimal_scale: 'uint8_t duckdb_decimal_scale(duckdb_logical_type type)',
  duckdb_decimal_to_double: 'double duckdb_decimal_to_double(duckdb_decimal val)',
  duckdb_create_data_chunk: 'duckdb_data_chunk duckdb_create_data_chunk(duckdb_logical_type *types, idx_t column_count)',
  duckdb_destroy_data_chunk: 'void duckdb_destroy_data_chunk(duckdb_data_chunk *chunk)',
  duckdb_data_chunk_reset: 'void duckdb_data_chunk_reset(duckdb_data_chunk chunk)',
  duckdb_data_chunk_get_vector: 'duckdb_vector duckdb_data_chunk_get_vector(duckdb_data_chunk chunk, idx_t col_idx)',
  duckdb_data_chunk_get_size: 'idx_t duckdb_data_chunk_get_size(duckdb_data_chunk chunk)',
  duckdb_data_chunk_set_size: 'void duckdb_data_chunk_set_size(duckdb_data_chunk chunk, idx_t size)',
  duckdb_vector_get_data: 'void *duckdb_vector_get_data(duckdb_vector vector)',
  duckdb_vector_get_validity: 'uint64_t *duckdb_vector_get_validity(duckdb_vector vector)',
  duckdb_vector_ensure_validity_writable: 'void duckdb_vector_ensure_validity_writable(duckdb_vector vector)',
  duckdb_vector_assign_string_element_len: 'void duckdb_vector_assign_string_element_len(duckdb_vector vector, idx_t index, const char *str, idx_t str_len)',
  duckdb_list_vector_get_child: 'duckdb_vector duckdb_list_vector_get_child(duckdb_vector vector)',
  duckdb_list_vector_get_size: 'idx_t duckdb_list_vector_get_size(duckdb_vector vector)',
  duckdb_appender_create_ext: 'duckdb_state duckdb_appender_create_ext(duckdb_connection connection, const char *catalog, const char *schema, const char *table, duckdb_appender *out_appender)',
  duckdb_appender_error_data: 'duckdb_error_data duckdb_appender_error_data(duckdb_appender appender)',
  duckdb_append_data_chunk: 'duckdb_state duckdb_append_data_chunk(duckdb_appender appender, duckdb_data_chunk chunk)',
  duckdb_appender_flush: 'duckdb_state duckdb_appender_flush(duckdb_appender appender)',
  duckdb_appender_clear: 'duckdb_state duckdb_appender_clear(duckdb_appender appender)',
  duckdb_appender_close: 'duckdb_state duckdb_appender_close(duckdb_appender appender)',
  duckdb_appender_destroy: 'duckdb_state duckdb_appender_destroy(duckdb_appender *appender)',
  duckdb_error_data_error_type: 'duckdb_error_type duckdb_error_data_error_type(duckdb_error_data error_data)',
  duckdb_error_data_message: 'const char *duckdb_error_data_message(duckdb_error_data error_data)',
  duckdb_destroy_error_data: 'void duckdb_destroy_error_data(duckdb_error_data *error_data)',
} as const

export type CFunctionName = keyof typeof DECLARATIONS

/**
 * Declarations newer than the header the probe compiles against (duckdb@1.4.4, the last `duckdb`
 * npm package), each copied from duckdb.h at the DuckDB release named; the probe test checks
 * instead that the tested libraries export them.
 */
export const NEWER_THAN_PROBE_HEADER: Partial<Record<CFunctionName, string>> = {duckdb_appender_clear: 'v1.5.5'}

type P = Pointer
type Nullable = Pointer | null
/** A pointer argument: a native address, or a JS buffer/array koffi passes for the call's duration. */
type In = Pointer | null | ArrayBufferView | readonly unknown[]

/** What each declared function looks like from JS (koffi's conversions of the types above). */
interface Signatures {
  duckdb_library_version(): string
  duckdb_vector_size(): number
  duckdb_free(ptr: P): void
  duckdb_create_config(out: P): number
  duckdb_set_config(config: P, name: string, option: string): number
  duckdb_destroy_config(config: In): void
  duckdb_open_ext(path: string, out: P, config: P, outError: P): number
  duckdb_close(database: In): void
  duckdb_connect(database: P, out: P): number
  duckdb_disconnect(connection: In): void
  duckdb_query(connection: P, sql: string, out: P): number
  duckdb_destroy_result(result: P): void
  duckdb_column_count(result: P): number
  duckdb_column_name(result: P, col: number): string | null
  duckdb_column_logical_type(result: P, col: number): Nullable
  duckdb_rows_changed(result: P): number | bigint
  duckdb_result_error(result: P): string | null
  duckdb_result_error_type(result: P): number
  duckdb_fetch_chunk(result: ResultStruct): Nullable
  duckdb_prepare(connection: P, sql: string, out: P): number
  duckdb_prepare_error(prepared: P): string | null
  duckdb_destroy_prepare(prepared: In): void
  duckdb_bind_boolean(prepared: P, index: number, value: boolean): number
  duckdb_bind_int64(prepared: P, index: number, value: number | bigint): number
  duckdb_bind_uint64(prepared: P, index: number, value: number | bigint): number
  duckdb_bind_double(prepared: P, index: number, value: number): number
  duckdb_bind_varchar_length(prepared: P, index: number, bytes: Uint8Array, length: number): number
  duckdb_bind_blob(prepared: P, index: number, bytes: Uint8Array, length: number): number
  duckdb_bind_null(prepared: P, index: number): number
  duckdb_bind_value(prepared: P, index: number, value: P): number
  duckdb_execute_prepared(prepared: P, out: P): number
  duckdb_create_int32(value: number): P
  duckdb_create_null_value(): P
  duckdb_create_list_value(type: P, values: P, count: number): Nullable
  duckdb_destroy_value(value: In): void
  duckdb_create_logical_type(type: number): P
  duckdb_destroy_logical_type(type: In): void
  duckdb_get_type_id(type: P): number
  duckdb_list_type_child_type(type: P): P
  duckdb_decimal_internal_type(type: P): number
  duckdb_decimal_width(type: P): number
  duckdb_decimal_scale(type: P): number
  duckdb_decimal_to_double(value: DecimalStruct): number
  duckdb_create_data_chunk(types: In, count: number): Nullable
  duckdb_destroy_data_chunk(chunk: In): void
  duckdb_data_chunk_reset(chunk: P): void
  duckdb_data_chunk_get_vector(chunk: P, col: number): P
  duckdb_data_chunk_get_size(chunk: P): number
  duckdb_data_chunk_set_size(chunk: P, size: number): void
  duckdb_vector_get_data(vector: P): Nullable
  duckdb_vector_get_validity(vector: P): Nullable
  duckdb_vector_ensure_validity_writable(vector: P): void
  duckdb_vector_assign_string_element_len(vector: P, index: number, bytes: Uint8Array, length: number): void
  duckdb_list_vector_get_child(vector: P): P
  duckdb_list_vector_get_size(vector: P): number
  duckdb_appender_create_ext(connection: P, catalog: string | null, schema: string | null, table: string, out: P): number
  duckdb_appender_error_data(appender: P): P
  duckdb_append_data_chunk(appender: P, chunk: P): number
  duckdb_appender_flush(appender: P): number
  duckdb_appender_clear(appender: P): number
  duckdb_appender_close(appender: P): number
  duckdb_appender_destroy(appender: In): number
  duckdb_error_data_error_type(error: P): number
  duckdb_error_data_message(error: P): string | null
  duckdb_destroy_error_data(error: In): void
}

/** A bound function, with koffi's `.async` twin that runs it on libuv's thread pool. */
export type CFunction<F extends (...args: never[]) => unknown> = F & {
  async: (...args: [...Parameters<F>, (error: unknown, result: ReturnType<F>) => void]) => void
}

export type CApi = {readonly [K in CFunctionName]: CFunction<Signatures[K]>}

/** `duckdb_result` as koffi copies it by value (`duckdb_fetch_chunk` takes one). */
export interface ResultStruct {
  readonly internal_data: Pointer | null
}

export interface DecimalStruct {
  readonly width: number
  readonly scale: number
  readonly value: {readonly lower: number | bigint; readonly upper: number | bigint}
}

/** Sizes and offsets the driver reads vector memory with (the probe checks each against the header). */
export const LAYOUT = {
  idx_t: {size: 8},
  /** `duckdb_string_t`: strings of up to 12 bytes inline after the length, longer ones behind a pointer. */
  duckdb_string_t: {size: 16, lengthOffset: 0, inlinedOffset: 4, inlinedBytes: 12, pointerOffset: 8},
  duckdb_list_entry: {size: 16, offsetOffset: 0, lengthOffset: 8},
  duckdb_hugeint: {size: 16, lowerOffset: 0, upperOffset: 8},
  duckdb_decimal: {size: 24, widthOffset: 0, scaleOffset: 1, valueOffset: 8},
  duckdb_result: {size: 48, internalDataOffset: 40},
  /** Every enum of the header is an int-sized C enum. */
  enum: {size: 4},
} as const

/** `duckdb_state`. */
export const DUCKDB_STATE = {DuckDBSuccess: 0, DuckDBError: 1} as const

/** `DUCKDB_TYPE`: every value of the enum, so an unexpected type can be named. */
export const DUCKDB_TYPE = {
  INVALID: 0, BOOLEAN: 1, TINYINT: 2, SMALLINT: 3, INTEGER: 4, BIGINT: 5, UTINYINT: 6, USMALLINT: 7,
  UINTEGER: 8, UBIGINT: 9, FLOAT: 10, DOUBLE: 11, TIMESTAMP: 12, DATE: 13, TIME: 14, INTERVAL: 15,
  HUGEINT: 16, UHUGEINT: 32, VARCHAR: 17, BLOB: 18, DECIMAL: 19, TIMESTAMP_S: 20, TIMESTAMP_MS: 21,
  TIMESTAMP_NS: 22, ENUM: 23, LIST: 24, STRUCT: 25, MAP: 26, ARRAY: 33, UUID: 27, UNION: 28, BIT: 29,
  TIME_TZ: 30, TIMESTAMP_TZ: 31, ANY: 34, BIGNUM: 35, SQLNULL: 36, STRING_LITERAL: 37,
  INTEGER_LITERAL: 38, TIME_NS: 39,
} as const

export function typeName(id: number): string {
  return Object.entries(DUCKDB_TYPE).find(([, v]) => v === id)?.[0] ?? `type ${id}`
}

/** Registers the header's type names with koffi once per process (koffi's names are global). */
function defineTypes(): void {
  const define = (name: string, make: () => unknown): void => {
    try {
      koffi.type(name)
    } catch {
      make()
    }
  }
  define('idx_t', () => koffi.alias('idx_t', 'uint64_t'))
  for (const name of ['duckdb_state', 'duckdb_type', 'duckdb_error_type']) define(name, () => koffi.alias(name, 'int'))
  const handles = ['duckdb_database', 'duckdb_connection', 'duckdb_config', 'duckdb_prepared_statement', 'duckdb_value', 'duckdb_logical_type', 'duckdb_data_chunk', 'duckdb_vector', 'duckdb_appender', 'duckdb_error_data']
  for (const name of handles) define(name, () => koffi.alias(name, 'void *'))
  define('duckdb_hugeint', () => koffi.struct('duckdb_hugeint', {lower: 'uint64_t', upper: 'int64_t'}))
  define('duckdb_decimal', () => koffi.struct('duckdb_decimal', {width: 'uint8_t', scale: 'uint8_t', value: 'duckdb_hugeint'}))
  define('duckdb_result', () =>
    koffi.struct('duckdb_result', {
      deprecated_column_count: 'idx_t',
      deprecated_row_count: 'idx_t',
      deprecated_rows_changed: 'idx_t',
      deprecated_columns: 'void *',
      deprecated_error_message: 'void *',
      internal_data: 'void *',
    }),
  )
}

/**
 * The C API of one loaded library. Each function is bound on first use, so a library that lacks
 * one fails that call with `missing(name)`'s error, not the whole load.
 */
export function bindCApi(
  lib: LibraryHandle,
  missing: (name: CFunctionName) => Error,
  declarations: Readonly<Record<CFunctionName, string>> = DECLARATIONS,
): CApi {
  defineTypes()
  const api: Record<string, unknown> = {}
  for (const name of Object.keys(declarations) as CFunctionName[]) {
    Object.defineProperty(api, name, {
      configurable: true,
      enumerable: true,
      get() {
        let fn: unknown
        try {
          fn = lib.func(declarations[name])
        } catch {
          throw missing(name)
        }
        Object.defineProperty(api, name, {enumerable: true, value: fn})
        return fn
      },
    })
  }
  return api as unknown as CApi
}

/** One `type` in memory koffi allocated, zeroed (DuckDB leaves out-parameters alone on some failures); `koffi.free` it. */
export function allocZeroed(type: string): Pointer {
  const pointer = koffi.alloc(type, 1) as Pointer
  new Uint8Array(koffi.view(pointer, koffi.sizeof(type))).fill(0)
  return pointer
}

/** Runs `fn.async` as a promise. */
export function callAsync<F extends (...args: never[]) => unknown>(fn: CFunction<F>, ...args: Parameters<F>): Promise<ReturnType<F>> {
  return new Promise((resolve, reject) => {
    fn.async(...args, (error: unknown, result: ReturnType<F>) => (error ? reject(error) : resolve(result)))
  })
}
