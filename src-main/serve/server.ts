import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import sirv from 'sirv'
import type { AddressInfo } from 'node:net'
import type { AppEvent } from '../contract/index.js'
import { dispatch, type Handlers } from '../handlers/dispatch.js'
import { CONTENT_SECURITY_POLICY } from '../hardening.js'
import { isAllowedHost, isAllowedOrigin, isLoopbackAddress, sameToken } from './request-checks.js'

/** The request header that carries the tab's session secret on every API call (never a cookie). */
export const SESSION_HEADER = 'x-klairr-session'

/** How many sockets the bridge holds at once, and how long a client may take to send a request. */
export interface ServeLimits {
  maxConnections: number
  /** From the connection (or the previous request on it) to the end of the headers. */
  headersTimeoutMs: number
  /** To the end of the whole request, body included. */
  requestTimeoutMs: number
}

/** One browser tab needs a handful of sockets; a request is a few kilobytes from this machine. */
export const SERVE_LIMITS: ServeLimits = {
  maxConnections: 32,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 20_000,
}

export interface ServeOptions {
  port: number
  rendererDir: string
  /** Builds the handlers with the bridge's event sink. */
  handlers: (emit: (event: AppEvent) => void) => Handlers & { shutdown(): void }
  /** Tests only: bind elsewhere to prove the loopback check itself. The CLI always binds 127.0.0.1. */
  listenHost?: string
  /** Tests only: smaller limits, to prove them without waiting. */
  limits?: Partial<ServeLimits>
}

export interface RunningServe {
  /** The URL to open once: the one-time token is in its fragment (`#token=…`), never sent to a server. */
  url: string
  port: number
  /** The limits as the HTTP server holds them. */
  limits: ServeLimits
  close(): Promise<void>
}

const MAX_BODY = 1024 * 1024
/** The trade's body is `{"token":"…"}`. */
const MAX_SESSION_BODY = 1024
/** Node checks the header and request timeouts this often (its default is 30 s). */
const TIMEOUT_CHECK_MS = 1000

const SECURITY_HEADERS = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
}

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string | Buffer,
  extra: Record<string, string> = {},
) {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, ...extra })
  res.end(body)
}

const refuse = (res: ServerResponse, status: number, message: string) =>
  send(res, status, 'text/plain; charset=utf-8', `${message}\n`)

const json = (res: ServerResponse, status: number, value: unknown) =>
  send(res, status, 'application/json', JSON.stringify(value))

async function readBody(req: IncomingMessage, max: number): Promise<string | null> {
  let size = 0
  const chunks: Buffer[] = []
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > max) return null
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

const secret = () => randomBytes(32).toString('base64url')

const NO_SESSION =
  'Refused: this page has no session with klairr-companion serve. Open the URL it printed (each URL works once).'
const LINK_USED =
  'Refused: this link was already used. Each URL klairr-companion serve prints works once, in the first tab that opens it: go back to that tab, or stop serve (Ctrl-C) and start it again for a new URL. If you did not open it yourself, someone else did: stop serve now.'
const NOT_OUR_LINK = 'Refused: that is not the token in the URL klairr-companion serve printed.'

/**
 * The browser bridge: the built renderer and the contract's handlers over HTTP on loopback only. Every
 * request must come from a loopback address, name this server in Host (no DNS rebinding) and carry no
 * foreign Origin. The printed URL holds a one-time token in its fragment; the page trades it once
 * (POST /api/session) for the session secret, keeps that in its tab (sessionStorage) and sends it in
 * the `X-Klairr-Session` header on every API call. No cookie is ever set: cookies are shared by every
 * port of 127.0.0.1.
 */
export async function startServe(opts: ServeOptions): Promise<RunningServe> {
  const limits = { ...SERVE_LIMITS, ...opts.limits }
  /** The printed URL's token: good for one trade, then dead. */
  const linkToken = secret()
  let linkUsed = false
  /** The one session, once the link has been traded. */
  let session: string | null = null
  const streams = new Set<ServerResponse>()
  const handlers = opts.handlers((event) => {
    const frame = `data: ${JSON.stringify(event)}\n\n`
    for (const res of streams) res.write(frame)
  })
  // The built renderer: sirv lists the folder once and serves only those files (no traversal, no
  // dotfiles), with the same security headers as every other answer. The files hold no secret: the
  // page needs them before it has a session.
  const files = sirv(opts.rendererDir, {
    etag: false,
    dotfiles: false,
    setHeaders: (res) => {
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value)
    },
  })
  let port = 0

  /** POST /api/session {"token": "…"}: the printed URL's token, once, for the session secret. */
  const trade = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req, MAX_SESSION_BODY)
    if (body === null) return refuse(res, 413, 'The request is too large.')
    let given: unknown
    try {
      given = (JSON.parse(body) as { token?: unknown } | null)?.token
    } catch {
      return refuse(res, 400, 'Send {"token": "…"} as JSON.')
    }
    if (typeof given !== 'string') return refuse(res, 400, 'Send {"token": "…"} as JSON.')
    if (!sameToken(given, linkToken)) return refuse(res, 401, NOT_OUR_LINK)
    if (linkUsed) return refuse(res, 410, LINK_USED)
    linkUsed = true
    session = secret()
    return json(res, 200, { session })
  }

  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(TIMEOUT_CHECK_MS, limits.headersTimeoutMs),
    },
    (req, res) => {
      void (async () => {
        if (!isLoopbackAddress(req.socket.remoteAddress))
          return refuse(res, 403, 'Refused: only this machine may connect.')
        if (!isAllowedHost(req.headers.host, port))
          return refuse(
            res,
            403,
            `Refused: open http://127.0.0.1:${port}/ as printed, not another host name.`,
          )
        const origin = req.headers.origin
        if (!isAllowedOrigin(origin, port)) return refuse(res, 403, 'Refused: a request from another site.')
        const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`)

        if (url.pathname === '/api/session') {
          if (req.method !== 'POST') return refuse(res, 405, 'Use POST.')
          if (origin === undefined) return refuse(res, 403, 'Refused: a request without an Origin.')
          if (!/^application\/json\b/.test(req.headers['content-type'] ?? ''))
            return refuse(res, 415, 'Send application/json.')
          return await trade(req, res)
        }
        if (url.pathname.startsWith('/api/')) {
          const given = req.headers[SESSION_HEADER]
          if (!sameToken(typeof given === 'string' ? given : undefined, session))
            return refuse(res, 401, NO_SESSION)
        }

        if (url.pathname === '/api/invoke') {
          if (req.method !== 'POST') return refuse(res, 405, 'Use POST.')
          if (origin === undefined) return refuse(res, 403, 'Refused: a request without an Origin.')
          if (!/^application\/json\b/.test(req.headers['content-type'] ?? ''))
            return refuse(res, 415, 'Send application/json.')
          const body = await readBody(req, MAX_BODY)
          if (body === null) return refuse(res, 413, 'The request is too large.')
          let parsed: { method?: unknown; payload?: unknown }
          try {
            parsed = JSON.parse(body) as typeof parsed
          } catch {
            return json(res, 400, {
              ok: false,
              error: { code: 'invalid_request', message: 'The request is not JSON.' },
            })
          }
          const result = await dispatch(handlers, parsed?.method, parsed?.payload)
          return json(res, 200, result)
        }
        if (url.pathname === '/api/events') {
          if (req.method !== 'GET') return refuse(res, 405, 'Use GET.')
          res.writeHead(200, {
            ...SECURITY_HEADERS,
            'Content-Type': 'text/event-stream',
            Connection: 'keep-alive',
          })
          res.write(': connected\n\n')
          streams.add(res)
          req.on('close', () => streams.delete(res))
          return
        }
        if (url.pathname.startsWith('/api/')) return refuse(res, 404, 'Not found.')
        if (req.method !== 'GET') return refuse(res, 405, 'Use GET.')
        return files(req, res, () => refuse(res, 404, 'Not found.'))
      })().catch(() => {
        if (!res.headersSent) refuse(res, 500, 'Internal error.')
        else res.end()
      })
    },
  )
  server.maxConnections = limits.maxConnections
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port, opts.listenHost ?? '127.0.0.1', () => resolve())
  })
  port = (server.address() as AddressInfo).port
  return {
    port,
    url: `http://127.0.0.1:${port}/#token=${linkToken}`,
    limits: {
      maxConnections: server.maxConnections,
      headersTimeoutMs: server.headersTimeout,
      requestTimeoutMs: server.requestTimeout,
    },
    close: async () => {
      handlers.shutdown()
      for (const res of streams) res.end()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeAllConnections()
    },
  }
}
