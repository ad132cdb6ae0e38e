/** Default cap on the text of one query: 100 KiB of UTF-8. */
export const DEFAULT_MAX_TEXT_BYTES = 100 * 1024

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

export type TextProblem = { rule: 'invalid_text' | 'too_long'; message: string; location: number | null }

/**
 * The text the parser judges must be the text the server runs, byte for byte. The parser is C compiled
 * to WebAssembly and reads a NUL-terminated copy of the text, so a NUL, or a lone UTF-16 surrogate
 * (which has no UTF-8 form and upsets the copy's length), would let it judge less than is sent.
 */
export function checkText(text: string, maxBytes: number): TextProblem | null {
  const nul = text.indexOf('\0')
  if (nul >= 0) {
    return { rule: 'invalid_text', message: 'the text contains a NUL character', location: nul }
  }
  const lone = text.search(LONE_SURROGATE)
  if (lone >= 0) {
    return {
      rule: 'invalid_text',
      message: 'the text is not well-formed Unicode (a lone UTF-16 surrogate)',
      location: lone,
    }
  }
  const bytes = Buffer.byteLength(text, 'utf8')
  if (bytes > maxBytes) {
    return {
      rule: 'too_long',
      message: `the text is ${bytes.toLocaleString('en-US')} bytes, over the limit of ${maxBytes.toLocaleString('en-US')}`,
      location: null,
    }
  }
  return null
}

/** PostgreSQL's own whitespace (scan.l): what may follow the last token. */
const PG_SPACE = new Set([0x20, 0x09, 0x0a, 0x0d, 0x0c, 0x0b])

/** The byte length of the text without trailing PostgreSQL whitespace. */
export function meaningfulBytes(bytes: Uint8Array): number {
  let end = bytes.length
  while (end > 0 && PG_SPACE.has(bytes[end - 1]!)) end--
  return end
}
