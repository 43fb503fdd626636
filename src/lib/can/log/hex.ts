/** Byte tables for parsing and printing hexadecimal text without strings or regexes. */

/** Value of an ASCII hex digit (either case) by char code, or -1. */
export const HEX_VALUE: Int8Array = (() => {
  const table = new Int8Array(256).fill(-1)
  for (let i = 0; i < 10; i++) table[0x30 + i] = i
  for (let i = 0; i < 6; i++) {
    table[0x41 + i] = 10 + i
    table[0x61 + i] = 10 + i
  }
  return table
})()

/** Char codes of `0123456789ABCDEF`: candump prints upper case. */
export const HEX_UPPER: Uint8Array = new Uint8Array([...'0123456789ABCDEF'].map((c) => c.charCodeAt(0)))

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
