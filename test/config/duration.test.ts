import {describe, expect, it} from 'vitest'

import {formatDuration, parseDuration} from '../../src/lib/config/index.js'

describe('the one duration grammar', () => {
  it.each([
    ['500ms', 500],
    ['5s', 5000],
    ['10m', 600_000],
    ['2h', 7_200_000],
    ['7d', 604_800_000],
    ['1.5s', 1500],
    [' 20ms ', 20],
    ['0s', 0],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms)
  })

  it.each(['5', '', 'ms', '-5s', '5 sec', '5S', '1e3ms', '5s5', 'five seconds'])('refuses %j with a hint', (text) => {
    expect(() => parseDuration(text)).toThrow(/e\.g\. 500ms, 5s, 10m, 2h, 7d/)
  })

  it('formats with the largest exact unit', () => {
    expect([90_000, 7_200_000, 1500, 604_800_000, 0].map(formatDuration)).toEqual(['90s', '2h', '1500ms', '7d', '0ms'])
  })
})
