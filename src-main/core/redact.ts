/**
 * The one place secrets are removed. Every report, log line, error message and export passes through
 * `redactDeep` with the secrets of its run before it leaves core.
 */

export const REDACTED = '[redacted]'

/** Keys whose values are never shown, whatever they hold. */
const SECRET_KEYS = /^(password|pass|pwd|secret|token|pgpassword)$/i

/** Replaces every occurrence of each secret (and its URI-encoded form) in a string. */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text
  for (const secret of secrets) {
    if (!secret) continue
    for (const form of new Set([secret, encodeURIComponent(secret)])) out = out.split(form).join(REDACTED)
  }
  // A URI's userinfo password, whoever's it is.
  return out.replace(/(postgres(?:ql)?:\/\/[^:/@\s]*:)[^@\s]*@/gi, `$1${REDACTED}@`)
}

/** Deep copy of a value with secrets removed from every string and every secret-named key emptied. */
export function redactDeep<T>(value: T, secrets: readonly string[]): T {
  return walk(value, secrets, new WeakMap()) as T
}

function walk(value: unknown, secrets: readonly string[], seen: WeakMap<object, unknown>): unknown {
  if (typeof value === 'string') return redactText(value, secrets)
  if (value === null || typeof value !== 'object') return value
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
