import {join} from 'node:path'

import {afterEach, beforeEach} from 'vitest'

import {tempDir} from '../helpers.js'

/** A fresh data dir for each test of the suite, removed after it; `path` is its live DB file. */
export function useTempDb(): {readonly dir: string; readonly path: string} {
  let dir: {path: string; cleanup: () => void} | undefined
  beforeEach(() => {
    dir = tempDir()
  })
  afterEach(() => dir?.cleanup())
  return {
    get dir() {
      return dir!.path
    },
    get path() {
      return join(dir!.path, 'pitwall.duckdb')
    },
  }
}
