/** Hex digit tables shared by every text format (candump, slcan): one array read per character. */

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

/** Char codes of `0123456789ABCDEF`: candump and every slcan firmware print upper case. */
export const HEX_UPPER: Uint8Array = new Uint8Array([...'0123456789ABCDEF'].map((c) => c.charCodeAt(0)))
