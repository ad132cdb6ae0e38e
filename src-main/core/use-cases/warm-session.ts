import { createHmac, randomBytes, type Hmac } from 'node:crypto'
import { closeSession, type Session } from '../connection/pg-session.js'
import type { ConnectionSettings } from '../connection/settings.js'
import { Secret } from '../secrets/secret.js'

/** How long a kept session may sit unused before it is closed. */
export const WARM_IDLE_MS = 60_000

/** This process's own key: a fingerprint means nothing elsewhere, and cannot be used to guess a password. */
const FINGERPRINT_KEY = randomBytes(32)

/**
 * The settings (every field, the password and key passphrase included) and the pinned certificate as one
 * opaque value: equal exactly when every one of them is equal. Secrets are revealed only into the HMAC.
 */
export function settingsFingerprint(settings: ConnectionSettings, pin: string | undefined): string {
  const hmac = createHmac('sha256', FINGERPRINT_KEY)
  feed(hmac, { settings, pin })
  return hmac.digest('base64url')
}

/** A value into the HMAC, unambiguously: keys sorted, absent and undefined alike, a Secret tagged as one. */
function feed(hmac: Hmac, value: unknown): void {
  if (value instanceof Secret) {
    hmac.update('secret:')
    hmac.update(JSON.stringify(value.reveal()))
  } else if (Array.isArray(value)) {
    hmac.update('[')
    for (const item of value) {
      feed(hmac, item)
      hmac.update(',')
    }
    hmac.update(']')
  } else if (value !== null && typeof value === 'object') {
    hmac.update('{')
    for (const key of Object.keys(value).sort()) {
      const item = (value as Record<string, unknown>)[key]
      if (item === undefined) continue
      hmac.update(JSON.stringify(key))
      hmac.update(':')
      feed(hmac, item)
      hmac.update(',')
    }
    hmac.update('}')
  } else {
    hmac.update(value === undefined ? 'undefined' : JSON.stringify(value))
  }
}

/** One query's hold on the kept session. */
export interface WarmLease {
  /** The kept session, idle and alive when it was last given back; null when the caller opens its own. */
  readonly session: Session | null
  /**
   * After a query that succeeded: the session is kept for the next query if it is idle and alive, and
   * neither the settings changed nor a close came since the lease was taken; otherwise it is closed.
   */
  keep(session: Session): void
  /** The query is over and the caller closed or destroyed its session: nothing is kept. */
  release(): void
}

interface Kept {
  session: Session
  timer: NodeJS.Timeout
  onEnd: () => void
}

/**
 * At most one PostgreSQL session kept between sandbox queries, for the settings a successful setup run
 * verified, starting with that run's own session: a query costs one round trip instead of a new
 * connection's seven or so (TCP, TLS, SCRAM). Closed after `idleMs` unused, when the server or network
 * ends it, when a query on it fails or is cancelled (the query gives nothing back), when a query comes with
 * other settings, on a cancel (`close`), and on a new run of the checks or quit (`forget`). One query at a
 * time: while it is leased, another query opens its own connection, as every query did before (see
 * `lease`).
 */
export class WarmSession {
  private verifiedKey: string | null = null
  private kept: Kept | null = null
  private leased = false
  /** Bumped by every close: a lease taken before it gives nothing back. */
  private generation = 0
  private readonly idleMs: number

  constructor(opts: { idleMs?: number } = {}) {
    this.idleMs = opts.idleMs ?? WARM_IDLE_MS
  }

  /**
   * A setup run passed with these settings: queries with the same fingerprint may keep their session, and
   * the run's own session is kept for the first of them (one round trip too). False when it is not fit to
   * keep (the caller closes it).
   */
  adopt(key: string, session: Session): boolean {
    if (key !== this.verifiedKey) this.forget()
    this.verifiedKey = key
    if (this.leased || !usable(session)) return false
    this.hold(session)
    return true
  }

  /** Closes the kept session (a cancel); the next query with the verified settings may keep a new one. */
  close(): void {
    this.generation++
    this.drop()
  }

  /** Closes the kept session and forgets which settings were verified (a new run of the checks, quit). */
  forget(): void {
    this.verifiedKey = null
    this.close()
  }

  /**
   * The lease for a query with these settings, or null when it runs on its own connection: the settings
   * are not the verified ones (and then any kept session is closed: the settings changed), or another
   * query holds the session. A second query does not wait for the first: a slow query would hold up a
   * quick one for up to its bound, and a cancel or failure of one must never reach the other.
   */
  lease(key: string): WarmLease | null {
    if (key !== this.verifiedKey) {
      this.close()
      return null
    }
    if (this.leased) return null
    this.leased = true
    const generation = this.generation
    const session = this.take()
    let over = false
    return {
      session,
      keep: (given) => {
        if (over) return
        over = true
        this.leased = false
        if (generation !== this.generation || !usable(given)) void closeSession(given.client)
        else this.hold(given)
      },
      release: () => {
        if (over) return
        over = true
        this.leased = false
      },
    }
  }

  private hold(session: Session): void {
    this.drop()
    const timer = setTimeout(() => this.drop(), this.idleMs)
    timer.unref()
    // The server or the network ended it while idle (a terminated backend, a restart, a pooler's timeout).
    const onEnd = () => {
      if (this.kept?.session === session) this.drop()
    }
    session.client.once('end', onEnd)
    this.kept = { session, timer, onEnd }
  }

  /** The kept session, no longer watched: the lease holds it now. */
  private take(): Session | null {
    const kept = this.kept
    if (!kept) return null
    this.kept = null
    clearTimeout(kept.timer)
    kept.session.client.removeListener('end', kept.onEnd)
    return usable(kept.session) ? kept.session : (void closeSession(kept.session.client), null)
  }

  private drop(): void {
    const session = this.take()
    if (session) void closeSession(session.client)
  }
}

/**
 * node-postgres' view of its client: open, not ending, nothing in flight or queued, and the server's last
 * ReadyForQuery said idle (no transaction block left open).
 */
function usable(session: Session): boolean {
  const { client } = session
  const state = client as unknown as {
    _queryable?: boolean
    _ending?: boolean
    _activeQuery?: unknown
    _queryQueue?: unknown[]
    connection?: { stream?: { destroyed?: boolean; writable?: boolean } }
  }
  const stream = state.connection?.stream
  return (
    client.getTransactionStatus() === 'I' &&
    state._queryable !== false &&
    state._ending !== true &&
    state._activeQuery == null &&
    (state._queryQueue?.length ?? 0) === 0 &&
    stream?.destroyed !== true &&
    stream?.writable !== false
  )
}
