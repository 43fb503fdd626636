/**
 * The simulated car: a synthetic AiM MXP / E46 M3 on a shipped track, as CAN frames (physics,
 * drive plan, driver faults, encoder). The `simulate` job that sends them somewhere is
 * src/lib/simulate. See docs/simulate.md.
 */
export {CarModel, GROUP, SIM_CHANNELS, SLOT} from './car-model.js'
export type {CarModelOptions, SimChannel} from './car-model.js'
export {DrivePlan} from './drive-plan.js'
export type {DrivePlanOptions, PlanState} from './drive-plan.js'
export {BRAKING_FAULTS, DRIVER_FAULT_KINDS, label as driverFaultLabel, parseDriverFaults} from './driver-faults.js'
export type {DriverFault, DriverFaultKind} from './driver-faults.js'
export {FAULT_EFFECT} from './fault-mods.js'
export {FrameEncoder} from './frame-encoder.js'
export type {MessagePlan} from './frame-encoder.js'
export {Rng, SmoothNoise} from './rng.js'
export {Simulator} from './simulator.js'
export type {SimulatorOptions, SimulatorStats} from './simulator.js'
export {RUN_ON_S, SimulationStepper} from './stepper.js'
export type {SimStep, StepperOptions} from './stepper.js'
export {E46_M3, engineRpm, gearAt, rpmInGear, vehicleFromCar} from './vehicle.js'
export type {VehicleSpec} from './vehicle.js'
