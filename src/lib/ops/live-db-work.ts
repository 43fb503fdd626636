import {join, resolve} from 'node:path'

import type {AdminArchiveBody, AdminVacuumBody} from '../bridge/routes/admin.js'
import {DATA_DIR_LAYOUT} from '../config/index.js'
import {
  type ArchiveRunOptions,
  type ArchiveRunResult,
  listSessions,
  type RestoreOutcome,
  runArchive,
  type SessionListing,
  type VacuumOptions,
  type VacuumResult,
} from '../store/index.js'
import {type BridgeAccess, delegatedError, openLiveDbOrBridge} from '../client/index.js'

/** Archive and vacuum may run for minutes on a phone: the bridge answers when the work is done. */
const ADMIN_TIMEOUT_MS = 60 * 60_000

/**
 * What `archive` and `vacuum` do to the live DB, wherever it is: in this process when nobody
 * holds it, or inside the running serve (POST /admin/archive, /admin/vacuum) when serve does.
 * Both answer with the same shapes, so the commands print the same output either way.
 */
export interface LiveDbWork {
  readonly via: 'local' | 'bridge'
  /** The live DB's path (and the bridge's URL when it runs there). */
  readonly where: string
  /** Says where the work runs when that is not here, for stderr. */
  readonly note?: string
  /** Sessions a dead process left live and this open closed (local only). */
  readonly unclean: readonly string[]
  listSessions(): Promise<SessionListing[]>
  restore(path: string): Promise<RestoreOutcome>
  archive(options: ArchiveRunOptions): Promise<ArchiveRunResult>
  vacuum(options: VacuumOptions): Promise<VacuumResult>
  close(): Promise<void>
}

/** Opens the live DB, or, when a running serve holds it, the bridge that runs the work for us. */
export async function openLiveDbWork(access: BridgeAccess): Promise<LiveDbWork> {
  const route = await openLiveDbOrBridge({...access, timeoutMs: access.timeoutMs ?? ADMIN_TIMEOUT_MS})
  if (route.via === 'bridge') {
    const {client} = route
    const post = async <T>(path: string, body: AdminArchiveBody | AdminVacuumBody): Promise<T> => {
      try {
        return await client.post<T>(path, body, access.timeoutMs ?? ADMIN_TIMEOUT_MS)
      } catch (error) {
        throw delegatedError(error)
      }
    }
    return {
      archive: (o) =>
        post('/admin/archive', {
          all_ended: o.allEnded,
          dry_run: o.dryRun,
          format: o.format,
          sessions: [...o.ids],
          ...(o.olderThanMs === undefined ? {} : {older_than_ms: o.olderThanMs}),
        }),
      close: async () => undefined,
      listSessions: () => post('/admin/archive', {list: true}),
      // serve resolves a relative path against its own working directory, not ours.
      restore: (path) => post('/admin/archive', {restore: resolve(path)}),
      unclean: [],
      vacuum: (o) => post('/admin/vacuum', {dry_run: o.dryRun, force: o.force, min_free_fraction: o.minFreeFraction, retention_ms: o.retentionMs}),
      note: `the live DB is held by pitwall serve (pid ${route.pid}): running through its bridge at ${client.options.url}`,
      via: 'bridge',
      where: `${join(access.dataDir, DATA_DIR_LAYOUT.liveDb)} via ${client.options.url}`,
    }
  }
  const {store, unclean} = route.opened
  return {
    archive: (o) => runArchive(store, o),
    close: () => store.close(),
    async listSessions() {
      await store.recoverArchives()
      return listSessions(store)
    },
    restore: (path) => store.restoreArchive(path),
    unclean,
    vacuum: (o) => store.vacuum(o),
    via: 'local',
    where: join(access.dataDir, DATA_DIR_LAYOUT.liveDb),
  }
}
