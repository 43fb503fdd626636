import {wallClockToEpochMs} from './time-base.js'

/**
 * The wall-clock dates of Vector ASC headers, read and written. CANoe writes local time without a
 * zone, in English or German month names, 12- or 24-hour:
 * ```
 * date Sat Sep 30 10:06:13.191 PM 2017
 * Begin Triggerblock Sat Sep 30 10:06:13.191 PM 2017
 * date Mo Okt 22 14:07:43 2018
 * ```
 */
const ASC_DATE = /^\S+\s+(?<month>\S+)\s+(?<day>\d{1,2})\s+(?<h>\d{1,2}):(?<mi>\d{2}):(?<s>\d{2})(?:\.(?<frac>\d{1,6}))?(?:\s+(?<ampm>[AaPp][Mm]))?\s+(?<year>\d{4})\s*$/

const MONTHS: Readonly<Record<string, number>> = {
  jan: 1, feb: 2, mar: 3, mär: 3, apr: 4, may: 5, mai: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, okt: 10, nov: 11, dec: 12, dez: 12,
}
const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const DAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']

/** Epoch µs of an ASC date (the text after `date ` or `Begin Triggerblock `), or undefined. */
export function parseAscDate(text: string, utcOffsetMinutes: number | undefined): number | undefined {
  const g = ASC_DATE.exec(text)?.groups
  if (!g) return undefined
  const month = MONTHS[g['month']!.slice(0, 3).toLowerCase()]
  if (month === undefined) return undefined
  let hour = Number(g['h'])
  const ampm = g['ampm']?.toLowerCase()
  if (ampm === 'pm' && hour < 12) hour += 12
  if (ampm === 'am' && hour === 12) hour = 0
  const fracUs = g['frac'] ? Number(g['frac'].padEnd(6, '0')) : 0
  const ms = wallClockToEpochMs(Number(g['year']), month, Number(g['day']), hour, Number(g['mi']), Number(g['s']), utcOffsetMinutes)
  return ms * 1000 + fracUs
}

/** `Sat Sep 30 10:06:13.191 PM 2017` for epoch ms (milliseconds, as CANoe wants). */
export function formatAscDate(epochMs: number, utcOffsetMinutes: number | undefined): string {
  const local = utcOffsetMinutes === undefined
  const d = new Date(local ? epochMs : epochMs + utcOffsetMinutes * 60_000)
  const get = local
    ? {y: d.getFullYear(), mo: d.getMonth(), day: d.getDate(), wd: d.getDay(), h: d.getHours(), mi: d.getMinutes(), s: d.getSeconds(), ms: d.getMilliseconds()}
    : {y: d.getUTCFullYear(), mo: d.getUTCMonth(), day: d.getUTCDate(), wd: d.getUTCDay(), h: d.getUTCHours(), mi: d.getUTCMinutes(), s: d.getUTCSeconds(), ms: d.getUTCMilliseconds()}
  const h12 = get.h % 12 === 0 ? 12 : get.h % 12
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0')
  return `${DAY_NAMES[get.wd]} ${MONTH_NAMES[get.mo]} ${pad(get.day)} ${pad(h12)}:${pad(get.mi)}:${pad(get.s)}.${pad(get.ms, 3)} ${get.h < 12 ? 'AM' : 'PM'} ${get.y}`
}
