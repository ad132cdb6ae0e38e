import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import sirv from 'sirv'
import type { AddressInfo } from 'node:net'
import type { AppEvent } from '../contract/index.js'
import { dispatch, type Handlers } from '../handlers/dispatch.js'
import { CONTENT_SECURITY_POLICY } from '../hardening.js'
import {
  cookieValue,
  isAllowedHost,
  isAllowedOrigin,
  isLoopbackAddress,
  sameToken,
} from './request-checks.js'

export interface ServeOptions {
  port: number
  rendererDir: string
  /** Builds the handlers with the bridge's event sink. */
  handlers: (emit: (event: AppEvent) => void) => Handlers & { shutdown(): void }
  /** Tests only: bind elsewhere to prove the loopback check itself. The CLI always binds 127.0.0.1. */
  listenHost?: string
}

export interface RunningServe {
  url: string
  port: number
  close(): Promise<void>
}

const MAX_BODY = 1024 * 1024

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

async function readBody(req: IncomingMessage): Promise<string | null> {
  let size = 0
  const chunks: Buffer[] = []
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY) return null
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/**
 * The browser bridge: the built renderer and the contract's handlers over HTTP on loopback only. Every
 * request must come from a loopback address, name this server in Host (no DNS rebinding), carry no
 * foreign Origin, and hold the token: from the printed URL once, then in an HttpOnly SameSite cookie.
 */
export async function startServe(opts: ServeOptions): Promise<RunningServe> {
  const token = randomBytes(32).toString('base64url')
  const streams = new Set<ServerResponse>()
  const handlers = opts.handlers((event) => {
    const frame = `data: ${JSON.stringify(event)}\n\n`
    for (const res of streams) res.write(frame)
  })
  // The built renderer: sirv lists the folder once and serves only those files (no traversal, no
  // dotfiles), with the same security headers as every other answer.
  const files = sirv(opts.rendererDir, {
    etag: false,
    dotfiles: false,
    setHeaders: (res) => {
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value)
    },
  })
  let port = 0
  const cookieName = () => `klairr_session_${port}`

  const server = createServer((req, res) => {
    void (async () => {
      if (!isLoopbackAddress(req.socket.remoteAddress))
        return refuse(res, 403, 'Refused: only this machine may connect.')
      if (!isAllowedHost(req.headers.host, port))
        return refuse(res, 403, `Refused: open http://127.0.0.1:${port}/ as printed, not another host name.`)
      const origin = req.headers.origin
      if (!isAllowedOrigin(origin, port)) return refuse(res, 403, 'Refused: a request from another site.')
      const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`)
      const fromUrl = url.searchParams.get('token') ?? undefined
      if (fromUrl !== undefined) {
        if (!sameToken(fromUrl, token)) return refuse(res, 401, 'Refused: that token is not this server’s.')
        // Trade the URL's token for a cookie, and drop it from the address bar.
        res.writeHead(303, {
          ...SECURITY_HEADERS,
          Location: '/',
          'Set-Cookie': `${cookieName()}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        })
        return res.end()
      }
      if (!sameToken(cookieValue(req.headers.cookie, cookieName()), token))
        return refuse(res, 401, 'Refused: open the URL klairr-companion serve printed (it holds the token).')

      if (url.pathname === '/api/invoke') {
        if (req.method !== 'POST') return refuse(res, 405, 'Use POST.')
        if (origin === undefined) return refuse(res, 403, 'Refused: a request without an Origin.')
        if (!/^application\/json\b/.test(req.headers['content-type'] ?? ''))
          return refuse(res, 415, 'Send application/json.')
        const body = await readBody(req)
        if (body === null) return refuse(res, 413, 'The request is too large.')
        let parsed: { method?: unknown; payload?: unknown }
        try {
          parsed = JSON.parse(body) as typeof parsed
        } catch {
          return send(
            res,
            400,
            'application/json',
            JSON.stringify({
              ok: false,
              error: { code: 'invalid_request', message: 'The request is not JSON.' },
            }),
          )
        }
        const result = await dispatch(handlers, parsed?.method, parsed?.payload)
        return send(res, 200, 'application/json', JSON.stringify(result))
      }
      if (url.pathname === '/api/events') {
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
      if (req.method !== 'GET') return refuse(res, 405, 'Use GET.')
      return files(req, res, () => refuse(res, 404, 'Not found.'))
    })().catch(() => {
      if (!res.headersSent) refuse(res, 500, 'Internal error.')
      else res.end()
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port, opts.listenHost ?? '127.0.0.1', () => resolve())
  })
  port = (server.address() as AddressInfo).port
  return {
    port,
    url: `http://127.0.0.1:${port}/?token=${token}`,
    close: async () => {
      handlers.shutdown()
      for (const res of streams) res.end()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeAllConnections()
    },
  }
}
