import type pg from 'pg'
import { pgClientClass } from './lazy-modules.js'
import pgUtils from 'pg/lib/utils.js'
import type { Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'
import { bounded, CancelledError } from '../time.js'
import type { Timeouts } from './settings.js'
import { installGate } from './wire-gate.js'
import { queueWithLogin } from './early-query.js'
import { timedQuery } from '../checks/stages.js'
import {
  AuthMethodUnsupportedError,
  completedMethod,
  unansweredMethod,
  watchAuthRequests,
  type AuthMethod,
  type AuthRequests,
} from './auth-request.js'
import type { Secret } from '../secrets/secret.js'
import { judgeAuthRequest, type AuthPolicy, type AuthPolicyError } from './auth-policy.js'

export type PgClient = pg.Client

/** The server asked for a password and none was given. */
export class PasswordMissingError extends Error {
  override readonly name = 'PasswordMissingError'
  constructor() {
    super('the server asked for a password and none was given')
  }
}

export interface Session {
  client: PgClient
  /** ParameterStatus values the server reported at startup (server_version, in_hot_standby on 14+, …). */
  parameters: Record<string, string>
  /** Whether the server asked for the password (password, md5 or SCRAM) and got it: false for trust or cert. */
  passwordSent: boolean
  /** How the login authenticated (see auth-request.ts). */
  authMethod: AuthMethod
}

export interface StartupOptions {
  host: string
  port: number
  database: string
  user: string
  password: Secret | undefined
  timeouts: Timeouts
  signal?: AbortSignal
  /** Told what the server asked for during startup, whether the login succeeded or not. */
  onAuthRequests?: (seen: AuthRequests) => void
  /** libpq's application_name (this tool's own name when absent). */
  applicationName?: string
  /** libpq's options, sent in the startup packet as libpq sends it (Neon's `endpoint=…`). */
  options?: string
  /** require_auth and channel_binding (default prefer: SCRAM-SHA-256-PLUS whenever TLS and the server offer it). */
  policy?: AuthPolicy
  /**
   * The session's first query batch, sent in the same flight as the last authentication message (see
   * early-query.ts); boundedQuery with the same text then returns its answer instead of sending it.
   */
  firstQuery?: string
}

/** The application_name the startup packet carries when the settings give none. */
export const DEFAULT_APPLICATION_NAME = 'klairr-companion'

/**
 * Starts a PostgreSQL session on a socket that is already connected (and, if TLS, already upgraded and
 * judged), so the checks reuse the one connection the network and TLS checks opened instead of
 * dialling again. node-postgres calls `connect()` on its stream: the shim answers at once.
 */
export async function startSession(socket: Socket, opts: StartupOptions): Promise<Session> {
  const shim = Object.assign(socket, {
    connect(): Socket {
      process.nextTick(() => socket.emit('connect'))
      return socket
    },
  })
  socket.resume()
  const PgClient = await pgClientClass()
  let passwordSent = false
  const tls = 'getPeerCertificate' in socket
  // Set by the watcher when a request is not allowed: the socket is closed and no answer is written.
  let refused: AuthPolicyError | null = null
  const client = new PgClient({
    host: opts.host,
    port: opts.port,
    database: opts.database,
    user: opts.user,
    // A function, so node-postgres never looks up PGPASSWORD or pgpass itself: the caller already did.
    password: async () => {
      if (refused) throw refused
      if (opts.password === undefined) throw new PasswordMissingError()
      passwordSent = true
      return opts.password.reveal()
    },
    ssl: false,
    stream: () => shim,
    // channel_binding prefer (libpq's default) or require: SCRAM-SHA-256-PLUS when offered over TLS.
    enableChannelBinding: tls && opts.policy?.channelBinding !== 'disable',
    // The startup packet carries user, database and application_name, and options only when the settings
    // give it (as libpq): poolers (PgBouncer, as Supabase, Neon, Azure and DigitalOcean run it) refuse any
    // parameter they do not track, so the session's bounds are not sent here but with each query (see
    // boundedQuery).
    application_name: opts.applicationName || DEFAULT_APPLICATION_NAME,
  } as pg.ClientConfig)
  // node-postgres would read PGOPTIONS itself when options is not given: the settings alone decide.
  ;(client as unknown as { connectionParameters: { options?: string } }).connectionParameters.options =
    opts.options || undefined
  client.on('error', () => undefined)
  const parameters: Record<string, string> = {}
  const connection = (client as unknown as { connection: NodeJS.EventEmitter }).connection
  connection.on('parameterStatus', (msg: { parameterName: string; parameterValue: string }) => {
    parameters[msg.parameterName] = msg.parameterValue
  })
  const state: SessionState = { boundsSql: boundsSql(opts.timeouts), idle: true, busy: false, waiters: [] }
  const settle = (idle: boolean) => {
    state.idle = idle
    state.busy = false
    for (const wake of state.waiters.splice(0)) wake()
  }
  connection.on('readyForQuery', (msg: { status?: string }) => settle(msg.status === 'I'))
  // A lost connection answers no more ReadyForQuery: whoever waits sends, and node-postgres refuses.
  connection.on('end', () => settle(false))
  sessionStates.set(client, state)
  if (opts.firstQuery)
    firstQueries.set(client, {
      text: opts.firstQuery,
      result: queueWithLogin(client, `${state.boundsSql};\n${opts.firstQuery}`),
    })
  const sasl = () =>
    (client as unknown as { saslSession?: { mechanism?: string } }).saslSession?.mechanism ?? null
  let saslMechanism: string | null = null
  connection.on('authenticationSASLContinue', () => {
    saslMechanism = sasl()
  })
  // Sees the authentication requests before the gate and the parser, which throws on GSSAPI and SSPI,
  // and judges each against require_auth and channel_binding before node-postgres can answer it.
  const watch = watchAuthRequests(socket, (code, seen) => {
    if (refused || !opts.policy) return
    const finished = seen.codes.slice(0, -1).some((c) => c === 3 || c === 5 || c === 12)
    refused = judgeAuthRequest(opts.policy, code, seen.mechanisms, { tls, finished, mechanism: sasl() })
    if (refused) socket.destroy()
  })
  try {
    // Every byte the server sends passes the wire gate before node-postgres' parser (see wire-gate.ts).
    await bounded(
      installGate(client, socket, () => client.connect()),
      {
        step: 'startup and authentication',
        timeoutMs: opts.timeouts.startup,
        signal: opts.signal,
        onGiveUp: () => socket.destroy(),
      },
    )
    if (refused) throw refused
  } catch (e) {
    if (refused) throw refused
    const unanswered = unansweredMethod(watch.seen)
    if (unanswered && !(e instanceof CancelledError)) {
      socket.destroy()
      throw new AuthMethodUnsupportedError(unanswered)
    }
    throw e
  } finally {
    watch.stop()
    opts.onAuthRequests?.(watch.seen)
  }
  const certificateSent = 'getCertificate' in socket && hasLocalCertificate(socket as TLSSocket)
  const authMethod = completedMethod(watch.seen, saslMechanism, certificateSent)
  return { client, parameters, passwordSent, authMethod }
}

/** Whether this end of a TLS session presented a certificate (Node gives `{}` or null when not). */
function hasLocalCertificate(socket: TLSSocket): boolean {
  const own = socket.getCertificate()
  return Boolean(own && Object.keys(own).length > 0)
}

interface SessionState {
  /** The SET LOCAL statements that bound a transaction (boundsSql). */
  boundsSql: string
  /** The server's last ReadyForQuery said idle: no transaction block is open. */
  idle: boolean
  /**
   * A query was sent and its ReadyForQuery has not come: node-postgres rejects on the ErrorResponse,
   * before it, so `idle` may still describe the time before the failed statement (which may have left
   * a block aborted). The next query waits for it, as node-postgres' own queue would.
   */
  busy: boolean
  waiters: (() => void)[]
}

const sessionStates = new WeakMap<PgClient, SessionState>()

/** startSession's firstQuery, sent with the login (its bounds in front), until boundedQuery takes it. */
const firstQueries = new WeakMap<PgClient, { text: string; result: Promise<unknown> }>()

/** Statements in boundsSql: their results are dropped from what boundedQuery returns. */
export const BOUNDS_STATEMENTS = 3

/** Whether boundedQuery, called now, puts the bounds in front of its text (the session is idle, nothing pending). */
export function boundsPrefixed(client: PgClient): boolean {
  const state = sessionStates.get(client)
  return Boolean(state && state.idle && !state.busy)
}

/**
 * Server-side bounds for one transaction. SET LOCAL, never a session-level SET: behind a pooler in
 * transaction mode the next transaction may run on another server connection, and a session-level
 * setting would stay on this one for some other client.
 */
export function boundsSql(timeouts: Pick<Timeouts, 'query' | 'lock'>): string {
  const query = Math.round(timeouts.query)
  return `SET LOCAL statement_timeout = ${query}; SET LOCAL lock_timeout = ${Math.round(timeouts.lock)}; SET LOCAL idle_in_transaction_session_timeout = ${query * 2}`
}

/**
 * Runs one query under the query bound; on timeout or cancel the connection is destroyed, never reused.
 * On a session from startSession, a query sent outside a transaction block carries the session's bounds
 * in front of it, in the same message: the server runs a multi-statement message as one transaction, so
 * the bounds hold for exactly that transaction (or, when the text opens one with BEGIN, for the block it
 * becomes), cost no round trip, and leave nothing on a pooled server connection. Inside a block the
 * block already has them. Only the text's own results are returned.
 */
export async function boundedQuery<R extends pg.QueryResultRow = pg.QueryResultRow>(
  client: PgClient,
  text: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<pg.QueryResult<R>[]> {
  const state = sessionStates.get(client)
  let prefixed = false
  const send = async () => {
    const first = firstQueries.get(client)
    if (first?.text === text) {
      firstQueries.delete(client)
      prefixed = true
      return first.result as Promise<pg.QueryResult<R>>
    }
    if (state?.busy) await new Promise<void>((wake) => state.waiters.push(wake))
    prefixed = state?.idle ?? false
    if (state) state.busy = true
    return client.query<R>(prefixed ? `${state?.boundsSql};\n${text}` : text)
  }
  // A run's waterfall times each batch here (stages.ts), the one place every check's queries go through.
  const sent = bounded(send(), { step: 'query', timeoutMs, signal, onGiveUp: () => destroyClient(client) })
  const result = await timedQuery(client, sent)
  const results = Array.isArray(result) ? (result as pg.QueryResult<R>[]) : [result]
  return prefixed ? results.slice(BOUNDS_STATEMENTS) : results
}

export function destroyClient(client: PgClient): void {
  const stream = (client as unknown as { connection?: { stream?: Socket } }).connection?.stream
  stream?.destroy()
}

export async function closeSession(client: PgClient): Promise<void> {
  await bounded(client.end(), {
    step: 'close',
    timeoutMs: 1000,
    onGiveUp: () => destroyClient(client),
  }).catch(() => undefined)
}

export const { escapeIdentifier, escapeLiteral } = pgUtils
