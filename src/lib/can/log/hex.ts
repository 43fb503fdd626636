/** Byte tables for parsing and printing hexadecimal text without strings or regexes. */

export {HEX_UPPER, HEX_VALUE} from '../hex-digits.js'

/** Char codes used by the parsers, named so the scanning loops read as the grammar. */
export const Char = {
  tab: 0x09,
  lf: 0x0a,
  cr: 0x0d,
  space: 0x20,
  hash: 0x23,
  openParen: 0x28,
  closeParen: 0x29,
  dot: 0x2e,
  slash: 0x2f,
  zero: 0x30,
  nine: 0x39,
  colon: 0x3a,
  semicolon: 0x3b,
  upperR: 0x52,
  upperT: 0x54,
  underscore: 0x5f,
  lowerR: 0x72,
} as const

/** True for a space or a tab. */
export function isBlank(code: number): boolean {
  return code === Char.space || code === Char.tab
}
