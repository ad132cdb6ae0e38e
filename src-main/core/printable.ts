/**
 * Text from a file or a server is hostile: a terminal escape can rewrite the screen (and so forge the
 * fingerprint line an admin compares), a carriage return or a line feed can forge a line, and a
 * bidirectional control can reorder what is shown. These never reach a terminal or a log raw: C0 (tab,
 * CR and LF included), DEL, C1, the bidirectional controls (U+061C, U+200E, U+200F, U+202A…U+202E,
 * U+2066…U+2069), the line and paragraph separators, zero-width characters, the byte order mark and
 * lone surrogates.
 */
export const UNSAFE_CHARACTERS =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ud800-\udfff]/gu

/** U+202E, upper-case hex, at least four digits. */
export function codePoint(c: string): string {
  return `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`
}

/** What a character is, for an error line: "control character U+001B" or "bidirectional control character U+202E". */
export function describeUnsafe(c: string): string {
  const cp = c.codePointAt(0)!
  const bidi =
    cp === 0x061c ||
    cp === 0x200e ||
    cp === 0x200f ||
    (cp >= 0x202a && cp <= 0x202e) ||
    (cp >= 0x2066 && cp <= 0x2069)
  return `${bidi ? 'bidirectional control' : cp >= 0xd800 && cp <= 0xdfff ? 'lone surrogate' : 'control'} character ${codePoint(c)}`
}

/** The first unsafe character in a text, or null. */
export function firstUnsafe(text: string): string | null {
  const m = new RegExp(UNSAFE_CHARACTERS.source, 'u').exec(text)
  return m ? m[0] : null
}

/** The text with every unsafe character shown escaped as \u{1B}: safe to print on one line. */
export function printable(text: string): string {
  return text.replace(UNSAFE_CHARACTERS, (c) => `\\u{${c.codePointAt(0)!.toString(16).toUpperCase()}}`)
}

/** As printable, cut to at most max characters (an ellipsis says so). */
export function printableShort(text: string, max = 200): string {
  const shown = printable(text)
  return shown.length > max ? `${shown.slice(0, max)}…` : shown
}

/** The same, line by line: a multi-line text (an SQL script, advice) keeps its line breaks. */
export function printableLines(text: string): string {
  return text.split('\n').map(printable).join('\n')
}
