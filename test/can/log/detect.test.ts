import {describe, expect, it} from 'vitest'

import {detectLogFormat, LOG_FORMATS} from '../../../src/lib/can/log/index.js'

describe('detectLogFormat', () => {
  it('recognises each format by its content, whatever the suffix', () => {
    expect(detectLogFormat(undefined, ['(1436509052.249713) vcan0 044#2A366C2BBA'])).toBe('candump')
    expect(detectLogFormat('x.txt', ['DROPCOUNT: 1', '(000.123456) can0 12345678##1'])).toBe('candump')
    expect(detectLogFormat('x.log', ['  vcan0  1F0   [8]  80 4A 0F 00 00 00 00 00'])).toBe('candump-screen')
    expect(detectLogFormat(undefined, [' (2020-12-19 12:04:45.485261)  vcan0  0C8   [8]  F0 00 00 00 00 00 00 00'])).toBe('candump-screen')
    expect(detectLogFormat(undefined, ['  can0  RX B -  123  [12]  11 22 33 44 55 66 77 88 99 AA BB CC'])).toBe('candump-screen')
    expect(detectLogFormat(undefined, ['  can0  123   {E}  11 22 33 44 55 66 77 88'])).toBe('candump-screen')
    expect(detectLogFormat(undefined, ['date Sat Sep 30 10:06:13.191 PM 2017', 'base hex  timestamps absolute'])).toBe('asc')
    expect(detectLogFormat(undefined, ['// comment', '   0.001234 1  123             Rx   d 8 00 11 22 33 44 55 66 77'])).toBe('asc')
    expect(detectLogFormat(undefined, ['   0.001 CANFD   1 Rx 123 1 0 1 1 00'])).toBe('asc')
  })

  it('returns undefined for anything else', () => {
    expect(detectLogFormat('notes.log', ['hello', 'world'])).toBeUndefined()
    expect(detectLogFormat('a.asc', [])).toBeUndefined()
  })

  it('breaks ties by suffix, .gz ignored', () => {
    const both = ['(1.000000) can0 123#11', 'base hex  timestamps absolute']
    expect(detectLogFormat('x.asc', both)).toBe('asc')
    expect(detectLogFormat('x.ASC.gz', both)).toBe('asc')
    expect(detectLogFormat('x.log', both)).toBe('candump')
    expect(detectLogFormat(undefined, both)).toBe('candump')
  })

  it('lists suffixes and writers in the registry', () => {
    expect(Object.keys(LOG_FORMATS)).toEqual(['candump', 'candump-screen', 'asc'])
    expect(LOG_FORMATS.candump.suffixes).toEqual(['.log'])
    expect(LOG_FORMATS.asc.writer).toBeTypeOf('function')
    expect(LOG_FORMATS['candump-screen'].writer).toBeUndefined()
  })
})
