import {describe, expect, it} from 'vitest'

import {Pacer} from '../../src/lib/pace.js'

/** A clock the test moves by hand: pacing is checked as arithmetic, never by timing. */
function fakeClock(): {now: () => number; advance: (ms: number) => void} {
  let t = 1000
  return {advance: (ms) => void (t += ms), now: () => t}
}

describe('Pacer: due times from one anchor', () => {
  it('at real time, a frame 250 ms after the first is due 250 ms after the start', () => {
    const clock = fakeClock()
    const pacer = new Pacer(1, undefined, clock.now)
    expect(pacer.delayMs(5_000_000)).toBe(0)
    expect(pacer.delayMs(5_250_000)).toBe(250)
  })

  it('compensates drift: a late wake-up shortens the next wait instead of adding up', () => {
    const clock = fakeClock()
    const pacer = new Pacer(1, undefined, clock.now)
    pacer.delayMs(0)
    expect(pacer.delayMs(100_000)).toBe(100)
    clock.advance(130) // the timer fired 30 ms late
    expect(pacer.delayMs(200_000)).toBe(70)
    clock.advance(70)
    expect(pacer.delayMs(300_000)).toBe(100)
  })

  it('scales by speed, cuts long gaps to max-gap, re-anchors when time goes backwards', () => {
    const clock = fakeClock()
    const fast = new Pacer(10, undefined, clock.now)
    fast.delayMs(0)
    expect(fast.delayMs(1_000_000)).toBe(100)

    const gappy = new Pacer(1, 2_000_000, clock.now)
    gappy.delayMs(0)
    expect(gappy.delayMs(60_000_000)).toBe(2000) // a 60 s gap waits 2 s
    expect(gappy.delayMs(60_500_000)).toBe(2500)

    const back = new Pacer(1, undefined, clock.now)
    back.delayMs(10_000_000)
    expect(back.delayMs(5_000_000)).toBe(0)
    expect(back.delayMs(5_100_000)).toBe(100)
  })

  it('max speed never waits; speed must be positive', () => {
    const pacer = new Pacer(Number.POSITIVE_INFINITY)
    expect(pacer.delayMs(0)).toBe(0)
    expect(pacer.delayMs(1e12)).toBe(0)
    expect(() => new Pacer(0)).toThrow(RangeError)
  })
})
