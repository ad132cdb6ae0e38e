import { beforeAll, describe, expect, it, vi } from 'vitest'
import { INVOKE_CHANNEL } from '../../src-main/contract/index.js'
import { SAMPLE_DRAFT } from '../support/draft-fixture.js'

// The Electron binary cannot run here: stand-ins for app, BrowserWindow, ipcMain and dialog record what
// the app's main module does with them, and the stores are in memory. Everything else is the real code.
const state = vi.hoisted(() => {
  ;(globalThis as { __APP_VERSION__?: string }).__APP_VERSION__ = '0.0.0-test'
  return {
    sandbox: false,
    quits: 0,
    appEvents: new Map<string, () => void>(),
    invoke: new Map<string, (event: unknown, ...args: unknown[]) => Promise<unknown>>(),
    windows: [] as { options: Record<string, unknown>; url: string | null }[],
    /** What the user answers in the main-process confirmation (0: the change, 1: Cancel). */
    messageBoxAnswer: 0,
    messageBoxes: [] as { message: string; buttons: string[]; cancelId: number }[],
  }
})

vi.mock('electron', () => {
  const session = {
    setPermissionRequestHandler() {},
    setPermissionCheckHandler() {},
    webRequest: { onHeadersReceived() {} },
  }
  class FakeWindow {
    static all: FakeWindow[] = []
    static getAllWindows = () => FakeWindow.all
    webContents = { id: 41, send() {}, on() {}, setWindowOpenHandler() {}, session }
    record: { options: Record<string, unknown>; url: string | null }
    constructor(options: Record<string, unknown>) {
      this.record = { options, url: null }
      state.windows.push(this.record)
      FakeWindow.all.push(this)
    }
    once() {}
    on() {}
    loadURL(url: string) {
      this.record.url = url
      return Promise.resolve()
    }
  }
  return {
    app: {
      enableSandbox: () => void (state.sandbox = true),
      whenReady: () => Promise.resolve(),
      on: (event: string, listener: () => void) => void state.appEvents.set(event, listener),
      quit: () => void state.quits++,
      getPath: () => '/tmp',
    },
    BrowserWindow: FakeWindow,
    ipcMain: {
      handle: (channel: string, listener: (event: unknown, ...args: unknown[]) => Promise<unknown>) =>
        void state.invoke.set(channel, listener),
      removeHandler() {},
    },
    dialog: {
      showSaveDialog: async () => ({ canceled: true }),
      showMessageBox: async (...args: unknown[]) => {
        state.messageBoxes.push(args.at(-1) as (typeof state.messageBoxes)[number])
        return { response: state.messageBoxAnswer }
      },
    },
    shell: { openExternal() {} },
  }
})

vi.mock('../../src-main/store/desktop-stores.js', async () => {
  const { ConnectorRecords } = await import('../../src-main/core/records/connector-records.js')
  const { memoryVault } = await import('../../src-main/core/secrets/vault.js')
  const { Drafts } = await import('../../src-main/handlers/drafts.js')
  let stored: unknown
  const draftFile = new Map<string, unknown>()
  const draftStore = {
    get: (k: string) => draftFile.get(k),
    set: (k: string, v: unknown) => void draftFile.set(k, structuredClone(v)),
  }
  return {
    connectorRecords: () => new ConnectorRecords({ get: () => stored, set: (_k, v) => void (stored = v) }),
    desktopVault: async (accept: boolean) => ({
      vault: memoryVault(),
      warning: accept ? null : 'No desktop keyring was found.',
      basicTextConsent: accept ? 'given' : 'offered',
    }),
    // One store for the drafts, kept across "restarts" (each call is the app starting again).
    desktopDrafts: () => new Drafts(draftStore),
    appSettings: () => {
      let accept = false
      return { acceptBasicText: () => accept, setAcceptBasicText: (a: boolean) => void (accept = a) }
    },
  }
})

beforeAll(async () => {
  await import('../../src-main/index.js')
  await new Promise((r) => setTimeout(r, 10))
})

describe('the app’s main module, up to launch', () => {
  it('turns the sandbox on before anything else and opens one hardened window', () => {
    expect(state.sandbox).toBe(true)
    expect(state.windows).toHaveLength(1)
    expect(state.windows[0]!.options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
    })
    expect(state.windows[0]!.url).toMatch(/^file:\/\/.*\/renderer\/index\.html$/)
  })

  it('binds the one invoke channel to the contract, for its own window’s page only', async () => {
    expect([...state.invoke.keys()]).toEqual([INVOKE_CHANNEL])
    const listener = state.invoke.get(INVOKE_CHANNEL)!
    const own = { sender: { id: 41 }, senderFrame: { url: state.windows[0]!.url, parent: null } }
    expect(await listener(own, 'listConnectors', {})).toEqual({
      ok: true,
      value: { connectors: [], vaultWarning: 'No desktop keyring was found.', basicTextConsent: 'offered' },
    })
    expect(await listener(own, 'listConnectors', { extra: 1 })).toMatchObject({
      ok: false,
      error: { code: 'invalid_request' },
    })
    const foreign = { sender: { id: 99 }, senderFrame: { url: state.windows[0]!.url, parent: null } }
    expect(await listener(foreign, 'listConnectors', {})).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    })
  })

  it('a consent request the user cancels in main’s own dialog changes nothing', async () => {
    const listener = state.invoke.get(INVOKE_CHANNEL)!
    const own = { sender: { id: 41 }, senderFrame: { url: state.windows[0]!.url, parent: null } }
    state.messageBoxAnswer = 1
    expect(await listener(own, 'setVaultConsent', { acceptBasicText: true })).toEqual({
      ok: true,
      value: { vaultWarning: 'No desktop keyring was found.', basicTextConsent: 'offered' },
    })
    expect(state.messageBoxes).toEqual([
      expect.objectContaining({ message: expect.stringContaining('built-in key'), cancelId: 1 }),
    ])
    state.messageBoxAnswer = 0
  })

  it('on Linux without a keyring, the user’s consent (confirmed in main) switches the vault to the built-in key', async () => {
    const listener = state.invoke.get(INVOKE_CHANNEL)!
    const own = { sender: { id: 41 }, senderFrame: { url: state.windows[0]!.url, parent: null } }
    expect(await listener(own, 'setVaultConsent', { acceptBasicText: true })).toEqual({
      ok: true,
      value: { vaultWarning: null, basicTextConsent: 'given' },
    })
    expect(await listener(own, 'listConnectors', {})).toMatchObject({ value: { basicTextConsent: 'given' } })
  })

  it('quits when the last window closes (not on macOS), and stops running jobs before quitting', () => {
    expect(state.appEvents.has('before-quit')).toBe(true)
    expect(state.appEvents.has('activate')).toBe(true)
    state.appEvents.get('window-all-closed')!()
    expect(state.quits).toBe(process.platform === 'darwin' ? 0 : 1)
  })
})

describe('the draft across a restart, in main’s store', () => {
  const own = () => ({ sender: { id: 41 }, senderFrame: { url: state.windows[0]!.url, parent: null } })
  const draft = SAMPLE_DRAFT

  it('keeps the form without its password through the validated invoke channel, and gives it back on start', async () => {
    const listener = state.invoke.get(INVOKE_CHANNEL)!
    expect(await listener(own(), 'loadDraft', {})).toEqual({
      ok: true,
      value: { draft: null, response: null },
    })
    expect(await listener(own(), 'saveDraft', { draft })).toEqual({ ok: true, value: { saved: true } })
    // What a restarted app reads from the same store.
    const { desktopDrafts } = await import('../../src-main/store/desktop-stores.js')
    expect(desktopDrafts().load()).toEqual({ draft, response: null })
    expect(await listener(own(), 'loadDraft', {})).toEqual({ ok: true, value: { draft, response: null } })
  })

  it('refuses a draft that carries a password, and answers only its own window', async () => {
    const listener = state.invoke.get(INVOKE_CHANNEL)!
    for (const secret of ['password', 'sslKey', 'sslPassword']) {
      const withSecret = { draft: { ...draft, form: { ...draft.form, [secret]: 'Zq7-draft-secret' } } }
      expect(await listener(own(), 'saveDraft', withSecret)).toMatchObject({
        ok: false,
        error: { code: 'invalid_request' },
      })
    }
    const foreign = { sender: { id: 99 }, senderFrame: { url: state.windows[0]!.url, parent: null } }
    expect(await listener(foreign, 'loadDraft', {})).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    })
  })
})
