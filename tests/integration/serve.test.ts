import { request } from 'node:http'
import { connect, type Socket } from 'node:net'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { networkInterfaces, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppEvent } from '../../src-main/contract/index.js'
import {
  SERVE_LIMITS,
  SESSION_HEADER,
  startServe,
  type RunningServe,
  type ServeLimits,
} from '../../src-main/serve/server.js'
import { isAllowedHost, isAllowedOrigin, isLoopbackAddress } from '../../src-main/serve/request-checks.js'
import { testHandlers } from '../support/test-handlers.js'
import { httpRequest, type HttpReply } from '../support/serve-client.js'
import { runCli } from './cli-run.js'

type Reply = HttpReply

/** Every answer any server gave in this file: none may set a cookie. */
const replies: Reply[] = []

/** One HTTP request with exactly the headers given, recorded for the no-cookie check. */
const send = async (port: number, opts: Parameters<typeof httpRequest>[1] = {}): Promise<Reply> => {
  const reply = await httpRequest(port, opts)
  replies.push(reply)
  return reply
}

function rendererDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'klairr-renderer-'))
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Klairr Companion</title>')
  writeFileSync(join(dir, 'app.js'), 'console.log(1)')
  return dir
}

const nonLoopbackAddress = () =>
  Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal)?.address

const linkToken = (s: RunningServe) => new URLSearchParams(new URL(s.url).hash.slice(1)).get('token')!

/** POST /api/session as the bridge's own page would, with the headers given on top. */
const trade = (s: RunningServe, token: string, headers: Record<string, string> = {}) =>
  send(s.port, {
    path: '/api/session',
    method: 'POST',
    headers: {
      Host: `127.0.0.1:${s.port}`,
      Origin: `http://127.0.0.1:${s.port}`,
      'Content-Type': 'application/json',
      ...headers,
    },
    body: JSON.stringify({ token }),
  })

let serve: RunningServe
let token: string
let session: string
let emit: (event: AppEvent) => void
const host = () => `127.0.0.1:${serve.port}`
const origin = () => `http://${host()}`
const withSession = () => ({ Host: host(), Origin: origin(), [SESSION_HEADER]: session })
const invoke = (
  headers: Record<string, string>,
  body = JSON.stringify({ method: 'listConnectors', payload: {} }),
) =>
  send(serve.port, {
    path: '/api/invoke',
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body,
  })

const started: RunningServe[] = []
async function freshServe(limits?: Partial<ServeLimits>, listenHost?: string): Promise<RunningServe> {
  const s = await startServe({
    port: 0,
    rendererDir: rendererDir(),
    handlers: () => testHandlers().handlers,
    ...(limits ? { limits } : {}),
    ...(listenHost ? { listenHost } : {}),
  })
  started.push(s)
  return s
}

beforeAll(async () => {
  serve = await startServe({
    port: 0,
    rendererDir: rendererDir(),
    handlers: (sink) => {
      emit = sink
      return testHandlers().handlers
    },
  })
  token = linkToken(serve)
  const r = await trade(serve, token)
  expect(r.status).toBe(200)
  session = (JSON.parse(r.body) as { session: string }).session
})
afterAll(async () => {
  await serve?.close()
  for (const s of started) await s.close()
})

describe('serve: the handshake', () => {
  it('prints a loopback URL with a long one-time token in its fragment, never in its path or query', () => {
    expect(serve.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${serve.port}/#token=[\\w-]{43}$`))
    expect(new URL(serve.url).search).toBe('')
  })

  it('serves the page itself without any secret (it holds none), and sets no cookie', async () => {
    const page = await send(serve.port, { headers: { Host: host() } })
    expect(page.status).toBe(200)
    expect(page.body).toContain('Klairr Companion')
    expect(page.headers['set-cookie']).toBeUndefined()
    expect(page.headers['content-security-policy']).toContain("default-src 'none'")
    expect(page.headers['referrer-policy']).toBe('no-referrer')
  })

  it('trades the link’s token for a 43-character session secret in the body, with no cookie', async () => {
    const s = await freshServe()
    const r = await trade(s, linkToken(s))
    expect(r.status).toBe(200)
    expect(r.headers['set-cookie']).toBeUndefined()
    expect(r.headers['cache-control']).toBe('no-store')
    const secret = (JSON.parse(r.body) as { session: string }).session
    expect(secret).toMatch(/^[\w-]{43}$/)
    expect(secret).not.toBe(linkToken(s))
  })

  it('refuses the token a second time (410), and the first session still works', async () => {
    const again = await trade(serve, token)
    expect(again.status).toBe(410)
    expect(again.body).toMatch(/^Refused: this link was already used\./)
    expect(again.body).toContain('someone else did')
    expect((await invoke(withSession())).status).toBe(200)
  })

  it('gives the token to exactly one of several pages racing for it', async () => {
    const s = await freshServe()
    const answers = await Promise.all(Array.from({ length: 8 }, () => trade(s, linkToken(s))))
    expect(answers.map((a) => a.status).sort()).toEqual([200, 410, 410, 410, 410, 410, 410, 410])
  })

  it.each([
    ['a wrong token', { token: 'guess' }, {}, 401],
    ['no Origin', {}, { Origin: '' }, 403],
    ['another port’s Origin', {}, { Origin: 'http://127.0.0.1:1' }, 403],
    ['not JSON', {}, { 'Content-Type': 'text/plain' }, 415],
  ] as const)('refuses a trade with %s', async (_what, body, headers, status) => {
    const s = await freshServe()
    const h: Record<string, string> = { ...headers }
    for (const [k, v] of Object.entries(h)) if (v === '') delete h[k]
    const r = await send(s.port, {
      path: '/api/session',
      method: 'POST',
      headers: {
        Host: `127.0.0.1:${s.port}`,
        'Content-Type': 'application/json',
        ...('Origin' in headers ? {} : { Origin: `http://127.0.0.1:${s.port}` }),
        ...h,
      },
      body: JSON.stringify({ token: linkToken(s), ...body }),
    })
    expect(r.status).toBe(status)
    // A refused trade does not use the token up.
    expect((await trade(s, linkToken(s))).status).toBe(200)
  })

  it('refuses a trade over 1 KB, or by GET', async () => {
    const s = await freshServe()
    expect((await trade(s, 'x'.repeat(2048))).status).toBe(413)
    const get = await send(s.port, {
      path: `/api/session`,
      headers: { Host: `127.0.0.1:${s.port}`, Origin: `http://127.0.0.1:${s.port}` },
    })
    expect(get.status).toBe(405)
  })
})

describe('serve: who may call the API', () => {
  it('refuses the API without the session header, even with the bridge’s Origin and every cookie', async () => {
    const cookies = [
      `klairr_session_${serve.port}=${token}`,
      `klairr_session_${serve.port}=${session}`,
      `session=${session}`,
      `${SESSION_HEADER}=${session}`,
    ].join('; ')
    const r = await invoke({ Host: host(), Origin: origin(), Cookie: cookies })
    expect(r.status).toBe(401)
    expect(r.body).toMatch(/^Refused: this page has no session/)
  })

  it.each([
    ['a wrong secret', 'guess'],
    ['the link’s token instead of the secret', () => token],
    ['an empty header', ''],
  ])('refuses the API with %s', async (_what, value) => {
    const v = typeof value === 'function' ? value() : value
    expect((await invoke({ Host: host(), Origin: origin(), [SESSION_HEADER]: v })).status).toBe(401)
    const events = await send(serve.port, {
      path: '/api/events',
      headers: { Host: host(), [SESSION_HEADER]: v },
    })
    expect(events.status).toBe(401)
  })

  it('refuses the API with no session at all before any trade', async () => {
    const s = await freshServe()
    const r = await send(s.port, {
      path: '/api/invoke',
      method: 'POST',
      headers: {
        Host: `127.0.0.1:${s.port}`,
        Origin: `http://127.0.0.1:${s.port}`,
        'Content-Type': 'application/json',
        [SESSION_HEADER]: '',
      },
      body: '{"method":"listConnectors","payload":{}}',
    })
    expect(r.status).toBe(401)
  })

  it.each(['evil.example', `evil.example:${0}`, 'localhost.evil.example', '127.0.0.1:1', '0.0.0.0'])(
    'refuses a foreign Host (DNS rebinding): %s',
    async (foreign) => {
      const hostHeader = foreign.endsWith(':0') ? foreign.replace(':0', `:${serve.port}`) : foreign
      const r = await send(serve.port, { headers: { ...withSession(), Host: hostHeader } })
      expect(r.status).toBe(403)
      expect(r.body).toContain('another host name')
      expect((await trade(serve, token, { Host: hostHeader })).status).toBe(403)
    },
  )

  it.each(['http://evil.example', 'null', 'http://127.0.0.1:1', 'https://127.0.0.1'])(
    'refuses a foreign Origin, even with the session: %s',
    async (foreign) => {
      const r = await invoke({ ...withSession(), Origin: foreign })
      expect(r.status).toBe(403)
      expect(r.body).toContain('another site')
    },
  )

  it('refuses an API call without an Origin, or not as JSON', async () => {
    const { Origin: _, ...noOrigin } = withSession()
    expect((await invoke(noOrigin)).status).toBe(403)
    expect((await invoke({ ...withSession(), 'Content-Type': 'text/plain' })).status).toBe(415)
  })

  it('answers the contract’s API from its own page with the session header', async () => {
    const r = await invoke(withSession())
    expect(r.status).toBe(200)
    expect(JSON.parse(r.body)).toEqual({
      ok: true,
      value: { connectors: [], vaultWarning: null, basicTextConsent: 'not_needed' },
    })
    const bad = await invoke(withSession(), '{"method":"runQuery","payload":{}}')
    expect(JSON.parse(bad.body)).toMatchObject({ ok: false, error: { code: 'invalid_request' } })
  })

  it('streams events to the session holder', async () => {
    const frames = await new Promise<string>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: serve.port, path: '/api/events', headers: withSession(), agent: false },
        (res) => {
          expect(res.statusCode).toBe(200)
          expect(res.headers['content-type']).toBe('text/event-stream')
          let text = ''
          res.on('data', (c) => {
            text += c
            if (text.includes('data: ')) {
              req.destroy()
              resolve(text)
            }
          })
          emit({ type: 'check_started', jobId: 'j1', id: 'network' })
        },
      )
      req.on('error', reject)
      req.end()
    })
    expect(frames).toContain('data: {"type":"check_started","jobId":"j1","id":"network"}\n\n')
  })

  it('refuses a body over 1 MB, and serves no file outside the renderer', async () => {
    const big = await invoke(withSession(), 'x'.repeat(1024 * 1024 + 1))
    expect(big.status).toBe(413)
    for (const path of [
      '/../../../../etc/passwd',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/..%2f..%2fetc%2fpasswd',
      '/app.js%00.html',
    ])
      expect((await send(serve.port, { path, headers: { Host: host() } })).status, path).toBe(404)
    expect((await send(serve.port, { path: '/app.js', headers: { Host: host() } })).status).toBe(200)
    expect((await send(serve.port, { path: '/api/nothing', headers: withSession() })).status).toBe(404)
  })

  it('is not reachable on this machine’s other addresses', async () => {
    const other = nonLoopbackAddress()
    if (!other) return
    await expect(send(serve.port, { host: other, headers: { Host: host() } })).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    })
  })

  it('refuses a peer that is not loopback, even where the socket could be reached', async () => {
    const other = nonLoopbackAddress()
    expect(other, 'this test needs a non-loopback IPv4 address').toBeDefined()
    const open = await freshServe(undefined, '0.0.0.0')
    for (const r of [
      await send(open.port, { host: other, headers: { Host: `127.0.0.1:${open.port}` } }),
      await send(open.port, {
        host: other,
        path: '/api/session',
        method: 'POST',
        headers: {
          Host: `127.0.0.1:${open.port}`,
          Origin: `http://127.0.0.1:${open.port}`,
          'Content-Type': 'application/json',
        },
        body: JSON.stringify({ token: linkToken(open) }),
      }),
    ]) {
      expect(r.status).toBe(403)
      expect(r.body).toContain('only this machine')
    }
  })

  it('the checks themselves', () => {
    expect(['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1'].every(isLoopbackAddress)).toBe(true)
    expect(['10.0.0.5', '::ffff:10.0.0.5', '192.168.1.2', '', undefined, '::'].some(isLoopbackAddress)).toBe(
      false,
    )
    expect(isAllowedHost('LOCALHOST:80', 80)).toBe(true)
    expect(isAllowedHost(undefined, 80)).toBe(false)
    expect(isAllowedOrigin(undefined, 80)).toBe(true)
    expect(isAllowedOrigin('http://localhost:81', 80)).toBe(false)
  })
})

/** A raw socket to the server, and how long until the server closed it, with what it wrote. */
function rawClient(port: number): Promise<{
  socket: Socket
  closed: Promise<{ afterMs: number; text: string }>
}> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let text = ''
    const at = Date.now()
    const closed = new Promise<{ afterMs: number; text: string }>((done) => {
      socket.on('data', (c) => (text += c))
      socket.on('close', () => done({ afterMs: Date.now() - at, text }))
    })
    socket.on('error', () => undefined)
    socket.once('connect', () => resolve({ socket, closed }))
    socket.once('error', reject)
  })
}

describe('serve: caps and timeouts', () => {
  it('holds a connection cap and short header and request timeouts by default', () => {
    expect(serve.limits).toEqual(SERVE_LIMITS)
    expect(SERVE_LIMITS.maxConnections).toBeGreaterThanOrEqual(16)
    expect(SERVE_LIMITS.maxConnections).toBeLessThanOrEqual(64)
    // Node's own defaults are 60 s for headers and 300 s for the request.
    expect(SERVE_LIMITS.headersTimeoutMs).toBeLessThanOrEqual(10_000)
    expect(SERVE_LIMITS.requestTimeoutMs).toBeLessThanOrEqual(30_000)
    expect(SERVE_LIMITS.headersTimeoutMs).toBeLessThanOrEqual(SERVE_LIMITS.requestTimeoutMs)
  })

  it('drops a client that never finishes its headers (408), within the header timeout', async () => {
    const s = await freshServe({ headersTimeoutMs: 400, requestTimeoutMs: 800 })
    const { socket, closed } = await rawClient(s.port)
    socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\n`)
    const { afterMs, text } = await closed
    expect(text).toMatch(/^HTTP\/1\.1 408/)
    expect(afterMs).toBeGreaterThanOrEqual(350)
    expect(afterMs).toBeLessThan(2_500)
  })

  it('drops a client that trickles its body (408), within the request timeout', async () => {
    const s = await freshServe({ headersTimeoutMs: 400, requestTimeoutMs: 800 })
    const { socket, closed } = await rawClient(s.port)
    socket.write(
      `POST /api/session HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\nOrigin: http://127.0.0.1:${s.port}\r\n` +
        `Content-Type: application/json\r\nContent-Length: 200\r\n\r\n{"token":`,
    )
    const drip = setInterval(() => socket.writable && socket.write(' '), 100)
    const { afterMs, text } = await closed
    clearInterval(drip)
    expect(text).toMatch(/^HTTP\/1\.1 408/)
    expect(afterMs).toBeLessThan(3_000)
    // The token was not used up by the dropped request.
    expect((await trade(s, linkToken(s))).status).toBe(200)
  })

  it('an event stream outlives the request timeout', async () => {
    let sink!: (event: AppEvent) => void
    const s = await startServe({
      port: 0,
      rendererDir: rendererDir(),
      handlers: (e) => {
        sink = e
        return testHandlers().handlers
      },
      limits: { headersTimeoutMs: 300, requestTimeoutMs: 600 },
    })
    started.push(s)
    const secret = (JSON.parse((await trade(s, linkToken(s))).body) as { session: string }).session
    const text = await new Promise<string>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: s.port,
          path: '/api/events',
          headers: { Host: `127.0.0.1:${s.port}`, [SESSION_HEADER]: secret },
          agent: false,
        },
        (res) => {
          let got = ''
          res.on('data', (c) => {
            got += c
            if (got.includes('data: ')) {
              req.destroy()
              resolve(got)
            }
          })
          res.on('close', () => reject(new Error(`the stream closed: ${got}`)))
          setTimeout(() => sink({ type: 'check_started', jobId: 'late', id: 'network' }), 2_000)
        },
      )
      req.on('error', reject)
      req.end()
    })
    expect(text).toContain('"jobId":"late"')
  })

  it('accepts no more connections than the cap, and again once one closes', async () => {
    const s = await freshServe({ maxConnections: 2 })
    const held = [await rawClient(s.port), await rawClient(s.port)]
    for (const h of held) h.socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\n`)
    const over = await rawClient(s.port)
    over.socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\n\r\n`)
    const { text } = await over.closed
    expect(text).toBe('')
    held[0]!.socket.destroy()
    await held[0]!.closed
    await new Promise((r) => setTimeout(r, 50))
    expect((await send(s.port, { headers: { Host: `127.0.0.1:${s.port}` } })).status).toBe(200)
    held[1]!.socket.destroy()
  })
})

describe('serve: no cookie, ever', () => {
  it('no answer in this file set a cookie', () => {
    expect(replies.length).toBeGreaterThan(30)
    expect(replies.filter((r) => r.headers['set-cookie'] !== undefined)).toEqual([])
  })
})

describe('klairr-companion serve, as an admin runs it', () => {
  it('refuses a bad port in one line, and explains itself with --help', async () => {
    const bad = await runCli(['serve', '--port', 'eighty'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toBe(
      'klairr-companion serve: --port must be a whole number from 0 to 65535, not "eighty"\n',
    )
    const help = await runCli(['serve', '--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('127.0.0.1 only')
    expect(help.stdout).toContain('one-time token')
    expect(help.stdout).toContain('No cookie is set.')
  })
})
