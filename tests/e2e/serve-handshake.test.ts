import { expect } from '@playwright/test'
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Browser, BrowserContext, Page, Request } from 'playwright-core'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { launchChromium } from './browser.js'
import { startServeProcess, type ServeProcess } from './serve-process.js'

/** The renderer's key for the tab's session (src-renderer/lib/serve-session.ts). */
const SESSION_KEY = 'klairr-serve-session'

let serve: ServeProcess
let token: string
let browser: Browser
let context: BrowserContext
let page: Page
const requests: Request[] = []

/** Another web server on 127.0.0.1, as any local program could run: it keeps every request's headers. */
let other: Server
let otherOrigin: string
const otherSaw: IncomingHttpHeaders[] = []

/** One request from outside the browser, with exactly the headers given. */
function post(path: string, headers: Record<string, string>, body: string) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: serve.port, path, method: 'POST', headers, agent: false },
      (res) => {
        let text = ''
        res.on('data', (c) => (text += c))
        res.on('end', () => resolve({ status: res.statusCode!, body: text }))
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

const hasSession = (p: Page) => p.evaluate((key) => sessionStorage.getItem(key), SESSION_KEY)

beforeAll(async () => {
  serve = await startServeProcess()
  token = new URLSearchParams(new URL(serve.url).hash.slice(1)).get('token')!
  other = createServer((req, res) => {
    otherSaw.push(req.headers)
    // A cookie of its own, to show that cookies do travel between ports of 127.0.0.1.
    res.writeHead(200, { 'Content-Type': 'text/html', 'Set-Cookie': 'other_port=seen; Path=/' })
    res.end('<!doctype html><title>Another local server</title>')
  })
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve))
  otherOrigin = `http://127.0.0.1:${(other.address() as AddressInfo).port}`
  browser = await launchChromium()
  context = await browser.newContext()
  page = await context.newPage()
  page.on('request', (r) => requests.push(r))
  await page.goto(serve.url)
  await expect(page.getByRole('navigation', { name: 'Steps' })).toBeVisible()
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await serve?.stop()
  await new Promise((resolve) => other?.close(resolve))
})

describe('serve’s handshake in Chromium', () => {
  it('the token leaves the address bar, travels only in the trade’s body, and no cookie is set', async () => {
    expect(page.url()).toBe(`${serve.origin}/`)
    expect(await hasSession(page)).toMatch(/^[\w-]{43}$/)
    expect(await context.cookies()).toEqual([])
    const trades = requests.filter((r) => new URL(r.url()).pathname === '/api/session')
    expect(trades).toHaveLength(1)
    expect(trades[0]!.postData()).toBe(JSON.stringify({ token }))
    for (const r of requests) {
      const u = new URL(r.url())
      expect(`${u.pathname}${u.search}`, r.url()).not.toContain(token)
      for (const [name, value] of Object.entries(await r.allHeaders()))
        expect(value, `${name} of ${r.url()}`).not.toContain(token)
    }
    const invokes = requests.filter((r) => r.url().endsWith('/api/invoke'))
    expect(invokes.length).toBeGreaterThan(0)
    for (const r of invokes) expect(await r.headerValue('x-klairr-session')).toBe(await hasSession(page))
  })

  it('a page on another 127.0.0.1 port, with every cookie the browser holds and the bridge’s Origin, cannot call /api/invoke', async () => {
    const foreign = await context.newPage()
    await foreign.goto(otherOrigin)
    await foreign.reload()
    // The other server receives the browser's cookies for 127.0.0.1 (its own), and none from the bridge.
    const cookieHeaders = otherSaw.map((h) => h.cookie).filter((c): c is string => Boolean(c))
    expect(cookieHeaders).toContain('other_port=seen')
    const jar = await context.cookies()
    expect(jar.map((c) => c.name)).toEqual(['other_port'])
    // From its page, the browser itself refuses to let it read the bridge's answer.
    const fromPage = await foreign.evaluate(async (bridge) => {
      try {
        const r = await fetch(`${bridge}/api/invoke`, {
          method: 'POST',
          credentials: 'include',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ method: 'listConnectors', payload: {} }),
        })
        return `answered ${r.status}`
      } catch {
        return 'blocked'
      }
    }, serve.origin)
    expect(fromPage).toBe('blocked')
    // Replayed outside the browser with the bridge's own Origin and every cookie: still refused.
    const cookie = [...new Set([...cookieHeaders, ...jar.map((c) => `${c.name}=${c.value}`)])].join('; ')
    const replay = await post(
      '/api/invoke',
      {
        Host: `127.0.0.1:${serve.port}`,
        Origin: serve.origin,
        Cookie: cookie,
        'Content-Type': 'application/json',
      },
      JSON.stringify({ method: 'listConnectors', payload: {} }),
    )
    expect(replay.status).toBe(401)
    expect(replay.body).toMatch(/^Refused: this page has no session/)
    // The other port's page cannot read the bridge tab's sessionStorage: it is another origin.
    expect(await foreign.evaluate(() => Object.keys(sessionStorage))).toEqual([])
    await foreign.close()
    // Only the bridge's own tab, with its header, is answered.
    const own = await page.evaluate(async (key) => {
      const r = await fetch('/api/invoke', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Klairr-Session': sessionStorage.getItem(key)! },
        body: JSON.stringify({ method: 'listConnectors', payload: {} }),
      })
      return r.status
    }, SESSION_KEY)
    expect(own).toBe(200)
  })

  it('the printed URL does not work a second time: not in another tab, not in a fresh browser, not outside one', async () => {
    const tab = await context.newPage()
    const freshContext = await browser.newContext()
    const fresh = await freshContext.newPage()
    for (const p of [tab, fresh]) {
      await p.goto(serve.url)
      await expect(p.getByTestId('no-session')).toContainText('this link was already used')
      await expect(p.getByRole('navigation', { name: 'Steps' })).toHaveCount(0)
      expect(p.url()).toBe(`${serve.origin}/`)
      expect(await hasSession(p)).toBeNull()
    }
    await freshContext.close()
    await tab.close()
    const again = await post(
      '/api/session',
      { Host: `127.0.0.1:${serve.port}`, Origin: serve.origin, 'Content-Type': 'application/json' },
      JSON.stringify({ token }),
    )
    expect(again.status).toBe(410)
    // The tab that traded it keeps working, through a reload too,
    await page.reload()
    await expect(page.getByRole('navigation', { name: 'Steps' })).toBeVisible()
    await expect(page.getByTestId('no-session')).toHaveCount(0)
    // and when the used URL is pasted into it again (only the fragment changes: the tab reloads to
    // trade it, is refused, keeps its own session and drops the fragment).
    const secret = await hasSession(page)
    await Promise.all([page.waitForEvent('load'), page.goto(serve.url)])
    await expect.poll(() => page.url()).toBe(`${serve.origin}/`)
    await expect(page.getByRole('navigation', { name: 'Steps' })).toBeVisible()
    await expect(page.getByTestId('no-session')).toHaveCount(0)
    expect(await hasSession(page)).toBe(secret)
  })

  it('the server never printed more than its one URL and wrote no request to its output', () => {
    expect(serve.output().split(token)).toHaveLength(2)
    expect(serve.output()).not.toContain('/api/')
  })
})
