const utf8 = new TextDecoder('utf-8', {fatal: true, ignoreBOM: true})

/**
 * cp1252 differs from Latin-1 only in 0x80..0x9F. A table this small beats loading a codec
 * library on every cold start (iconv-lite costs ~18 ms before its first decode). The five
 * bytes cp1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) map to the C1 controls, as
 * Windows and the WHATWG encoding standard do.
 */
const CP1252_80_9F =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178'

/**
 * Decodes DBC bytes: UTF-8 when the bytes are valid UTF-8, otherwise cp1252 (what Vector tools
 * write, and what cantools assumes). A leading BOM is dropped so that columns start at the first
 * real character; line endings are kept as they are.
 */
export function decodeDbcText(input: Uint8Array | string): string {
  let text: string
  if (typeof input === 'string') text = input
  else {
    try {
      text = utf8.decode(input)
    } catch {
      // Not UTF-8: an older Vector file with °, µ or umlauts in cp1252.
      text = decodeCp1252(input)
    }
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
}

function decodeCp1252(bytes: Uint8Array): string {
  const latin1 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')
  // `\x80` (Latin-1 control) → `€`: only the 0x80..0x9F block differs from Latin-1
  return latin1.replace(/[\x80-\x9f]/g, (ch) => CP1252_80_9F[ch.charCodeAt(0) - 0x80]!)
}
