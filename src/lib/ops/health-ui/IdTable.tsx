import {Box, Text} from 'ink'

import {type IdTableView, tableLines} from '../health-view.js'
import {toneProps} from './Spans.js'

export interface IdTableProps {
  /** The per-id table, problems (stale, missing) first. */
  readonly table: IdTableView
}

/** The CAN ids the car expects and what the bus delivers: stale in amber, missing in red. */
export function IdTable({table}: IdTableProps) {
  const [header, ...lines] = tableLines(table)
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text bold>{header}</Text>
      {lines.map((line, i) => (
        <Text key={i} wrap="truncate-end" {...toneProps(table.rows[i]!.tone)}>
          {line}
        </Text>
      ))}
      {table.hidden ? <Text dimColor>{table.hidden}</Text> : null}
    </Box>
  )
}
