/**
 * A password as a value, not a string: whatever turns it into text (a template literal, `String()`,
 * `JSON.stringify`, `console.log`, `util.inspect`) gets `[redacted]`. The clear text comes out only
 * through `reveal()`, called where it goes to the wire (node-postgres' password callback, and so
 * SCRAM), to the vault, to sealing for export, and to the redaction sweep that looks for it.
 */

export const REDACTED = '[redacted]'

/** Node's `util.inspect.custom`, by its registered name, so this module imports nothing (the renderer may load it). */
const INSPECT = Symbol.for('nodejs.util.inspect.custom')

export class Secret {
  // A private field: not an own property, so Object.entries, spreads and structured clone never see it.
  readonly #text: string

  constructor(text: string) {
    this.#text = text
  }

  /** The clear text, for the wire, the vault and sealing only. */
  reveal(): string {
    return this.#text
  }

  toString(): string {
    return REDACTED
  }

  toJSON(): string {
    return REDACTED
  }

  [Symbol.toPrimitive](): string {
    return REDACTED
  }

  [INSPECT](): string {
    return `Secret ${REDACTED}`
  }
}

/** The length under which a password is weak, in characters (code points, as PostgreSQL's check counts). */
export const MIN_PASSWORD_LENGTH = 8

export type PasswordWeakness = 'equals_role_name' | 'shorter_than_8'

/**
 * Why a password is weak, or null: it equals the role name (ignoring case: `Postgres` for `postgres`
 * is guessed as fast), or it is shorter than 8 characters. Says nothing else about it.
 */
export function passwordWeakness(password: Secret, roleName: string): PasswordWeakness | null {
  const text = password.reveal()
  if (text.toLowerCase() === roleName.toLowerCase()) return 'equals_role_name'
  if ([...text].length < MIN_PASSWORD_LENGTH) return 'shorter_than_8'
  return null
}
