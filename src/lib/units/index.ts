export {convertUnit, findUnit, sameUnit, UNITS} from './registry.js'
export type {Dimension, Unit} from './registry.js'
