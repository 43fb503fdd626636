import {describe, expect, it} from 'vitest'

import {convertUnit, findUnit, sameUnit, UNITS} from '../../src/lib/units/index.js'

describe('the unit registry', () => {
  it('treats the spellings of one unit as one unit', () => {
    for (const s of ['°F', 'degF', 'F', 'deg F', 'deg  F', 'fahrenheit']) expect(findUnit(s)?.symbol, s).toBe('°F')
    for (const s of ['km/h', 'kph', 'KPH', 'kmh']) expect(findUnit(s)?.symbol, s).toBe('km/h')
    expect(sameUnit('deg/s', '°/s')).toBe(true)
    expect(sameUnit('psi', 'bar')).toBe(false)
  })

  it('does not guess unknown units', () => {
    expect(findUnit('furlong/fortnight')).toBeUndefined()
    expect(findUnit('')?.symbol).toBe('1')
  })

  it('converts with independent reference values', () => {
    expect(convertUnit(212, '°F', '°C')).toBeCloseTo(100, 12)
    expect(convertUnit(-40, 'degF', 'degC')).toBeCloseTo(-40, 12)
    expect(convertUnit(100, 'mph', 'm/s')).toBeCloseTo(44.704, 12)
    expect(convertUnit(14.503_773_773, 'psi', 'bar')).toBeCloseTo(1, 9)
    expect(convertUnit(1, 'gal', 'L')).toBeCloseTo(3.785_411_784, 12)
    expect(convertUnit(1, 'g', 'm/s²')).toBeCloseTo(9.806_65, 12)
    expect(() => convertUnit(1, 'mph', 'bar')).toThrow(/cannot convert mph \(speed\) to bar \(pressure\)/)
  })

  it('has no spelling claimed by two units', () => {
    const seen = new Map<string, string>()
    for (const u of UNITS) {
      for (const s of [u.symbol, ...u.aliases]) {
        expect(seen.get(s), `${s} is ${seen.get(s)} and ${u.symbol}`).toBeUndefined()
        seen.set(s, u.symbol)
      }
    }
  })
})
