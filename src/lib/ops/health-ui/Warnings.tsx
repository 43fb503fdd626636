import {Box, Text} from 'ink'

import type {Warning} from '../health-view.js'
import {toneProps} from './Spans.js'

export interface WarningsProps {
  /** The bridge's reasons in plain words, each with what to do. */
  readonly warnings: readonly Warning[]
}

export function Warnings({warnings}: WarningsProps) {
  if (warnings.length === 0) {
    return (
      <Box marginTop={1}>
        <Text color="green">no warnings</Text>
      </Box>
    )
  }
  return (
    <Box flexDirection="column" marginTop={1}>
      {warnings.map((w, i) => (
        <Box key={i} flexDirection="column">
          <Text {...toneProps(w.tone)}>! {w.text}</Text>
          {w.advice ? <Text dimColor>  → {w.advice}</Text> : null}
        </Box>
      ))}
    </Box>
  )
}
