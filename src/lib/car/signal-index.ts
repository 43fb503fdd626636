import type {DbcDatabase} from '../dbc/model.js'
import type {SignalRef} from './model.js'

export type SignalLookup = {kind: 'one'; ref: SignalRef} | {kind: 'many'; candidates: string[]} | {kind: 'none'}

/**
 * Finds DBC signals by name. A name may be bare (`rpm`) or qualified (`SmartyCam01.rpm`); a bare
 * name that several messages use is ambiguous, and its passthrough channel is named qualified.
 */
export class SignalIndex {
  private readonly byName = new Map<string, SignalRef[]>()
  private readonly byQualified = new Map<string, SignalRef>()
  private readonly refs: SignalRef[] = []

  constructor(dbc: DbcDatabase) {
    for (const message of dbc.messages) {
      for (const signal of message.signals) {
        const ref = {message, signal}
        this.refs.push(ref)
        this.byName.set(signal.name, [...(this.byName.get(signal.name) ?? []), ref])
        this.byQualified.set(`${message.name}.${signal.name}`, ref)
      }
    }
  }

  all(): readonly SignalRef[] {
    return this.refs
  }

  find(name: string): SignalLookup {
    const qualified = this.byQualified.get(name)
    if (qualified) return {kind: 'one', ref: qualified}
    const refs = this.byName.get(name) ?? []
    if (refs.length === 1) return {kind: 'one', ref: refs[0]!}
    if (refs.length > 1) return {candidates: refs.map((r) => `${r.message.name}.${r.signal.name}`), kind: 'many'}
    return {kind: 'none'}
  }

  /** The channel name a passed-through signal gets: bare when unique, qualified otherwise. */
  channelName(ref: SignalRef): string {
    return (this.byName.get(ref.signal.name)?.length ?? 0) > 1 ? `${ref.message.name}.${ref.signal.name}` : ref.signal.name
  }
}
