import { quoteIdent } from '../sql-ident.js'

/**
 * A function the admin allows by name, beyond the built-ins and the curated extensions: every overload
 * of `schema.name`. Both parts are held exactly as PostgreSQL stores them in `pg_namespace.nspname` and
 * `pg_proc.proname`: unquoted identifiers folded to lower case, quoted ones kept as written.
 */
export interface AllowedFunction {
  schema: string
  name: string
}

export type ParsedAllowedFunction = { ok: true; value: AllowedFunction } | { ok: false; message: string }

/** NAMEDATALEN - 1: the longest name PostgreSQL keeps (it silently cuts longer ones; we refuse them). */
export const MAX_NAME_BYTES = 63

/** How many functions one connector may allow: a list, not a way around the allow-list. */
export const MAX_ALLOWED_FUNCTIONS = 100

/** Longer input is refused before it is read: two quoted names of 63 bytes fit well within it. */
export const MAX_ALLOWED_FUNCTION_TEXT = 400

const UTF8 = new TextEncoder()
const EXAMPLE = 'for example public.my_fn'
const WHITESPACE = /[ \t\n\r\f\v]/
const UNQUOTED_START = /[A-Za-z_\u0080-\uFFFF]/
const UNQUOTED_PART = /[A-Za-z0-9_$\u0080-\uFFFF]/

/** A character as a message may show it: printable ones as they are, others as a code point. */
function shown(ch: string): string {
  return /^[\p{L}\p{N}\p{P}\p{S}]$/u.test(ch)
    ? `"${ch}"`
    : `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`
}

const fail = (message: string): ParsedAllowedFunction => ({ ok: false, message })

/**
 * Reads `schema.name` as PostgreSQL reads a qualified name (and as `to_regproc` does): an unquoted
 * part has letters, digits, `_` and `$`, does not start with a digit or `$`, and is folded to lower
 * case (ASCII only, as in a UTF-8 database); a double-quoted part is kept as written, `""` standing for
 * one quote. Space around the parts and the dot is allowed. Exactly two parts, each at most 63 bytes.
 * Refused, with one line that says what to write instead: control and bidirectional control characters,
 * U& escapes and text that is not well-formed Unicode.
 */
export function parseAllowedFunction(text: string): ParsedAllowedFunction {
  if (text.length > MAX_ALLOWED_FUNCTION_TEXT)
    return fail(`too long: a function is schema.name, at most ${MAX_NAME_BYTES} bytes each`)
  if (/\p{Cs}/u.test(text)) return fail('not well-formed Unicode text (a lone surrogate)')
  // Space between the parts may be any of PostgreSQL's white space; no other control character anywhere.
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  const control = /[\0-\x08\x0e-\x1f\x7f-\x9f]/.exec(text)
  if (control) return fail(`control character ${shown(control[0])} in a function name`)
  // PostgreSQL would take these as name characters; they only serve to make a name read as another.
  const bidi = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/.exec(text)
  if (bidi) return fail(`bidirectional control character ${shown(bidi[0])} in a function name`)
  const parts: string[] = []
  let i = 0
  const skipSpace = () => {
    while (i < text.length && WHITESPACE.test(text[i]!)) i++
  }
  skipSpace()
  if (i === text.length) return fail(`empty: give a function as schema.name, ${EXAMPLE}`)
  for (;;) {
    skipSpace()
    const ch = text[i]
    if (ch === undefined || ch === '.') {
      return fail(
        parts.length === 0
          ? `missing the schema before "."; write schema.name, ${EXAMPLE}`
          : `missing a name after "."; write schema.name, ${EXAMPLE}`,
      )
    }
    if ((ch === 'U' || ch === 'u') && text[i + 1] === '&' && text[i + 2] === '"')
      return fail('U& escapes are not supported: write the name’s characters in double quotes')
    let part: string
    if (ch === '"') {
      const start = i
      part = ''
      i++
      for (;;) {
        const q = text.indexOf('"', i)
        if (q === -1) return fail(`the double quote at position ${start + 1} is never closed`)
        part += text.slice(i, q)
        if (text[q + 1] === '"') {
          part += '"'
          i = q + 2
        } else {
          i = q + 1
          break
        }
      }
      if (part === '') return fail('a quoted name cannot be empty ("")')
      const inside = /\p{Cc}/u.exec(part)
      if (inside) return fail(`control character ${shown(inside[0])} in a function name`)
    } else if (UNQUOTED_START.test(ch)) {
      const start = i
      while (i < text.length && UNQUOTED_PART.test(text[i]!)) i++
      part = text.slice(start, i).replace(/[A-Z]+/g, (s) => s.toLowerCase())
    } else {
      return fail(
        /[0-9$]/.test(ch)
          ? `a name cannot start with ${shown(ch)} unless it is in double quotes`
          : `unexpected ${shown(ch)} at position ${i + 1}: unquoted names have letters, digits, _ and $; put other names in double quotes`,
      )
    }
    const bytes = UTF8.encode(part).length
    if (bytes > MAX_NAME_BYTES)
      return fail(
        `a name of ${bytes} bytes is too long: PostgreSQL keeps at most ${MAX_NAME_BYTES} bytes and would cut it`,
      )
    parts.push(part)
    skipSpace()
    const next = text[i]
    if (next === undefined) break
    if (next === '(')
      return fail('give the name without arguments: schema.name allows every overload of that function')
    if (next !== '.')
      return fail(
        `unexpected ${shown(next)} at position ${i + 1}: unquoted names have letters, digits, _ and $; put other names in double quotes`,
      )
    i++
  }
  if (parts.length === 1)
    return fail(`the schema is missing: write schema.name, ${EXAMPLE} (a name alone depends on search_path)`)
  if (parts.length > 2)
    return fail(
      `${parts.length} parts where two are expected: write schema.name (a database name is not part of it)`,
    )
  return { ok: true, value: { schema: parts[0]!, name: parts[1]! } }
}

/**
 * `schema.name` as the admin would write it, each part quoted only where PostgreSQL needs it (upper
 * case, other characters, reserved words). `parseAllowedFunction` reads it back to the same value.
 */
export function formatAllowedFunction(f: AllowedFunction): string {
  return `${quoteIdent(f.schema)}.${quoteIdent(f.name)}`
}

export type ParsedAllowedFunctions =
  { ok: true; value: AllowedFunction[] } | { ok: false; index: number; message: string }

/**
 * A whole list, as the CLI flags, the desktop app and an export give it: each entry parsed, at most
 * `MAX_ALLOWED_FUNCTIONS`, duplicates (the same function however spelled) kept once, in first-seen order.
 */
export function parseAllowedFunctions(texts: readonly string[]): ParsedAllowedFunctions {
  if (texts.length > MAX_ALLOWED_FUNCTIONS)
    return { ok: false, index: MAX_ALLOWED_FUNCTIONS, message: `at most ${MAX_ALLOWED_FUNCTIONS} functions` }
  const seen = new Set<string>()
  const value: AllowedFunction[] = []
  for (const [index, text] of texts.entries()) {
    const parsed = parseAllowedFunction(text)
    if (!parsed.ok) return { ok: false, index, message: parsed.message }
    const key = formatAllowedFunction(parsed.value)
    if (seen.has(key)) continue
    seen.add(key)
    value.push(parsed.value)
  }
  return { ok: true, value }
}
