/*
 * What the ffi driver's koffi declarations rely on, as the C compiler sees duckdb.h: sizes, field
 * offsets and enum values, one `name=value` a line. probe.test.ts compiles this against the
 * header of the `duckdb` npm package and compares every line with the ffi module's constants.
 */
#include <stddef.h>
#include <stdio.h>

#include "duckdb.h"

#define SIZE(t) printf("sizeof(%s)=%zu\n", #t, sizeof(t))
#define OFFSET(t, f) printf("offsetof(%s,%s)=%zu\n", #t, #f, offsetof(t, f))
#define VALUE(name, v) printf("%s=%lld\n", name, (long long)(v))
#define TYPE(t) VALUE("DUCKDB_TYPE_" #t, DUCKDB_TYPE_##t)
#define ERROR_TYPE(t) VALUE("DUCKDB_ERROR_" #t, DUCKDB_ERROR_##t)

int main(void) {
  SIZE(idx_t);
  SIZE(bool);
  SIZE(duckdb_state);
  SIZE(duckdb_type);
  SIZE(duckdb_error_type);
  SIZE(duckdb_connection);
  SIZE(duckdb_data_chunk);

  SIZE(duckdb_string_t);
  OFFSET(duckdb_string_t, value.inlined.length);
  OFFSET(duckdb_string_t, value.inlined.inlined);
  OFFSET(duckdb_string_t, value.pointer.ptr);
  VALUE("sizeof(duckdb_string_t.value.inlined.inlined)", sizeof(((duckdb_string_t *)0)->value.inlined.inlined));

  SIZE(duckdb_list_entry);
  OFFSET(duckdb_list_entry, offset);
  OFFSET(duckdb_list_entry, length);

  SIZE(duckdb_hugeint);
  OFFSET(duckdb_hugeint, lower);
  OFFSET(duckdb_hugeint, upper);

  SIZE(duckdb_decimal);
  OFFSET(duckdb_decimal, width);
  OFFSET(duckdb_decimal, scale);
  OFFSET(duckdb_decimal, value);

  SIZE(duckdb_result);
  OFFSET(duckdb_result, internal_data);

  VALUE("DuckDBSuccess", DuckDBSuccess);
  VALUE("DuckDBError", DuckDBError);

  TYPE(INVALID); TYPE(BOOLEAN); TYPE(TINYINT); TYPE(SMALLINT); TYPE(INTEGER); TYPE(BIGINT);
  TYPE(UTINYINT); TYPE(USMALLINT); TYPE(UINTEGER); TYPE(UBIGINT); TYPE(FLOAT); TYPE(DOUBLE);
  TYPE(TIMESTAMP); TYPE(DATE); TYPE(TIME); TYPE(INTERVAL); TYPE(HUGEINT); TYPE(UHUGEINT);
  TYPE(VARCHAR); TYPE(BLOB); TYPE(DECIMAL); TYPE(TIMESTAMP_S); TYPE(TIMESTAMP_MS); TYPE(TIMESTAMP_NS);
  TYPE(ENUM); TYPE(LIST); TYPE(STRUCT); TYPE(MAP); TYPE(ARRAY); TYPE(UUID);
  TYPE(UNION); TYPE(BIT); TYPE(TIME_TZ); TYPE(TIMESTAMP_TZ); TYPE(ANY); TYPE(BIGNUM);
  TYPE(SQLNULL); TYPE(STRING_LITERAL); TYPE(INTEGER_LITERAL); TYPE(TIME_NS);

  ERROR_TYPE(INVALID); ERROR_TYPE(OUT_OF_RANGE); ERROR_TYPE(CONVERSION); ERROR_TYPE(UNKNOWN_TYPE);
  ERROR_TYPE(DECIMAL); ERROR_TYPE(MISMATCH_TYPE); ERROR_TYPE(DIVIDE_BY_ZERO); ERROR_TYPE(OBJECT_SIZE);
  ERROR_TYPE(INVALID_TYPE); ERROR_TYPE(SERIALIZATION); ERROR_TYPE(TRANSACTION); ERROR_TYPE(NOT_IMPLEMENTED);
  ERROR_TYPE(EXPRESSION); ERROR_TYPE(CATALOG); ERROR_TYPE(PARSER); ERROR_TYPE(PLANNER);
  ERROR_TYPE(SCHEDULER); ERROR_TYPE(EXECUTOR); ERROR_TYPE(CONSTRAINT); ERROR_TYPE(INDEX);
  ERROR_TYPE(STAT); ERROR_TYPE(CONNECTION); ERROR_TYPE(SYNTAX); ERROR_TYPE(SETTINGS);
  ERROR_TYPE(BINDER); ERROR_TYPE(NETWORK); ERROR_TYPE(OPTIMIZER); ERROR_TYPE(NULL_POINTER);
  ERROR_TYPE(IO); ERROR_TYPE(INTERRUPT); ERROR_TYPE(FATAL); ERROR_TYPE(INTERNAL);
  ERROR_TYPE(INVALID_INPUT); ERROR_TYPE(OUT_OF_MEMORY); ERROR_TYPE(PERMISSION); ERROR_TYPE(PARAMETER_NOT_RESOLVED);
  ERROR_TYPE(PARAMETER_NOT_ALLOWED); ERROR_TYPE(DEPENDENCY); ERROR_TYPE(HTTP); ERROR_TYPE(MISSING_EXTENSION);
  ERROR_TYPE(AUTOLOAD); ERROR_TYPE(SEQUENCE);
  VALUE("DUCKDB_ERROR_INVALID_CONFIGURATION", DUCKDB_INVALID_CONFIGURATION);
  return 0;
}
