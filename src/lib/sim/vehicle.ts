/**
 * The simulated car's physical constants. Defaults are an E46 M3 (S54, 252 kW at 7900 rpm,
 * 365 N·m at 4900 rpm, about 1650 kg with driver and fuel) on track tyres. The gearbox comes from
 * the car file's own `gear` method (the S6S420G ratios, final drive, tyre circumference), so
 * rpm and the decoded `gear` channel agree by construction.
 */
import type {Car} from '../car/model.js'

export const G = 9.80665

export interface VehicleSpec {
  readonly massKg: number
  /** Drag coefficient × frontal area, m². */
  readonly cdA: number
  readonly rollingCoeff: number
  readonly airDensity: number
  /** Peak lateral, braking and (rear-wheel) traction grip, in g. */
  readonly gripLat: number
  readonly gripBrake: number
  readonly gripDrive: number
  readonly drivelineEfficiency: number
  /** Full-load torque curve: rpm → N·m, linear between points. */
  readonly torqueRpm: readonly number[]
  readonly torqueNm: readonly number[]
  readonly idleRpm: number
  /** Clutch slips up to this rpm when pulling away. */
  readonly launchRpm: number
  /** Up-shift point: the driver runs the lowest gear that keeps rpm at or below it. */
  readonly shiftRpm: number
  readonly gearRatios: readonly number[]
  readonly finalDrive: number
  readonly tyreCircumferenceM: number
  readonly wheelbaseM: number
  readonly trackWidthM: number
  readonly steeringRatio: number
  /** Road-wheel understeer gradient, degrees per g of lateral acceleration. */
  readonly understeerDegPerG: number
  /** Body roll and pitch per g, degrees. */
  readonly rollDegPerG: number
  readonly pitchDegPerG: number
  /** Brake line pressure at full braking grip, bar. */
  readonly maxBrakeBar: number
  readonly tankL: number
  readonly topSpeedMs: number
}

export const E46_M3: VehicleSpec = {
  airDensity: 1.2,
  cdA: 0.68,
  drivelineEfficiency: 0.88,
  finalDrive: 3.62,
  gearRatios: [4.227, 2.528, 1.669, 1.226, 1.0, 0.828],
  gripBrake: 1.25,
  gripDrive: 0.75,
  gripLat: 1.25,
  idleRpm: 850,
  launchRpm: 3200,
  massKg: 1650,
  maxBrakeBar: 105,
  pitchDegPerG: 1.1,
  rollDegPerG: 2.2,
  rollingCoeff: 0.015,
  shiftRpm: 7900,
  steeringRatio: 15.4,
  tankL: 63,
  topSpeedMs: 75,
  torqueNm: [150, 250, 300, 335, 365, 355, 335, 305, 290],
  torqueRpm: [800, 2000, 3000, 4000, 4900, 6000, 7000, 7900, 8200],
  trackWidthM: 1.5,
  tyreCircumferenceM: 1.998,
  understeerDegPerG: 1.2,
  wheelbaseM: 2.73,
}

/**
 * The E46 defaults with the gearbox the car file states (its `gear` method's ratios,
 * final_drive and tyre_circumference_m), when it has one.
 */
export function vehicleFromCar(car: Car, base: VehicleSpec = E46_M3): VehicleSpec {
  const gear = car.channels.find((c) => c.kind === 'method' && c.name === 'gear')
  const params = gear?.steps[0]?.params
  if (!params) return base
  const ratios = params['ratios']
  const finalDrive = params['final_drive']
  const circumference = params['tyre_circumference_m']
  return {
    ...base,
    ...(Array.isArray(ratios) && ratios.length > 0 ? {gearRatios: ratios.map(Number)} : {}),
    ...(typeof finalDrive === 'number' ? {finalDrive} : {}),
    ...(typeof circumference === 'number' ? {tyreCircumferenceM: circumference} : {}),
  }
}

/** Engine rpm at road speed `v` (m/s) in gear `gear` (1-based), clutch closed. */
export function rpmInGear(spec: VehicleSpec, v: number, gear: number): number {
  return ((v / spec.tyreCircumferenceM) * 60 * spec.gearRatios[gear - 1]! * spec.finalDrive)
}

/**
 * The gear the driver is in at speed `v`: the lowest that keeps rpm at or below the shift point
 * (the vehicle's, or the one a driver fault makes the driver use).
 */
export function gearAt(spec: VehicleSpec, v: number, shiftRpm = spec.shiftRpm): number {
  const n = spec.gearRatios.length
  for (let g = 1; g <= n; g++) if (rpmInGear(spec, v, g) <= shiftRpm) return g
  return n
}

/** Engine rpm at speed `v`: idle at rest, the clutch slipping at the launch rpm while pulling away. */
export function engineRpm(spec: VehicleSpec, v: number, shiftRpm = spec.shiftRpm): number {
  if (v <= 0) return spec.idleRpm
  const gear = gearAt(spec, v, shiftRpm)
  const rpm = rpmInGear(spec, v, gear)
  return gear === 1 ? Math.max(rpm, spec.launchRpm) : rpm
}

export function torqueAt(spec: VehicleSpec, rpm: number): number {
  const xs = spec.torqueRpm
  const ys = spec.torqueNm
  if (rpm <= xs[0]!) return ys[0]!
  for (let i = 1; i < xs.length; i++) {
    if (rpm <= xs[i]!) return ys[i - 1]! + ((rpm - xs[i - 1]!) / (xs[i]! - xs[i - 1]!)) * (ys[i]! - ys[i - 1]!)
  }
  return ys.at(-1)!
}

/** Full-throttle tractive force at the rear wheels at speed `v`, N (before the traction limit). */
export function engineForce(spec: VehicleSpec, v: number, shiftRpm = spec.shiftRpm): number {
  const gear = gearAt(spec, v, shiftRpm)
  const rpm = engineRpm(spec, v, shiftRpm)
  const wheelRadius = spec.tyreCircumferenceM / (2 * Math.PI)
  return (torqueAt(spec, rpm) * spec.gearRatios[gear - 1]! * spec.finalDrive * spec.drivelineEfficiency) / wheelRadius
}

/** Aerodynamic drag plus rolling resistance at speed `v`, N. */
export function resistance(spec: VehicleSpec, v: number): number {
  return 0.5 * spec.airDensity * spec.cdA * v * v + spec.rollingCoeff * spec.massKg * G
}
