import {LivePath, pump} from '../../src/lib/live/index.js'
import {LogSource} from '../../src/lib/source/index.js'

/** A candump stream into the live session through the one live path, as `ingest --stdin` reads it (the session stays open). */
export async function ingestLog(path: LivePath, input: NodeJS.ReadableStream, sourceName: string): Promise<void> {
  const source = new LogSource({input, name: sourceName, sourceKind: 'stdin'})
  const key = {kind: source.kind, name: source.name}
  await pump(source, {resetSource: () => path.resetSource(key), write: (batch) => path.accept(key, batch)})
  await path.store.flush()
}
