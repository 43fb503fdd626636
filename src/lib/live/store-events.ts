import type {Logger} from '../log.js'
import type {LiveStore} from '../store/index.js'

/** What the live DB reports (drops, invalidation, disk full, warnings), logged the same way by every process that owns it. */
export function logStoreEvents(store: LiveStore, log: Logger): void {
  store.onEvent((event) => {
    if (event.kind === 'dropped') log.warn({frames: event.frames, reason: event.reason}, 'frames dropped')
    else if (event.kind === 'invalidated') log.error({reopened: event.reopened}, 'DuckDB invalidated the database; reopened')
    else if (event.kind === 'disk-full') log.warn({full: event.full}, event.full ? 'disk full: writing stopped' : 'disk space back: writing resumed')
    else if (event.kind === 'warning') log.warn(event.message)
  })
}
