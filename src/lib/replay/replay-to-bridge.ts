import {basename} from 'node:path'

import type {BridgeClient} from '../bridge/client.js'
import {UnavailableError} from '../errors.js'
import {FrameForwarder, forwardSourceName} from '../ingest/forward.js'
import {bridgeAnswers} from '../ops/bridge-access.js'
import type {ReplayStore} from './replay-to-store.js'

/**
 * `replay --to bridge` (and `--to db` while serve holds the live DB): the replayed frames go to a
 * running serve, which decodes and stores them in its live session under the source name
 * `replay:<file>`. `finish` waits until the bridge has committed every frame; `stored` counts the
 * frames it acknowledged, `dropped` those it never did (only when forwarding failed).
 */
export async function openReplayBridge(client: BridgeClient, origin: string, signal?: AbortSignal): Promise<ReplayStore> {
  if (!(await bridgeAnswers(client))) {
    throw new UnavailableError(`--to bridge: nothing answers at ${client.options.url}`, {
      code: 'PW_BRIDGE_UNREACHABLE',
      suggestions: ['start it: pitwall serve', 'or name it: --to bridge:http://127.0.0.1:8765', '--to db stores into the live DB directly while no serve runs'],
    })
  }
  const forwarder = new FrameForwarder({client, source: forwardSourceName(`replay:${basename(origin)}`), ...(signal ? {signal} : {})})
  return {
    async finish() {
      const s = await forwarder.drain()
      return {...(s.sessions.length > 0 ? {session: s.sessions.join(', ')} : {}), dropped: s.unacknowledged, stored: s.acknowledged}
    },
    toStore: (frames) => forwarder.push(frames),
  }
}
