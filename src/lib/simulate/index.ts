/** `pitwall simulate` as a library call: the simulated car (src/lib/sim) paced into a sink of the `--to` grammar. See docs/simulate.md. */
export {describeSimulation} from './describe.js'
export {runSimulateJob} from './job.js'
export type {SimulateJobOptions} from './job.js'
export {checkSimulateOptions, runSimulation} from './run.js'
export type {SimulateOptions, SimulateSummary} from './run.js'
export type {SimSink, SinkStats} from './sinks/sink.js'
export {SocatPty} from './sinks/socat-pty.js'
