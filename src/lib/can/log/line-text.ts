/** Bytes `[start, end)` of a line as a string, for the parsers that work on text (screen, ASC). */
export function lineText(buf: Uint8Array, start: number, end: number): string {
  const bytes = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength)
  return bytes.toString('utf8', start, end)
}
