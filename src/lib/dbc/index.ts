/**
 * The DBC reader and linter: `parseDbc` / `loadDbcFile` read a file into the model of
 * `model.ts`, reporting every problem with its line and column; `lintDbc` checks the layout
 * (see README.md for the rule ids); `signalBits` and `rawRange` are the bit-level facts the
 * decoder shares.
 */
export {rawRange, signalBits} from './bits.js'
export {lintDbc} from './lint.js'
export {loadDbcFile} from './load.js'
export {parseDbc} from './parse.js'
export type {
  ByteOrder,
  DbcDatabase,
  DbcMessage,
  DbcMessagePositions,
  DbcSignal,
  DbcSignalPositions,
  SignalValueType,
} from './model.js'
