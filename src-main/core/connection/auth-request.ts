import type { Socket } from 'node:net'

/**
 * How a login authenticated, or which method the server asked for: the names of `evidence.authMethod`.
 * The first six are the ones this tool can complete; the others name what the server wanted.
 */
export type AuthMethod =
  | 'scram-sha-256'
  | 'scram-sha-256-plus'
  | 'md5'
  | 'password'
  | 'cert'
  | 'trust'
  | 'ldap'
  | 'pam'
  | 'radius'
  | 'ident'
  | 'peer'
  | 'bsd'
  | 'gss'
  | 'sspi'
  | 'kerberos-v5'
  | 'scm-credential'
  | 'oauth'
  | `sasl ${string}`
  | `request ${number}`

/** What the server asked for during startup, read off the wire before node-postgres parses it. */
export interface AuthRequests {
  /** AuthenticationRequest codes in the order they came (0 is AuthenticationOk). */
  codes: number[]
  /** The SASL mechanisms the server offered, when it asked for SASL (code 10). */
  mechanisms: string[]
}

/** The AuthenticationRequest codes node-postgres answers: Ok, cleartext, MD5, SASL and its continue/final. */
const ANSWERED = new Set([0, 3, 5, 10, 11, 12])
const SCRAM = ['SCRAM-SHA-256', 'SCRAM-SHA-256-PLUS']

const UNANSWERED_NAMES: Record<number, AuthMethod> = {
  2: 'kerberos-v5',
  6: 'scm-credential',
  7: 'gss',
  8: 'gss',
  9: 'sspi',
}

/**
 * The method the server asked for that this tool cannot use, or null when it can answer every request
 * seen so far: GSSAPI (7) and SSPI (9), which node-postgres' parser does not even know, or SASL without a
 * SCRAM mechanism (PostgreSQL 18's OAUTHBEARER).
 */
export function unansweredMethod(seen: AuthRequests): AuthMethod | null {
  for (const code of seen.codes) {
    if (!ANSWERED.has(code)) return UNANSWERED_NAMES[code] ?? `request ${code}`
    if (code === 10 && !seen.mechanisms.some((m) => SCRAM.includes(m))) {
      return seen.mechanisms.length === 1 && seen.mechanisms[0] === 'OAUTHBEARER'
        ? 'oauth'
        : `sasl ${seen.mechanisms.join(', ') || '(no mechanism)'}`
    }
  }
  return null
}

/**
 * The method a completed login used: the last password request (cleartext, MD5, or SASL with the
 * mechanism node-postgres chose), or none at all: `cert` when a client certificate was sent, else `trust`.
 */
export function completedMethod(
  seen: AuthRequests,
  saslMechanism: string | null,
  clientCertificateSent: boolean,
): AuthMethod {
  const asked = seen.codes.filter((c) => c === 3 || c === 5 || c === 10).pop()
  if (asked === 3) return 'password'
  if (asked === 5) return 'md5'
  if (asked === 10) return saslMechanism === 'SCRAM-SHA-256-PLUS' ? 'scram-sha-256-plus' : 'scram-sha-256'
  return clientCertificateSent ? 'cert' : 'trust'
}

/** Startup messages are small; past this the watcher stops (the wire gate bounds every message anyway). */
const WATCH_LIMIT = 64 * 1024
const AUTH = 0x52
const ERROR = 0x45

/**
 * Watches a session's stream from its first byte until authentication ends (AuthenticationOk or an
 * ErrorResponse) and records each AuthenticationRequest. It only observes: it is prepended to the
 * stream's 'data' listeners, sees every chunk before the wire gate and node-postgres' parser, and
 * never alters or withholds a byte. This is how a GSSAPI request is named even though node-postgres
 * throws on it ("Unknown authenticationOk message type 7").
 */
export function watchAuthRequests(
  stream: Socket,
  /** Called for each request as it is read, before node-postgres sees it (so before any answer). */
  onRequest?: (code: number, seen: AuthRequests) => void,
): { seen: AuthRequests; stop(): void } {
  const seen: AuthRequests = { codes: [], mechanisms: [] }
  let buffered: Buffer = Buffer.alloc(0)
  const stop = () => {
    stream.removeListener('data', onData)
    buffered = Buffer.alloc(0)
  }
  function onData(chunk: Buffer): void {
    buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk
    while (buffered.length >= 5) {
      const type = buffered[0]!
      const length = buffered.readInt32BE(1)
      if (length < 4 || length > WATCH_LIMIT) return stop()
      if (buffered.length < length + 1) {
        if (buffered.length > WATCH_LIMIT) stop()
        return
      }
      const body = buffered.subarray(5, length + 1)
      buffered = buffered.subarray(length + 1)
      if (type === ERROR) return stop()
      if (type !== AUTH || body.length < 4) continue
      const code = body.readInt32BE(0)
      seen.codes.push(code)
      if (code === 10) seen.mechanisms = body.subarray(4).toString('utf8').split('\0').filter(Boolean)
      onRequest?.(code, seen)
      if (code === 0) return stop()
    }
  }
  stream.prependListener('data', onData)
  return { seen, stop }
}

/** The server asked for an authentication method this tool (and Klairr) cannot use. */
export class AuthMethodUnsupportedError extends Error {
  override readonly name = 'AuthMethodUnsupportedError'
  constructor(readonly method: AuthMethod) {
    super(`the server asked for ${method} authentication, which this tool cannot use`)
  }
}
