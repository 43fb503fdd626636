import {UsageError} from '../errors.js'

/**
 * The one bitrate grammar (flags, and later settings): bit/s as a plain number or with `k` / `M`,
 * e.g. `500000`, `500k`, `1M`, `83.333k`. Rounded to whole bit/s.
 *
 * @throws UsageError `PW_BAD_BITRATE`, naming `flag`
 */
export function parseBitrate(text: string, flag = '--bitrate'): number {
  const m = /^(\d+(?:\.\d+)?)([kM]?)$/.exec(text.trim())
  const value = m ? Math.round(Number(m[1]) * (m[2] === 'M' ? 1e6 : m[2] === 'k' ? 1e3 : 1)) : Number.NaN
  if (!(value > 0)) throw new UsageError(`${flag} ${text}: expected bit/s like 500000, 500k or 1M`, {code: 'PW_BAD_BITRATE'})
  return value
}
