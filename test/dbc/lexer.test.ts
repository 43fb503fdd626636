import {describe, expect, it} from 'vitest'

import {tokenize} from '../../src/lib/dbc/lexer.js'

const brief = (text: string): string[] => tokenize(text).map((t) => `${t.line}:${t.column}-${t.endLine}:${t.endColumn} ${t.kind} ${JSON.stringify(t.text)}${t.lineStart ? ' ^' : ''}${t.unterminated ? ' !' : ''}`)

describe('tokenize', () => {
  it('splits a signal line: signs apart, numbers whole, names that start with digits are words', () => {
    expect(tokenize(' SG_ 12V_Supply m3M : 0|8@1- (3.4E+038,-.5) [1.|2e-3]').map((t) => t.text)).toEqual(
      ['SG_', '12V_Supply', 'm3M', ':', '0', '|', '8', '@', '1', '-', '(', '3.4E+038', ',', '-', '.5', ')', '[', '1.', '|', '2e-3', ']', ''],
    )
    expect(tokenize('3-5').map((t) => t.kind)).toEqual(['number', 'punct', 'number', 'eof'])
  })

  it('keeps positions across CRLF, comments and multi-line strings; astral characters count once', () => {
    expect(brief('CM_ "a\r\nb\\"c" ; // x\r\n😀 x')).toEqual([
      '1:1-1:4 ident "CM_" ^',
      '1:5-2:6 string "a\\r\\nb\\"c"',
      '2:7-2:8 punct ";"',
      '3:1-3:2 ident "😀" ^',
      '3:3-3:4 ident "x"',
      '3:4-3:4 eof ""',
    ])
  })

  it('ends an unterminated string at the line before the next statement', () => {
    expect(brief('CM_ "oops;\r\n\r\nVAL_ 1 A;')).toEqual([
      '1:1-1:4 ident "CM_" ^',
      '1:5-2:1 string "oops;\\r\\n" !',
      '3:1-3:5 ident "VAL_" ^',
      '3:6-3:7 number "1"',
      '3:8-3:9 ident "A"',
      '3:9-3:10 punct ";"',
      '3:10-3:10 eof ""',
    ])
    expect(brief('"no end')).toEqual(['1:1-1:8 string "no end" ^ !', '1:8-1:8 eof ""'])
  })

  it('does not end a comment string at prose that merely starts with a word like VERSION', () => {
    expect(tokenize('CM_ "x\nVERSION 2 of the box\nend";').map((t) => t.kind)).toEqual(['ident', 'string', 'punct', 'eof'])
  })
})
