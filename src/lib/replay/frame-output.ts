import {DATA_STRIDE, type FrameBatch, FrameFlag} from '../can/frame.js'
import type {CarDecoder} from '../decode/index.js'

/**
 * Turns decoded frames into output text: `jsonl` (one object per frame), `table` (one human line
 * per frame). The candump format is written by the log module's writer.
 */
export type TextFormat = 'jsonl' | 'table'

/** One decoded frame as `replay --format jsonl` prints it. */
export interface DecodedFrameJson {
  /** Seconds since the epoch (or since the log start for relative logs). */
  readonly ts: number
  readonly id: number
  readonly extended: boolean
  /** DBC message name; null for a frame no message matches (only with --unknown). */
  readonly message: string | null
  /** Channels this frame produced, after the car's pipelines and derived channels; null = no value. */
  readonly signals: Record<string, number | null>
  /** Value-table labels of the signals that have one. */
  readonly labels?: Record<string, string>
  /** Names whose value was NaN or infinite (printed as null). */
  readonly nonfinite?: string[]
}

/** Precomputed per-channel facts, so formatting a frame does no lookups by name. */
export class FrameFormatter {
  private readonly names: string[]
  private readonly exact: Array<((d: CarDecoder) => string | undefined) | undefined>
  private readonly labels: Array<((d: CarDecoder) => string | undefined) | undefined>

  constructor(private readonly decoder: CarDecoder) {
    const channels = decoder.channels
    // A passed-through signal prints under its DBC name: the message field gives the context.
    this.names = channels.map((c) => (c.kind === 'signal' && c.source ? c.source.signal.name : c.name))
    this.exact = channels.map((c) => {
      if (!c.source || c.steps.length > 0) return undefined
      const m = decoder.car.dbc.messages.indexOf(c.source.message)
      const s = c.source.message.signals.indexOf(c.source.signal)
      return decoder.decoders[m]!.kinds[s] === 'bigint' ? (d: CarDecoder) => d.decoders[m]!.big[s]?.toString() : undefined
    })
    this.labels = channels.map((c) => {
      const choices = c.source?.signal.choices
      if (!c.source || c.steps.length > 0 || !choices || choices.size === 0) return undefined
      const m = decoder.car.dbc.messages.indexOf(c.source.message)
      const s = c.source.message.signals.indexOf(c.source.signal)
      return (d: CarDecoder) => choices.get(BigInt(d.decoders[m]!.raw[s]!))
    })
  }

  /** The JSON line for frame `i`, decoded as message `m` (or -1 when unknown). */
  jsonLine(batch: FrameBatch, i: number, m: number): string {
    const d = this.decoder
    const ts = batch.timestampUs[i]! / 1e6
    const extended = (batch.flags[i]! & FrameFlag.extended) !== 0
    if (m < 0) return `{"ts":${ts},"id":${batch.id[i]},"extended":${extended},"message":null,"signals":{}}`
    let signals = ''
    let labels = ''
    let nonfinite = ''
    for (let k = 0; k < d.updatedCount; k++) {
      const c = d.updated[k]!
      const name = JSON.stringify(this.names[c])
      const v = d.values[c]!
      const exact = this.exact[c]?.(d)
      signals += `${signals ? ',' : ''}${name}:${exact ?? (Number.isFinite(v) ? v : 'null')}`
      if (!Number.isFinite(v) && exact === undefined) nonfinite += `${nonfinite ? ',' : ''}${name}`
      const label = this.labels[c]?.(d)
      if (label !== undefined) labels += `${labels ? ',' : ''}${name}:${JSON.stringify(label)}`
    }
    const message = JSON.stringify(d.decoders[m]!.message.name)
    return `{"ts":${ts},"id":${batch.id[i]},"extended":${extended},"message":${message},"signals":{${signals}}${labels ? `,"labels":{${labels}}` : ''}${nonfinite ? `,"nonfinite":[${nonfinite}]` : ''}}`
  }

  /** A human line: time, id, message, then name=value unit pairs. */
  tableLine(batch: FrameBatch, i: number, m: number): string {
    const d = this.decoder
    const ts = (batch.timestampUs[i]! / 1e6).toFixed(6)
    const extended = (batch.flags[i]! & FrameFlag.extended) !== 0
    const id = batch.id[i]!.toString(16).toUpperCase().padStart(extended ? 8 : 3, '0')
    if (m < 0) {
      const bytes = Array.from(batch.data.subarray(i * DATA_STRIDE, i * DATA_STRIDE + batch.dataLength[i]!), (b) => b.toString(16).toUpperCase().padStart(2, '0'))
      return `${ts}  ${id}  ?  ${bytes.join(' ')}`
    }
    const parts: string[] = []
    for (let k = 0; k < d.updatedCount; k++) {
      const c = d.updated[k]!
      const v = d.values[c]!
      const shown = this.exact[c]?.(d) ?? (Number.isFinite(v) ? String(Number(v.toPrecision(10))) : 'null')
      const label = this.labels[c]?.(d)
      const unit = d.channels[c]!.unit
      parts.push(`${this.names[c]}=${shown}${unit && unit !== '1' ? ` ${unit}` : ''}${label === undefined ? '' : ` (${label})`}`)
    }
    return `${ts}  ${id}  ${d.decoders[m]!.message.name}  ${parts.join('  ')}`
  }
}
