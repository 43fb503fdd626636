export {DATA_STRIDE, FD_LENGTHS, fdDlcFor, FrameBatch, FrameFlag, MAX_BATCH_FRAMES} from './frame.js'
export type {Frame, FrameInit} from './frame.js'
export {decodeFrameBatches, encodeFrameBatch, FRAME_WIRE_TYPE, FrameWireError} from './frame-wire.js'
