import {existsSync} from 'node:fs'
import {join} from 'node:path'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {openDuckDatabase} from '../../src/lib/store/driver/index.js'
import {joinSql, rawSql, readSql, runSql, sql, sqlIdent, sqlString} from '../../src/lib/store/sql.js'
import {tempDir} from '../helpers.js'

describe('sql: values bound, names and paths quoted in one place', () => {
  let dir: {path: string; cleanup: () => void}
  beforeEach(() => {
    dir = tempDir()
  })
  afterEach(() => dir.cleanup())

  it('turns values into ? parameters in order and splices fragments with theirs', () => {
    const filter = sql`session_key = ${7} AND id = ${"it's"}`
    const q = sql`SELECT ${rawSql('count(*)')} FROM sessions WHERE ${filter} AND state IN (${joinSql([sql`${'live'}`, sql`${'ended'}`])}) LIMIT ${1}`
    expect(q.text).toBe('SELECT count(*) FROM sessions WHERE session_key = ? AND id = ? AND state IN (?, ?) LIMIT ?')
    expect(q.params).toEqual([7, "it's", 'live', 'ended', 1])
    expect(sql``).toEqual({params: [], text: ''})
  })

  it('quotes string literals and identifiers by doubling their quote character', () => {
    expect(sqlString("it's")).toBe("'it''s'")
    expect(sqlString("''")).toBe("''''''")
    expect(sqlIdent('my "db"')).toBe('"my ""db"""')
    expect(sqlIdent('frames')).toBe('"frames"')
  })

  it('round-trips awkward values, paths and names through DuckDB', async () => {
    const instance = await openDuckDatabase(':memory:')
    const c = await instance.connect()
    try {
      const table = `odd "table" 'name'`
      await c.run(`CREATE TABLE ${sqlIdent(table)} (v VARCHAR, n INTEGER)`)
      const awkward = `a'b"c\\d; DROP TABLE x; --`
      expect(await runSql(c, sql`INSERT INTO ${rawSql(sqlIdent(table))} VALUES (${awkward}, ${null}), (${'plain'}, ${3})`)).toBe(2)
      expect(await readSql(c, sql`SELECT v, n FROM ${rawSql(sqlIdent(table))} WHERE v = ${awkward}`)).toEqual([{n: null, v: awkward}])
      // A path with a quote cannot be bound in ATTACH: the one quoting helper carries it.
      const path = join(dir.path, "it's a \"file\".duckdb")
      await c.run(`ATTACH ${sqlString(path)} AS ${sqlIdent('the "other"')}`)
      await c.run(`CREATE TABLE ${sqlIdent('the "other"')}.main.t AS SELECT 42 AS x`)
      await c.run(`CHECKPOINT ${sqlIdent('the "other"')}`)
      expect(await readSql(c, sql`SELECT x FROM ${rawSql(`${sqlIdent('the "other"')}.main.t`)}`)).toEqual([{x: 42}])
      expect(existsSync(path)).toBe(true)
    } finally {
      c.close()
      instance.close()
    }
  })
})
