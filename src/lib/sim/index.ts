/**
 * `pitwall simulate`: a synthetic AiM MXP / E46 M3 on a shipped track, as CAN frames. See
 * docs/simulate.md.
 */
export {CarModel, GROUP, SIM_CHANNELS, SLOT} from './car-model.js'
export type {CarModelOptions, SimChannel} from './car-model.js'
export {DrivePlan} from './drive-plan.js'
export type {DrivePlanOptions, PlanState} from './drive-plan.js'
export {FrameEncoder} from './frame-encoder.js'
export type {MessagePlan} from './frame-encoder.js'
export {Rng, SmoothNoise} from './rng.js'
export {checkSimulateOptions, runSimulation} from './run.js'
export type {SimulateOptions, SimulateSummary} from './run.js'
export {Simulator} from './simulator.js'
export type {SimulatorOptions, SimulatorStats} from './simulator.js'
export {createSimulatorSource, SimulatorSource} from './source.js'
export type {SimulatorSourceOptions} from './source.js'
export {RUN_ON_S, SimulationStepper} from './stepper.js'
export type {SimStep, StepperOptions} from './stepper.js'
export {FILE_SINKS, parseSinkSpec} from './sinks/sink-spec.js'
export type {SinkKind, SinkSpec} from './sinks/sink-spec.js'
export type {SimSink, SinkStats} from './sinks/sink.js'
export {E46_M3, engineRpm, gearAt, rpmInGear, vehicleFromCar} from './vehicle.js'
export type {VehicleSpec} from './vehicle.js'
