import {join} from 'node:path'
import {PassThrough} from 'node:stream'

import {FindingSink} from '../../src/lib/findings.js'
import {loadCarFile} from '../../src/lib/car/index.js'
import {CandumpWriter} from '../../src/lib/can/log/index.js'
import {loadFormulaLibrary, STANDARD_LIBRARY_PATH} from '../../src/lib/formula/index.js'
import {e46Stream} from '../../bench/e46-stream.js'
import {ROOT} from '../helpers.js'

/** `frames` lines of synthetic E46 traffic as candump -l text (a test generator of candump streams). */
export async function e46CandumpLines(frames: number): Promise<string[]> {
  const library = await loadFormulaLibrary(STANDARD_LIBRARY_PATH, new FindingSink('lib'))
  const car = (await loadCarFile(join(ROOT, 'cars', 'bmw_e46_m3.yaml'), library)).car!
  const out = new PassThrough()
  const chunks: Buffer[] = []
  out.on('data', (c: Buffer) => chunks.push(c))
  const writer = new CandumpWriter(out)
  for (const batch of e46Stream(car, frames)) await writer.write(batch)
  await writer.close()
  return Buffer.concat(chunks).toString('latin1').trimEnd().split('\n')
}
