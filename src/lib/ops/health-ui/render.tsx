import {type Instance, render} from 'ink'

import type {HealthView} from '../health-view.js'
import {HealthScreen} from './HealthScreen.js'

/** The health screen on a terminal: `update` redraws it in place, `close` leaves the last frame on screen. */
export interface HealthTerminal {
  update(view: HealthView, at?: Date): void
  close(): Promise<void>
}

export function openHealthTerminal(view: HealthView, options: {watching: boolean; stdout?: NodeJS.WriteStream}): HealthTerminal {
  const ink: Instance = render(<HealthScreen at={new Date()} view={view} watching={options.watching} />, {
    // Ctrl-C is the command's to handle (it stops the watch loop and exits with the last status).
    exitOnCtrlC: false,
    patchConsole: false,
    ...(options.stdout ? {stdout: options.stdout} : {}),
  })
  return {
    async close() {
      ink.unmount()
      await ink.waitUntilExit()
    },
    update(next, at = new Date()) {
      ink.rerender(<HealthScreen at={at} view={next} watching={options.watching} />)
    },
  }
}
