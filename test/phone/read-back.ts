import {DuckDBInstance} from '@duckdb/node-api'

/** Rows of `query` on a closed database file, read through @duckdb/node-api in this process (the other driver than the one that wrote it). */
export async function nodeReadOnly(path: string, query: string): Promise<Array<Record<string, unknown>>> {
  const instance = await DuckDBInstance.create(path, {access_mode: 'READ_ONLY'})
  const c = await instance.connect()
  try {
    return (await c.runAndReadAll(query)).getRowObjectsJS() as Array<Record<string, unknown>>
  } finally {
    c.closeSync()
    instance.closeSync()
  }
}
