import {Box, Text} from 'ink'

import {type HealthView, statusTone} from '../health-view.js'
import {IdTable} from './IdTable.js'
import {Spans, toneProps} from './Spans.js'
import {Warnings} from './Warnings.js'

export interface HealthScreenProps {
  /** What to show (health-view.ts builds it from a reading). */
  readonly view: HealthView
  /** When the reading was taken. */
  readonly at: Date
  /** True under --watch: the footer says how to quit. */
  readonly watching: boolean
}

/** Everything that matters on one screen: status, source and rate, drops, DB, session, coach, ids, warnings. */
export function HealthScreen({at, view, watching}: HealthScreenProps) {
  const tone = toneProps(statusTone(view.status))
  const [status, ...rest] = view.title
  return (
    <Box flexDirection="column">
      <Box>
        <Text bold inverse {...tone}>
          {` ${status!.text} `}
        </Text>
        <Spans spans={rest} />
      </Box>
      <Box flexDirection="column" marginTop={1}>
        {view.rows.map((row) => (
          <Box key={row.label}>
            <Box width={10} flexShrink={0}>
              <Text dimColor>{row.label}</Text>
            </Box>
            <Spans spans={row.spans} />
          </Box>
        ))}
      </Box>
      {view.ids ? <IdTable table={view.ids} /> : null}
      <Warnings warnings={view.warnings} />
      <Box marginTop={1}>
        <Text dimColor>
          {at.toTimeString().slice(0, 8)}
          {watching ? ' · refreshing every second · Ctrl-C quits' : ''}
        </Text>
      </Box>
    </Box>
  )
}
