import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { EVENT_CHANNEL, INVOKE_CHANNEL, REQUESTS } from '../../src-main/contract/index.js'
import { METHOD_NAMES } from '../../src-main/contract/methods.js'
import { dispatch } from '../../src-main/handlers/dispatch.js'
import { bindIpc, isAppUrl, type InvokeEventLike, type IpcMainLike } from '../../src-main/ipc.js'
import { EMPTY_FORM } from '../../src-renderer/state.js'
import { testHandlers } from '../support/test-handlers.js'

const APP = 'file:///opt/Klairr%20Companion/resources/app.asar/out/renderer/index.html'
const WINDOW_ID = 7

const roleRequest = {
  role: 'klairr_reader',
  database: 'analytics',
  schemas: ['public'],
  owners: [],
  readOnlyDefault: true,
  statementTimeout: '30s',
  connectionLimit: null,
  generatePassword: false,
}

// The form as the renderer starts it, with a server filled in.
const form = { ...EMPTY_FORM, host: 'db.example.com', database: 'analytics' }

/** Binds the real handlers to a stand-in ipcMain and returns a function that invokes as a renderer would. */
function bound() {
  const t = testHandlers()
  let listener: ((event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>) | undefined
  const ipcMain: IpcMainLike = {
    handle: (channel, l) => {
      expect(channel).toBe(INVOKE_CHANNEL)
      listener = l
    },
    removeHandler: () => undefined,
  }
  bindIpc(ipcMain, t.handlers, { windowContentsId: () => WINDOW_ID, appEntry: APP })
  const invoke = (event: InvokeEventLike, method: unknown, payload: unknown) =>
    listener!(event, method, payload) as Promise<{
      ok: boolean
      error?: { code: string; message: string; fields?: Record<string, string> }
      value?: unknown
    }>
  const trusted: InvokeEventLike = {
    sender: { id: WINDOW_ID },
    senderFrame: { url: `${APP}#step`, parent: null },
  }
  return { ...t, invoke, trusted }
}

describe('the contract', () => {
  it('names the same methods in the zod schemas and in the list the preload and bridge use', () => {
    expect(Object.keys(REQUESTS).sort()).toEqual([...METHOD_NAMES].sort())
  })

  it('the preload uses the contract’s channels, and never exposes ipcRenderer itself', () => {
    const preload = readFileSync(new URL('../../src-preload/index.ts', import.meta.url), 'utf8')
    expect(preload).toContain(`'${INVOKE_CHANNEL}'`)
    expect(preload).toContain(`'${EVENT_CHANNEL}'`)
    expect(preload.match(/exposeInMainWorld/g)).toHaveLength(1)
    expect(preload).not.toMatch(/exposeInMainWorld\([^)]*ipcRenderer/)
  })
})

describe('IPC: the sender check', () => {
  it('answers the main window’s top frame on the app’s own page', async () => {
    const { invoke, trusted, calls } = bound()
    const r = await invoke(trusted, 'roleScript', roleRequest)
    expect(r.ok).toBe(true)
    expect(calls).toEqual(['roleScript'])
  })

  it.each([
    ['another window', { sender: { id: 8 }, senderFrame: { url: APP, parent: null } }],
    ['an iframe in the window', { sender: { id: WINDOW_ID }, senderFrame: { url: APP, parent: {} } }],
    [
      'a page the window was navigated to',
      { sender: { id: WINDOW_ID }, senderFrame: { url: 'https://evil.example/', parent: null } },
    ],
    [
      'another local file',
      { sender: { id: WINDOW_ID }, senderFrame: { url: 'file:///tmp/evil.html', parent: null } },
    ],
    ['a frame already gone', { sender: { id: WINDOW_ID }, senderFrame: null }],
  ])('refuses %s, and runs nothing', async (_what, event) => {
    const { invoke, calls } = bound()
    const r = await invoke(event as InvokeEventLike, 'roleScript', roleRequest)
    expect(r).toEqual({
      ok: false,
      error: { code: 'forbidden', message: expect.stringContaining('own window') },
    })
    expect(calls).toEqual([])
  })

  it('compares file pages by path and dev pages by origin', () => {
    expect(isAppUrl(`${APP}?x#y`, APP)).toBe(true)
    expect(isAppUrl('file:///opt/other/index.html', APP)).toBe(false)
    expect(isAppUrl('http://localhost:5173/src/x', 'http://localhost:5173/')).toBe(true)
    expect(isAppUrl('http://localhost:5174/', 'http://localhost:5173/')).toBe(false)
    expect(isAppUrl('not a url', APP)).toBe(false)
  })
})

describe('IPC: malformed requests get one clear error and change nothing', () => {
  const cases: [string, unknown, unknown][] = [
    ['an unknown method', 'dropDatabase', {}],
    ['a prototype key as method', '__proto__', {}],
    ['constructor as method', 'constructor', {}],
    ['a number as method', 42, {}],
    ['no payload', 'roleScript', undefined],
    ['null payload', 'listConnectors', null],
    ['an array payload', 'listConnectors', []],
    ['an unknown field', 'listConnectors', { everything: true }],
    ['a wrong type', 'roleScript', { ...roleRequest, schemas: 'public' }],
    ['an empty role name', 'roleScript', { ...roleRequest, role: '' }],
    ['a huge string', 'validateSql', { sql: 'x'.repeat(100_001), maxRows: 10 }],
    ['a negative row cap', 'validateSql', { sql: 'SELECT 1', maxRows: -1 }],
    [
      'a fractional row cap',
      'runQuery',
      { jobId: 'job-12345678', connection: form, sql: 'SELECT 1', maxRows: 1.5 },
    ],
    ['a job id with a slash', 'cancel', { jobId: '../../etc/passwd' }],
    ['an unknown sslmode', 'runChecks', { jobId: 'job-12345678', connection: { ...form, sslMode: 'maybe' } }],
    [
      'a field the form does not have',
      'runChecks',
      { jobId: 'job-12345678', connection: { ...form, options: '-c x=1' } },
    ],
    [
      'a boolean as text',
      'runChecks',
      { jobId: 'job-12345678', connection: { ...form, privateNetwork: 'yes' } },
    ],
    [
      'a fingerprint that is not SHA-256',
      'exportConnector',
      {
        runId: 'job-12345678',
        name: 'x',
        acknowledgeWritableRole: false,
        approvedCertificateSha256: 'AB:CD',
      },
    ],
    ['a connector id that is not text', 'deleteConnector', { id: { $ne: null } }],
    [
      'an allowed function without its schema',
      'validateSql',
      { sql: 'SELECT 1', maxRows: 10, allowFunctions: ['my_fn'] },
    ],
    [
      'allowed functions as one string',
      'validateSql',
      { sql: 'SELECT 1', maxRows: 10, allowFunctions: 'public.f' },
    ],
    [
      'an allowed function as an object',
      'validateSql',
      { sql: 'SELECT 1', maxRows: 10, allowFunctions: [{ schema: 'public', name: 'f' }] },
    ],
    [
      'an allowed function with three parts',
      'runQuery',
      { jobId: 'job-12345678', connection: form, sql: 'SELECT 1', maxRows: 10, allowFunctions: ['a.b.c'] },
    ],
    [
      'an allowed function with arguments',
      'runQuery',
      {
        jobId: 'job-12345678',
        connection: form,
        sql: 'SELECT 1',
        maxRows: 10,
        allowFunctions: ['public.f(int)'],
      },
    ],
    [
      'more than 100 allowed functions',
      'runQuery',
      {
        jobId: 'job-12345678',
        connection: form,
        sql: 'SELECT 1',
        maxRows: 10,
        allowFunctions: Array.from({ length: 101 }, (_, i) => `public.f${i}`),
      },
    ],
    [
      'a NUL in an allowed function',
      'exportConnector',
      {
        runId: 'job-12345678',
        name: 'x',
        acknowledgeWritableRole: false,
        approvedCertificateSha256: Array.from({ length: 32 }, () => 'AB').join(':'),
        allowFunctions: ['public."f\u0000"'],
      },
    ],
    [
      'a lone surrogate in an allowed function',
      'exportConnector',
      {
        runId: 'job-12345678',
        name: 'x',
        acknowledgeWritableRole: false,
        approvedCertificateSha256: Array.from({ length: 32 }, () => 'AB').join(':'),
        allowFunctions: ['public.f\ud800'],
      },
    ],
    ['a huge function name to check', 'checkAllowedFunction', { text: `public.${'f'.repeat(400)}` }],
    ['a function name to check that is not text', 'checkAllowedFunction', { text: ['public.f'] }],
  ]

  it.each(cases)('%s', async (_what, method, payload) => {
    const { invoke, trusted, calls, stored, events } = bound()
    const r = await invoke(trusted, method, payload)
    expect(r.ok).toBe(false)
    expect(['invalid_request', 'unknown_method']).toContain(r.error!.code)
    expect(r.error!.message).toMatch(/^(Invalid \w+ request: .+\.|There is no method .+\.)$/)
    expect(r.error!.message.split('\n')).toHaveLength(1)
    expect(calls).toEqual([])
    expect(stored()).toBeUndefined()
    expect(events).toEqual([])
  })

  it('names the allowed function that is malformed, with the parser’s own words', async () => {
    const { invoke, trusted } = bound()
    const r = await invoke(trusted, 'validateSql', {
      sql: 'SELECT 1',
      maxRows: 10,
      allowFunctions: ['public.f', 'nope'],
    })
    expect(r.error!.fields).toEqual({ 'allowFunctions.1': expect.stringMatching(/^the schema is missing/) })
    expect(r.error!.message).toMatch(/^Invalid validateSql request: allowFunctions\.1: the schema is missing/)
  })

  it('names the field a form error is about', async () => {
    const { invoke, trusted } = bound()
    const r = await invoke(trusted, 'runChecks', {
      jobId: 'job-12345678',
      connection: { ...form, sslMode: 'maybe' },
    })
    expect(Object.keys(r.error!.fields!)).toEqual(['sslMode'])
  })
})

describe('handlers: expected failures are values', () => {
  it('form problems are named per field before anything connects', async () => {
    const { handlers, events } = testHandlers()
    const r = await dispatch(handlers, 'runChecks', {
      jobId: 'job-12345678',
      connection: { ...form, host: ' ', port: '99999', database: '' },
    })
    expect(r).toEqual({
      ok: false,
      error: {
        code: 'invalid_request',
        message: '3 fields need attention: host, port, database.',
        fields: { host: expect.any(String), port: expect.any(String), database: expect.any(String) },
      },
    })
    expect(events).toEqual([])
  })

  it('the browser bridge has no vault to consent to: refused as a value', async () => {
    const { handlers } = testHandlers()
    expect(await dispatch(handlers, 'setVaultConsent', { acceptBasicText: true })).toMatchObject({
      ok: false,
      error: { code: 'refused' },
    })
  })

  it('a problem core finds while resolving the form is named against its field too', async () => {
    const { handlers } = testHandlers()
    const r = await dispatch(handlers, 'runChecks', {
      jobId: 'job-12345678',
      connection: { ...form, host: '/var/run/postgresql' },
    })
    expect(r).toMatchObject({
      ok: false,
      error: {
        code: 'invalid_request',
        fields: { host: expect.stringMatching(/^Unix-domain sockets cannot be checked/) },
      },
    })
  })

  it.each(['/etc/passwd', '/dev/zero', '\\\\fileserver\\share\\ca.pem', '~/.postgresql/root.crt'])(
    'a path as the root certificate (%s) is a field error: main opens no file the page names',
    async (path) => {
      const { handlers, events } = testHandlers()
      const r = await dispatch(handlers, 'runChecks', {
        jobId: 'job-12345678',
        connection: { ...form, username: 'klairr', sslRootCert: path },
      })
      expect(r).toMatchObject({
        ok: false,
        error: {
          code: 'invalid_request',
          fields: {
            sslRootCert: expect.stringMatching(
              /^Paste the root certificate’s PEM text .* or choose its file/,
            ),
          },
        },
      })
      expect(events).toEqual([])
    },
  )

  it('PEM text or “system” as the root certificate passes the form', async () => {
    const { handlers } = testHandlers()
    for (const sslRootCert of ['system', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----']) {
      const checked = await dispatch(handlers, 'runChecks', {
        jobId: 'job-12345678',
        connection: { ...form, username: 'klairr', host: '', sslRootCert },
      })
      expect(checked).toMatchObject({ ok: false, error: { fields: { host: expect.any(String) } } })
      expect((checked as { ok: false; error: { fields: object } }).error.fields).not.toHaveProperty(
        'sslRootCert',
      )
    }
  })

  it('an unknown run cannot be exported; an unknown connector cannot be deleted', async () => {
    const { handlers } = testHandlers()
    const fp = Array.from({ length: 32 }, () => 'AB').join(':')
    const exp = await dispatch(handlers, 'exportConnector', {
      runId: 'job-12345678',
      name: 'x',
      acknowledgeWritableRole: false,
      approvedCertificateSha256: fp,
    })
    expect(exp).toMatchObject({ ok: false, error: { code: 'not_found' } })
    expect(await dispatch(handlers, 'deleteConnector', { id: 'nope' })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    })
  })

  it('an unexpected exception is an internal error that does not leak its text', async () => {
    const { handlers } = testHandlers()
    handlers.listConnectors = () => Promise.reject(new Error('secret detail Zq7'))
    const stderr: string[] = []
    const write = process.stderr.write.bind(process.stderr)
    process.stderr.write = ((s: string) => (stderr.push(s), true)) as typeof process.stderr.write
    try {
      const r = await dispatch(handlers, 'listConnectors', {})
      expect(r).toMatchObject({ ok: false, error: { code: 'internal' } })
      expect(JSON.stringify(r)).not.toContain('secret detail')
      expect(stderr.join('')).not.toContain('secret detail')
    } finally {
      process.stderr.write = write
    }
  })

  it('a connection string fills the form fields; a bad one is one message', async () => {
    const { handlers } = testHandlers()
    expect(
      await dispatch(handlers, 'parseConnectionString', {
        text: 'postgresql://klairr_reader@db.example.com:6432/analytics?sslmode=verify-full',
      }),
    ).toEqual({
      ok: true,
      value: {
        fields: {
          host: 'db.example.com',
          port: '6432',
          database: 'analytics',
          username: 'klairr_reader',
          sslMode: 'verify-full',
        },
      },
    })
    const bad = await dispatch(handlers, 'parseConnectionString', { text: 'host=db nonsense=1' })
    expect(bad).toMatchObject({
      ok: false,
      error: { code: 'invalid_request', fields: { text: expect.any(String) } },
    })
  })

  it('checkAllowedFunction: the spelling export records, or the parser’s message against the field', async () => {
    const { handlers } = testHandlers()
    expect(await dispatch(handlers, 'checkAllowedFunction', { text: ' Public.My_Fn ' })).toEqual({
      ok: true,
      value: { function: 'public.my_fn' },
    })
    expect(await dispatch(handlers, 'checkAllowedFunction', { text: '"Sales"."NetTotal"' })).toEqual({
      ok: true,
      value: { function: '"Sales"."NetTotal"' },
    })
    expect(await dispatch(handlers, 'checkAllowedFunction', { text: 'my_fn' })).toEqual({
      ok: false,
      error: {
        code: 'invalid_request',
        message: expect.stringMatching(/^Not a function to allow: the schema is missing.*\.$/),
        fields: { text: expect.stringMatching(/^the schema is missing/) },
      },
    })
  })

  it('validateSql: a function allowed by name passes the guard; others stay refused', async () => {
    const { handlers } = testHandlers()
    const sql = 'SELECT public.my_fn(1)'
    expect(await dispatch(handlers, 'validateSql', { sql, maxRows: 10 })).toMatchObject({
      ok: true,
      value: { allowed: false, rule: 'function_not_allowed' },
    })
    expect(
      await dispatch(handlers, 'validateSql', { sql, maxRows: 10, allowFunctions: ['public.other'] }),
    ).toMatchObject({ ok: true, value: { allowed: false, rule: 'function_not_allowed' } })
    expect(
      await dispatch(handlers, 'validateSql', { sql, maxRows: 10, allowFunctions: ['Public.My_Fn'] }),
    ).toMatchObject({ ok: true, value: { allowed: true } })
  })

  it('runQuery: a function outside the allow-list is refused by the guard, before any connection', async () => {
    const { handlers } = testHandlers()
    const r = await dispatch(handlers, 'runQuery', {
      jobId: 'job-12345678',
      connection: { ...form, host: '192.0.2.1' },
      sql: 'SELECT public.my_fn(1)',
      maxRows: 10,
      allowFunctions: ['public.other'],
    })
    expect(r).toMatchObject({ ok: true, value: { stage: 'guard', rule: 'function_not_allowed' } })
  })

  it('the role script: a bad timeout is named against its field; a generated password is returned once', async () => {
    const { handlers } = testHandlers()
    expect(
      await dispatch(handlers, 'roleScript', { ...roleRequest, statementTimeout: 'soon' }),
    ).toMatchObject({
      ok: false,
      error: { fields: { statementTimeout: expect.any(String) } },
    })
    const r = (await dispatch(handlers, 'roleScript', { ...roleRequest, generatePassword: true })) as {
      ok: true
      value: { script: string; generatedPassword: string; verification: string; cleanup: string }
    }
    expect(r.value.generatedPassword).toMatch(/^[\w-]{32}$/)
    expect(r.value.script).toContain(r.value.generatedPassword)
    expect(r.value.script).toContain(r.value.verification.trim())
    expect(r.value.cleanup).toContain('DROP ROLE klairr_reader;')
  })
})
