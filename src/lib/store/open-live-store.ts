import {mkdirSync} from 'node:fs'
import {join} from 'node:path'

import {DATA_DIR_LAYOUT} from '../config/index.js'
import {LiveStore, type LiveStoreOptions, type OpenedLiveStore} from './live-store.js'

/** Opens `<dataDir>/pitwall.duckdb`, creating the data dir (mode 0700: it holds the token too). */
export async function openLiveStore(dataDir: string, options: LiveStoreOptions = {}): Promise<OpenedLiveStore> {
  mkdirSync(dataDir, {mode: 0o700, recursive: true})
  return LiveStore.open(join(dataDir, DATA_DIR_LAYOUT.liveDb), options)
}
