import { request } from 'node:http'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { networkInterfaces, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServe, type RunningServe } from '../../src-main/serve/server.js'
import { isAllowedHost, isAllowedOrigin, isLoopbackAddress } from '../../src-main/serve/request-checks.js'
import { testHandlers } from '../support/test-handlers.js'
import { runCli } from './cli-run.js'

interface Reply {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

/** One HTTP request with exactly the headers given (fetch would not let a test set Host). */
function send(
  port: number,
  opts: {
    path?: string
    method?: string
    headers?: Record<string, string>
    body?: string
    host?: string
  } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: opts.host ?? '127.0.0.1',
        port,
        path: opts.path ?? '/',
        method: opts.method ?? 'GET',
        headers: opts.headers,
      },
      (res) => {
        let body = ''
        res.on('data', (c) => (body += c))
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }))
      },
    )
    req.on('error', reject)
    req.end(opts.body)
  })
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

let serve: RunningServe
let token: string
let cookie: string
const host = () => `127.0.0.1:${serve.port}`
const origin = () => `http://${host()}`
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

beforeAll(async () => {
  serve = await startServe({ port: 0, rendererDir: rendererDir(), handlers: () => testHandlers().handlers })
  token = new URL(serve.url).searchParams.get('token')!
  const r = await send(serve.port, { path: `/?token=${token}`, headers: { Host: host() } })
  cookie = String(r.headers['set-cookie']).split(';')[0]!
})
afterAll(() => serve?.close())

describe('serve: who may talk to it', () => {
  it('prints a loopback URL with a long random token, and listens on loopback only', () => {
    expect(serve.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${serve.port}/\\?token=[\\w-]{43}$`))
  })

  it('trades the URL’s token for an HttpOnly, SameSite=Strict cookie and drops it from the address bar', async () => {
    const r = await send(serve.port, { path: `/?token=${token}`, headers: { Host: host() } })
    expect(r.status).toBe(303)
    expect(r.headers.location).toBe('/')
    expect(String(r.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict; Path=\//)
    const page = await send(serve.port, { headers: { Host: host(), Cookie: cookie } })
    expect(page.status).toBe(200)
    expect(page.body).toContain('Klairr Companion')
    expect(page.headers['content-security-policy']).toContain("default-src 'none'")
    expect(page.headers['referrer-policy']).toBe('no-referrer')
  })

  it.each([
    ['no token at all', {}, '/'],
    ['a wrong token in the URL', {}, '/?token=guess'],
    ['a wrong cookie', { Cookie: 'klairr_session_1=guess' }, '/'],
  ])('refuses %s (401)', async (_what, headers, path) => {
    const r = await send(serve.port, { path, headers: { Host: host(), ...headers } })
    expect(r.status).toBe(401)
    expect(r.body).toMatch(/^Refused: /)
  })

  it('refuses the API without the token, even with a good Origin', async () => {
    const r = await invoke({ Host: host(), Origin: origin() })
    expect(r.status).toBe(401)
  })

  it.each(['evil.example', `evil.example:${0}`, 'localhost.evil.example', '127.0.0.1:1', '0.0.0.0'])(
    'refuses a foreign Host (DNS rebinding): %s',
    async (foreign) => {
      const hostHeader = foreign.endsWith(':0') ? foreign.replace(':0', `:${serve.port}`) : foreign
      const r = await send(serve.port, { headers: { Host: hostHeader, Cookie: cookie } })
      expect(r.status).toBe(403)
      expect(r.body).toContain('another host name')
    },
  )

  it.each(['http://evil.example', 'null', 'http://127.0.0.1:1', 'https://127.0.0.1'])(
    'refuses a foreign Origin: %s',
    async (foreign) => {
      const r = await invoke({ Host: host(), Cookie: cookie, Origin: foreign })
      expect(r.status).toBe(403)
      expect(r.body).toContain('another site')
    },
  )

  it('refuses an API call without an Origin, or not as JSON', async () => {
    expect((await invoke({ Host: host(), Cookie: cookie })).status).toBe(403)
    expect(
      (await invoke({ Host: host(), Cookie: cookie, Origin: origin(), 'Content-Type': 'text/plain' })).status,
    ).toBe(415)
  })

  it('answers the contract’s API from its own page', async () => {
    const r = await invoke({ Host: host(), Cookie: cookie, Origin: origin() })
    expect(r.status).toBe(200)
    expect(JSON.parse(r.body)).toEqual({
      ok: true,
      value: { connectors: [], vaultWarning: null, basicTextConsent: 'not_needed' },
    })
    const bad = await invoke(
      { Host: host(), Cookie: cookie, Origin: origin() },
      '{"method":"runQuery","payload":{}}',
    )
    expect(JSON.parse(bad.body)).toMatchObject({ ok: false, error: { code: 'invalid_request' } })
  })

  it('refuses a body over 1 MB, and serves no file outside the renderer', async () => {
    const big = await invoke({ Host: host(), Cookie: cookie, Origin: origin() }, 'x'.repeat(1024 * 1024 + 1))
    expect(big.status).toBe(413)
    for (const path of [
      '/../../../../etc/passwd',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/..%2f..%2fetc%2fpasswd',
      '/app.js%00.html',
    ])
      expect((await send(serve.port, { path, headers: { Host: host(), Cookie: cookie } })).status, path).toBe(
        404,
      )
    expect(
      (await send(serve.port, { path: '/app.js', headers: { Host: host(), Cookie: cookie } })).status,
    ).toBe(200)
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
    const open = await startServe({
      port: 0,
      rendererDir: rendererDir(),
      handlers: () => testHandlers().handlers,
      listenHost: '0.0.0.0',
    })
    try {
      const t = new URL(open.url).searchParams.get('token')!
      const r = await send(open.port, {
        host: other,
        path: `/?token=${t}`,
        headers: { Host: `127.0.0.1:${open.port}` },
      })
      expect(r.status).toBe(403)
      expect(r.body).toContain('only this machine')
    } finally {
      await open.close()
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
  })
})
