import {describe, expect, it} from 'vitest'

import {EARLIEST_PLAUSIBLE_US, HostClock, implausibleStamp, MAX_FUTURE_US} from '../../src/lib/source/index.js'

function clocks(): {wall: number; mono: number; clock: HostClock} {
  const c = {clock: undefined as unknown as HostClock, mono: 500, wall: Date.UTC(2026, 10, 22, 9, 0, 0)}
  c.clock = new HostClock(() => c.wall, () => c.mono)
  return c
}

describe('HostClock: monotonic, anchored once to wall time', () => {
  it('advances with the monotonic clock', () => {
    const c = clocks()
    const t0 = c.clock.nowUs()
    expect(t0).toBe(Date.UTC(2026, 10, 22, 9, 0, 0) * 1000)
    c.mono += 250
    c.wall += 250
    expect(c.clock.nowUs() - t0).toBe(250_000)
    expect(c.clock.check()).toBeUndefined()
  })

  it('never goes backwards when the wall clock does: the jump is reported, not applied', () => {
    const c = clocks()
    c.mono += 100
    c.wall -= 3_600_000
    const before = c.clock.nowUs()
    expect(c.clock.check()).toEqual({applied: false, jumpMs: -3_600_100})
    c.mono += 10
    expect(c.clock.nowUs()).toBe(before + 10_000)
  })

  it('follows a forward jump (NTP after boot) from then on', () => {
    const c = clocks()
    c.wall += 86_400_000
    expect(c.clock.check()).toEqual({applied: true, jumpMs: 86_400_000})
    expect(c.clock.nowUs()).toBe(c.wall * 1000)
    expect(c.clock.jumps).toHaveLength(1)
  })
})

describe('plausible stamps for host-stamped sources', () => {
  const now = Date.UTC(2026, 10, 22) * 1000
  it('rejects stamps before 2020 and more than 2 days ahead', () => {
    expect(implausibleStamp(EARLIEST_PLAUSIBLE_US - 1, now)).toBe('before_2020')
    expect(implausibleStamp(now + MAX_FUTURE_US + 1, now)).toBe('future')
    expect(implausibleStamp(now + MAX_FUTURE_US, now)).toBeUndefined()
    expect(implausibleStamp(now, now)).toBeUndefined()
  })
})
