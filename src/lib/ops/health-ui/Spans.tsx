import {Text} from 'ink'

import type {Span, Tone} from '../health-view.js'

/** The colour of each tone: green, amber (yellow), red; dim for context. */
export function toneProps(tone: Tone): {color?: string; dimColor?: boolean} {
  switch (tone) {
    case 'ok':
      return {color: 'green'}
    case 'warn':
      return {color: 'yellow'}
    case 'bad':
      return {color: 'red'}
    case 'dim':
      return {dimColor: true}
    default:
      return {}
  }
}

export interface SpansProps {
  /** The pieces of one line, each in its tone. */
  readonly spans: readonly Span[]
}

/** One line of coloured spans. */
export function Spans({spans}: SpansProps) {
  return (
    <Text wrap="truncate-end">
      {spans.map((s, i) => (
        <Text key={i} {...toneProps(s.tone)}>
          {s.text}
        </Text>
      ))}
    </Text>
  )
}
