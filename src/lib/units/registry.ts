/**
 * The one unit registry. Every unit has a canonical symbol, a dimension and a linear map to its
 * dimension's SI unit (si = value × factor + offset), plus the spellings real DBC and car files use:
 * `°F`, `degF`, `F` and `deg F` are one unit. Lookup is exact after whitespace is collapsed, then
 * case-insensitive only when exactly one unit folds to that spelling (`KPH` finds km/h, but a
 * fold two units share, like `mbar`/`Mbar` would be, is never trusted).
 */
export type Dimension =
  | 'acceleration'
  | 'angle'
  | 'angular_rate'
  | 'current'
  | 'dimensionless'
  | 'energy'
  | 'flow'
  | 'force'
  | 'frequency'
  | 'length'
  | 'mass'
  | 'power'
  | 'pressure'
  | 'resistance'
  | 'rotational_speed'
  | 'speed'
  | 'temperature'
  | 'time'
  | 'torque'
  | 'voltage'
  | 'volume'

export interface Unit {
  /** Canonical symbol, as pitwall prints it. */
  readonly symbol: string
  readonly dimension: Dimension
  /** si = value × factor + offset */
  readonly factor: number
  readonly offset: number
  readonly aliases: readonly string[]
}

const G0 = 9.806_65

// [symbol, dimension, factor, offset, aliases]
const TABLE: ReadonlyArray<readonly [string, Dimension, number, number, readonly string[]]> = [
  ['1', 'dimensionless', 1, 0, ['', '-', 'none', 'ratio', 'bool', 'boolean', 'count', 'counts', 'enum', 'state', 'flag', 'flags', 'bits', 'step', 'steps']],
  ['%', 'dimensionless', 0.01, 0, ['pct', 'percent']],
  ['m/s', 'speed', 1, 0, ['mps', 'm s-1', 'meter/s', 'metre/s', 'm/sec']],
  ['km/h', 'speed', 1 / 3.6, 0, ['kph', 'kmh', 'km/hr', 'kmph', 'Km/h', 'KPH']],
  ['mph', 'speed', 0.447_04, 0, ['MPH', 'mi/h', 'miles/h']],
  ['kn', 'speed', 1852 / 3600, 0, ['knot', 'knots', 'kt', 'kts']],
  ['°C', 'temperature', 1, 273.15, ['degC', 'C', 'deg C', 'deg_C', 'celsius', 'Celsius', 'DegC', 'degc', '°c', 'ºC']],
  ['°F', 'temperature', 5 / 9, 273.15 - (32 * 5) / 9, ['degF', 'F', 'deg F', 'deg_F', 'fahrenheit', 'Fahrenheit', 'DegF', 'degf', '°f', 'ºF']],
  ['K', 'temperature', 1, 0, ['kelvin', 'Kelvin', 'degK', 'deg K', '°K']],
  ['Pa', 'pressure', 1, 0, ['pascal']],
  ['hPa', 'pressure', 100, 0, []],
  ['kPa', 'pressure', 1000, 0, ['kpa', 'KPa', 'KPA']],
  ['MPa', 'pressure', 1e6, 0, []],
  ['mbar', 'pressure', 100, 0, ['mBar', 'millibar']],
  ['bar', 'pressure', 1e5, 0, ['Bar', 'BAR']],
  ['psi', 'pressure', 6_894.757_293_168, 0, ['PSI', 'lbf/in2', 'lbf/in²', 'psig']],
  ['g', 'acceleration', G0, 0, ['G', 'gee']],
  ['m/s²', 'acceleration', 1, 0, ['m/s^2', 'm/s2', 'm s-2', 'mps2', 'm/s/s']],
  ['deg', 'angle', Math.PI / 180, 0, ['°', 'degree', 'degrees', 'Deg', 'DEG', 'º']],
  ['rad', 'angle', 1, 0, ['radian', 'radians']],
  ['deg/s', 'angular_rate', Math.PI / 180, 0, ['°/s', 'dps', 'deg/sec', 'degree/s', 'degrees/s', 'Deg/s', '°/sec']],
  ['rad/s', 'angular_rate', 1, 0, ['rad/sec']],
  ['rpm', 'rotational_speed', 1, 0, ['RPM', 'rev/min', '1/min', 'U/min']],
  ['Hz', 'frequency', 1, 0, ['hz', '1/s']],
  ['kHz', 'frequency', 1000, 0, ['khz']],
  ['m', 'length', 1, 0, ['meter', 'metre', 'meters', 'metres']],
  ['mm', 'length', 0.001, 0, []],
  ['cm', 'length', 0.01, 0, []],
  ['km', 'length', 1000, 0, []],
  ['in', 'length', 0.0254, 0, ['inch', 'inches', '"']],
  ['ft', 'length', 0.3048, 0, ['feet', 'foot']],
  ['mi', 'length', 1_609.344, 0, ['mile', 'miles']],
  ['L', 'volume', 0.001, 0, ['l', 'liter', 'litre', 'liters', 'litres', 'ltr']],
  ['mL', 'volume', 1e-6, 0, ['ml', 'cc', 'cm3', 'cm³', 'ccm']],
  ['gal', 'volume', 0.003_785_411_784, 0, ['gallon', 'gallons', 'US gal', 'gal(US)']],
  ['L/h', 'flow', 0.001 / 3600, 0, ['l/h', 'lph']],
  ['L/min', 'flow', 0.001 / 60, 0, ['l/min', 'lpm']],
  ['cc/min', 'flow', 1e-6 / 60, 0, ['ml/min', 'mL/min']],
  ['V', 'voltage', 1, 0, ['v', 'volt', 'volts', 'Volt']],
  ['mV', 'voltage', 0.001, 0, ['millivolt', 'millivolts']],
  ['A', 'current', 1, 0, ['amp', 'amps', 'ampere']],
  ['mA', 'current', 0.001, 0, []],
  ['Ω', 'resistance', 1, 0, ['ohm', 'Ohm', 'ohms', 'Ohms']],
  ['kΩ', 'resistance', 1000, 0, ['kohm', 'kOhm', 'kohms']],
  ['s', 'time', 1, 0, ['sec', 'secs', 'second', 'seconds']],
  ['ms', 'time', 0.001, 0, ['msec', 'millisecond', 'milliseconds']],
  ['us', 'time', 1e-6, 0, ['µs', 'μs', 'usec', 'microsecond', 'microseconds']],
  ['min', 'time', 60, 0, ['minute', 'minutes']],
  ['h', 'time', 3600, 0, ['hr', 'hour', 'hours']],
  ['kg', 'mass', 1, 0, ['kilogram', 'kilograms']],
  ['lb', 'mass', 0.453_592_37, 0, ['lbs', 'pound', 'pounds']],
  ['N', 'force', 1, 0, ['newton']],
  ['kN', 'force', 1000, 0, []],
  ['Nm', 'torque', 1, 0, ['N·m', 'N.m', 'N m', 'nm']],
  ['lbft', 'torque', 1.355_817_948, 0, ['lb-ft', 'lb ft', 'ft-lb', 'ftlb', 'lbf·ft']],
  ['W', 'power', 1, 0, ['watt', 'watts']],
  ['kW', 'power', 1000, 0, ['kw']],
  ['hp', 'power', 745.699_871_582, 0, ['HP', 'bhp', 'whp']],
  ['J', 'energy', 1, 0, []],
  ['kWh', 'energy', 3.6e6, 0, []],
]

const normalize = (spelling: string): string => spelling.trim().replace(/\s+/g, ' ')

const units: Unit[] = TABLE.map(([symbol, dimension, factor, offset, aliases]) => ({aliases, dimension, factor, offset, symbol}))
const exact = new Map<string, Unit>()
const folded = new Map<string, Unit | null>()
for (const unit of units) {
  for (const spelling of [unit.symbol, ...unit.aliases]) {
    const key = normalize(spelling)
    if (exact.has(key) && exact.get(key) !== unit) throw new Error(`unit spelling "${key}" is claimed twice`)
    exact.set(key, unit)
    const lower = key.toLowerCase()
    // null marks a fold that two units share: a case-insensitive match is then not trusted.
    folded.set(lower, folded.has(lower) && folded.get(lower) !== unit ? null : unit)
  }
}

/** Every unit pitwall knows, in table order. */
export const UNITS: readonly Unit[] = units

/** Looks a spelling up; `undefined` for an unknown unit (callers report it as a warning). */
export function findUnit(spelling: string): Unit | undefined {
  const key = normalize(spelling)
  return exact.get(key) ?? folded.get(key.toLowerCase()) ?? undefined
}

/** True when two spellings name the same unit (`degF` and `°F`). Unknown spellings compare as text. */
export function sameUnit(a: string, b: string): boolean {
  const ua = findUnit(a)
  const ub = findUnit(b)
  return ua && ub ? ua === ub : normalize(a) === normalize(b)
}

/** Converts between two units of one dimension. Throws on unknown units or a dimension mismatch. */
export function convertUnit(value: number, from: string, to: string): number {
  const f = findUnit(from)
  const t = findUnit(to)
  if (!f || !t) throw new RangeError(`unknown unit: ${f ? to : from}`)
  if (f.dimension !== t.dimension) throw new RangeError(`cannot convert ${f.symbol} (${f.dimension}) to ${t.symbol} (${t.dimension})`)
  return (value * f.factor + f.offset - t.offset) / t.factor
}
