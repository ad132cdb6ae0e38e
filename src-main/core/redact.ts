/**
 * The last-resort sweep. Passwords are `Secret` values (secrets/secret.ts) that turn into `[redacted]`
 * wherever they become text, so they do not enter reports in the first place; every report, log line,
 * error message and export still passes through `redactDeep`/`redactText` with the secrets of its run,
 * for what comes back from outside (a server's message, a query's rows, a stack trace).
 *
 * The sweep replaces a secret only where it can tell it from the report's own words:
 * - 12 characters or more: wherever it appears, inside other text too, as typed and URI-encoded; a
 *   long password does not occur by chance, so nothing is mangled and no form of it slips through.
 * - 8 to 11 characters: only as a whole token (not run on from letters, digits or `_` on an edge where
 *   the secret itself has one): `p4ss-w0rd` is replaced, `xp4ss-w0rd` and `p4ss-w0rd_2` are not. Made of
 *   letters alone it is a word (`password`, `analytics`) and is not swept: blanking it would blank the
 *   report's own words and hide nothing a guess would not find.
 * - Shorter than 8: not swept. `an` or `x` cannot be told from text (`an earlier check`), and the auth
 *   check reports such a password as weak_password instead.
 */

import { isPemKey } from './connection/root-cert-text.js'
import { REDACTED, Secret } from './secrets/secret.js'

export { REDACTED } from './secrets/secret.js'

/** Keys whose values are never shown, whatever they hold. */
const SECRET_KEYS = /^(password|pass|pwd|secret|token|pgpassword)$/i

const LONG = 12
const SHORT = 8
const WORD_CHAR = /[\p{L}\p{N}_]/u
const LETTERS_ONLY = /^\p{L}+$/u

/**
 * The secrets a run's output is swept for: its password and its client key's passphrase (sslpassword),
 * each unless it is the role name, and a client key given as text.
 * Such a password is printed by design wherever the role name belongs (the report's header, `user=` in
 * every command), so sweeping it hides nothing (the name already gives it away) and breaks every command;
 * it never reaches a string as the password itself (it is a Secret), and the auth check warns about it
 * (weak_password). Compared exactly: the sweep is case-sensitive, so `Postgres` never touches `postgres`.
 */
export function secretsOf(settings: {
  username: string
  password?: Secret | undefined
  sslPassword?: Secret | undefined
  sslKey?: string | undefined
}): Secret[] {
  const { password, username, sslPassword } = settings
  const given = [password, sslPassword].filter((secret): secret is Secret => {
    const text = secret?.reveal()
    return Boolean(text) && text !== username
  })
  return [...given, ...privateKeyLines(settings.sslKey)]
}

/**
 * A client key pasted as PEM text (the app's Client key field): each line of its body, so that no
 * message quoting the key, or part of it, carries it out. A path to a key file is not a secret.
 */
function privateKeyLines(sslKey: string | undefined): Secret[] {
  if (!sslKey || !isPemKey(sslKey)) return []
  return sslKey
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length >= LONG && !line.startsWith('-----') && !line.includes(':'))
    .map((line) => new Secret(line))
}

/** Replaces each secret (and its URI-encoded form) where the sweep can tell it apart (see above). */
export function redactText(text: string, secrets: readonly Secret[]): string {
  let out = text
  for (const secret of secrets) {
    for (const pattern of patternsOf(secret.reveal())) out = out.replace(pattern, REDACTED)
  }
  // A URI's userinfo password, whoever's it is.
  return out.replace(/(postgres(?:ql)?:\/\/[^:/@\s]*:)[^@\s]*@/gi, `$1${REDACTED}@`)
}

function patternsOf(secret: string): RegExp[] {
  const length = [...secret].length
  if (length < SHORT || (length < LONG && LETTERS_ONLY.test(secret))) return []
  const forms = new Set([secret, encodeURIComponent(secret)])
  return [...forms].map((form) => {
    const body = escapeRegExp(form)
    if (length >= LONG) return new RegExp(body, 'gu')
    // Guard only the edges that are word characters: `!p4ss-w0rd` preceded by a letter is still the token.
    const before = WORD_CHAR.test(firstChar(form)) ? '(?<![\\p{L}\\p{N}_])' : ''
    const after = WORD_CHAR.test(lastChar(form)) ? '(?![\\p{L}\\p{N}_])' : ''
    return new RegExp(`${before}${body}${after}`, 'gu')
  })
}

const firstChar = (s: string) => String.fromCodePoint(s.codePointAt(0) ?? 0)
const lastChar = (s: string) => [...s].at(-1) ?? ''
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** Deep copy of a value with secrets removed from every string, every Secret shown as `[redacted]` and every secret-named key emptied. */
export function redactDeep<T>(value: T, secrets: readonly Secret[]): T {
  return walk(value, secrets, new WeakMap()) as T
}

function walk(value: unknown, secrets: readonly Secret[], seen: WeakMap<object, unknown>): unknown {
  if (typeof value === 'string') return redactText(value, secrets)
  if (value === null || typeof value !== 'object') return value
  if (value instanceof Secret) return REDACTED
  if (seen.has(value)) return seen.get(value)
  if (Array.isArray(value)) {
    const out: unknown[] = []
    seen.set(value, out)
    for (const item of value) out.push(walk(item, secrets, seen))
    return out
  }
  if (value instanceof Error) return walk({ name: value.name, message: value.message }, secrets, seen)
  const out: Record<string, unknown> = {}
  seen.set(value, out)
  for (const [key, item] of Object.entries(value)) {
    out[key] =
      SECRET_KEYS.test(key) && item !== undefined && item !== null ? REDACTED : walk(item, secrets, seen)
  }
  return out
}
