import {isMap, isScalar, isSeq} from 'yaml'

import type {SourcePos} from '../findings.js'
import type {YamlSource} from '../yaml/index.js'

/** A path into a YAML document: map keys and sequence indices. */
export type YamlPath = ReadonlyArray<string | number>

/** A key of a YAML map, with where it is written. */
export interface KeyAt {
  readonly name: string
  readonly pos: SourcePos
}

/** The string keys of the map at `path`, in file order (empty when there is no map there). */
export function keysAt(source: YamlSource, path: YamlPath): KeyAt[] {
  const node = source.nodeAt(path)
  if (!isMap(node)) return []
  const keys: KeyAt[] = []
  for (const pair of node.items) {
    if (isScalar(pair.key) && typeof pair.key.value === 'string') keys.push({name: pair.key.value, pos: source.posOf(pair.key)})
  }
  return keys
}

/** Number of items of the sequence at `path` (0 when there is none). */
export function lengthAt(source: YamlSource, path: YamlPath): number {
  const node = source.nodeAt(path)
  return isSeq(node) ? node.items.length : 0
}

/** The plain JavaScript value at `path` (NaN stays NaN), or undefined. */
export function valueAt(source: YamlSource, path: YamlPath): unknown {
  const node = source.nodeAt(path)
  return node ? (node.toJS(source.doc, {maxAliasCount: 1000}) as unknown) : undefined
}

/** Where the node at `path` starts, or the closest existing parent's position. */
export function posAt(source: YamlSource, path: YamlPath): SourcePos {
  return source.closestPos(path)
}
