import { StepTimeoutError } from '../time.js'

/** What the server or the network did to a statement. */
export interface PgFailure {
  kind: 'timeout' | 'server_error' | 'connection_lost'
  sqlstate: string | null
  message: string
}

/**
 * Classifies an error from a query: our bound, the server's statement timeout (57014), another SQLSTATE,
 * or a lost connection (a reset, or a TLS alert). Anything else is a bug and returns null, for the caller
 * to rethrow.
 */
export function classifyPgFailure(e: unknown): PgFailure | null {
  if (e instanceof StepTimeoutError) return { kind: 'timeout', sqlstate: null, message: `${e.message}.` }
  const err = e as { code?: unknown; message?: unknown } | null
  const message = typeof err?.message === 'string' ? err.message : ''
  const code = typeof err?.code === 'string' ? err.code : null
  if (code === '57014') return { kind: 'timeout', sqlstate: code, message }
  if (code && /^[0-9A-Z]{5}$/.test(code)) return { kind: 'server_error', sqlstate: code, message }
  // A TLS alert mid-session (ERR_SSL_…) ends the connection as surely as a reset does.
  if (
    (code && /^(E[A-Z]+|ERR_(SSL|TLS)_[A-Z0-9_]+)$/.test(code)) ||
    /Connection terminated|not queryable/.test(message)
  ) {
    return { kind: 'connection_lost', sqlstate: null, message }
  }
  return null
}
