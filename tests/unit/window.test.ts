import { readFileSync } from 'node:fs'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { CONTENT_SECURITY_POLICY, hardenContents, type ContentsLike } from '../../src-main/hardening.js'

// The Electron binary cannot run here: a stand-in BrowserWindow records what the app asks of it.
const created: {
  options: Record<string, unknown>
  loaded: string[]
  probe: ReturnType<typeof fakeContents>
}[] = []
const opened: string[] = []
vi.mock('electron', () => ({
  BrowserWindow: class {
    webContents: ContentsLike
    constructor(options: Record<string, unknown>) {
      const probe = fakeContents()
      this.webContents = probe.contents
      created.push({ options, loaded: [], probe })
    }
    once() {}
    loadURL(url: string) {
      created.at(-1)!.loaded.push(url)
      return Promise.resolve()
    }
  },
  shell: { openExternal: (url: string) => opened.push(url) },
}))

/** A stand-in for webContents and its session that records what the hardening installs. */
function fakeContents() {
  const listeners: Record<string, (event: { preventDefault(): void }) => void> = {}
  let openHandler: ((d: { url: string }) => { action: 'deny' }) | undefined
  let requestHandler: ((c: unknown, p: string, cb: (granted: boolean) => void) => void) | undefined
  let checkHandler: (() => boolean) | undefined
  let headers: Parameters<ContentsLike['session']['webRequest']['onHeadersReceived']>[0] | undefined
  const contents: ContentsLike = {
    on: (event, l) => void (listeners[event] = l),
    setWindowOpenHandler: (h) => void (openHandler = h),
    session: {
      setPermissionRequestHandler: (h) => void (requestHandler = h),
      setPermissionCheckHandler: (h) => void (checkHandler = h),
      webRequest: { onHeadersReceived: (l) => void (headers = l) },
    },
  }
  return {
    contents,
    listeners,
    open: () => openHandler!,
    request: () => requestHandler!,
    check: () => checkHandler!,
    headers: () => headers!,
  }
}

describe('the window', () => {
  beforeEach(() => void (created.length = 0))

  it('is isolated and sandboxed, with no Node anywhere in the renderer, and shows the packaged page', async () => {
    const { createMainWindow } = await import('../../src-main/window.js')
    createMainWindow()
    const [{ options, loaded }] = created as [(typeof created)[0]]
    expect(options.webPreferences).toEqual({
      preload: expect.stringMatching(/preload[/\\]index\.cjs$/),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      disableBlinkFeatures: 'Auxclick',
    })
    expect(loaded).toEqual([expect.stringMatching(/^file:\/\/.*renderer\/index\.html$/)])
  })

  it('the window it creates is hardened: navigation blocked, no new window, permissions denied', async () => {
    const { createMainWindow } = await import('../../src-main/window.js')
    createMainWindow()
    const { probe } = created[0]!
    let prevented = false
    probe.listeners['will-navigate']!({ preventDefault: () => (prevented = true) })
    expect(prevented).toBe(true)
    expect(probe.open()({ url: 'https://klairr.example/' })).toEqual({ action: 'deny' })
    expect(opened).toEqual(['https://klairr.example/'])
    let granted: boolean | undefined
    probe.request()(null, 'media', (g) => (granted = g))
    expect(granted).toBe(false)
  })

  it('blocks navigation, redirects and webviews', () => {
    const f = fakeContents()
    hardenContents(f.contents, () => undefined)
    for (const event of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
      let prevented = false
      f.listeners[event]!({ preventDefault: () => (prevented = true) })
      expect(prevented, event).toBe(true)
    }
  })

  it('opens no window; only https links go to the system browser', () => {
    const opened: string[] = []
    const f = fakeContents()
    hardenContents(f.contents, (url) => opened.push(url))
    for (const url of [
      'https://klairr.example/docs',
      'http://insecure.example',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'https:evil',
    ])
      expect(f.open()({ url })).toEqual({ action: 'deny' })
    expect(opened).toEqual(['https://klairr.example/docs'])
  })

  it('denies every permission request and check', () => {
    const f = fakeContents()
    hardenContents(f.contents, () => undefined)
    for (const permission of [
      'media',
      'geolocation',
      'notifications',
      'clipboard-read',
      'clipboard-sanitized-write',
      'openExternal',
    ]) {
      let granted: boolean | undefined
      f.request()(null, permission, (g) => (granted = g))
      expect(granted, permission).toBe(false)
    }
    expect(f.check()()).toBe(false)
  })

  it('sends the CSP with every response, replacing none of the other headers', () => {
    const f = fakeContents()
    hardenContents(f.contents, () => undefined)
    let out: Record<string, string[]> = {}
    f.headers()({ responseHeaders: { 'X-Other': ['1'] } }, (r) => (out = r.responseHeaders))
    expect(out).toEqual({ 'X-Other': ['1'], 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] })
  })

  it('the CSP allows only the app’s own script and style, and no inline code', () => {
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'none'")
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'")
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-inline')
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-eval')
    // The page carries the same policy (without frame-ancestors, which a meta tag cannot set).
    const html = readFileSync(new URL('../../src-renderer/index.html', import.meta.url), 'utf8')
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)![1]!
    expect(meta).toBe(CONTENT_SECURITY_POLICY.replace("; frame-ancestors 'none'", ''))
  })

  it('the app turns the sandbox on for every renderer', () => {
    const main = readFileSync(new URL('../../src-main/index.ts', import.meta.url), 'utf8')
    expect(main).toContain('app.enableSandbox()')
  })
})
