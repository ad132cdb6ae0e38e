import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ConnectionForm, RunChecksResponse } from '../../src-main/contract/index.js'
import type { CheckResult } from '../../src-main/core/checks/types.js'
import { readConnectorSecrets } from '../../src-main/core/secrets/connector-secrets.js'
import { chooseVault, type CiphertextStore, type SecretVault } from '../../src-main/core/secrets/vault.js'
import { dispatch } from '../../src-main/handlers/dispatch.js'
import { AUTH_ROLES, startAuthMethodsServer, type AuthMethodsServer } from '../lab/auth-methods.js'
import { LAB_DATABASE, LAB_PASSWORD } from '../lab/seed.js'
import { testHandlers } from '../support/test-handlers.js'
import { FAST } from './helpers.js'

/**
 * A saved connector remembers its client certificate: the certificate in the record, the key and its
 * passphrase in the vault beside the password, filled in for a run from the connector alone (as "Test
 * again" sends it) under the password's rules, removed and restored with it by delete and undo. Against
 * a real PostgreSQL 18 whose pg_hba.conf gives the role `cert` authentication.
 */

const PASSPHRASE = 'Zq7-saved-CLIENT-key-passphrase-xyzzy!'
const TIMEOUTS = { ...FAST, startup: 8000 }

let lab: AuthMethodsServer
let certPem: string
let keyPem: string
/** A line of the encrypted key's body: in the clear nowhere but the vault's decrypted answer. */
let keyLine: string

beforeAll(async () => {
  lab = await startAuthMethodsServer(18)
  const { cert, key } = lab.clientCert(AUTH_ROLES.cert, PASSPHRASE)
  certPem = readFileSync(cert, 'utf8')
  keyPem = readFileSync(key, 'utf8')
  expect(keyPem).toMatch(/BEGIN ENCRYPTED PRIVATE KEY/)
  keyLine = keyPem.split('\n')[1]!
}, 90_000)

afterAll(async () => {
  await lab?.stop()
})

/** The vault over a stand-in for Electron's safeStorage (no Electron here): what it stores is ciphertext. */
async function encryptedVault() {
  const m = new Map<string, string>()
  const ciphertexts: CiphertextStore = {
    get: (k) => m.get(k),
    set: (k, v) => void m.set(k, v),
    delete: (k) => void m.delete(k),
  }
  const choice = await chooseVault({
    platform: 'linux',
    safeStorage: {
      isAsyncEncryptionAvailable: async () => true,
      encryptStringAsync: async (text) => Buffer.from(`enc:${Buffer.from(text).toString('hex')}`),
      decryptStringAsync: async (buf) => ({
        result: Buffer.from(buf.toString().slice(4), 'hex').toString(),
        shouldReEncrypt: false,
      }),
      getSelectedStorageBackend: () => 'gnome_libsecret',
    },
    loadKeytar: async () => null,
    ciphertexts,
  })
  expect(choice.vault.backend).toBe('safe-storage')
  return { choice, stored: () => [...m.entries()] }
}

function form(over: Partial<ConnectionForm> = {}): ConnectionForm {
  return {
    host: '127.0.0.1',
    port: String(lab.port),
    database: LAB_DATABASE,
    schema: 'public',
    username: AUTH_ROLES.cert,
    password: LAB_PASSWORD,
    sslMode: 'require',
    sslRootCert: '',
    sslCert: certPem,
    sslKey: keyPem,
    sslPassword: PASSPHRASE,
    privateNetwork: true,
    allowWritableRole: false,
    ...over,
  }
}

/** What "Test again" sends: the connector's id and its settings, every secret field empty. */
const fromSaved = (connectorId: string, over: Partial<ConnectionForm> = {}) =>
  form({ connectorId, password: '', sslCert: '', sslKey: '', sslPassword: '', ...over })

const auth = (r: RunChecksResponse): CheckResult => r.report.checks.find((c) => c.id === 'auth')!
/** The export request the app sends for a run: its certificate approved as the run saw it. */
const exportOf = (run: RunChecksResponse, name: string) => ({
  runId: run.runId,
  name,
  acknowledgeWritableRole: false,
  approvedCertificateSha256: run.report.tls!.chain[0]!.fingerprint256,
})

/** The run's checks in one line, for a failing assertion's message. */
const said = (r: RunChecksResponse) =>
  r.report.checks.map((c) => `${c.id} ${c.status}: ${c.summary}`).join('; ')

describe('a saved connector remembers its client certificate', () => {
  it('export keeps the certificate in the record and the key and passphrase in the vault; a run from the id alone passes with them', async () => {
    const { choice, stored } = await encryptedVault()
    const t = testHandlers({ vault: Promise.resolve(choice), timeouts: TIMEOUTS })
    const seen: unknown[] = []
    let n = 0
    const call = async (method: string, request: Record<string, unknown>) => {
      const r = await dispatch(t.handlers, method as 'runChecks', request as never)
      seen.push(r)
      return r
    }
    const run = async (connection: ConnectionForm) => {
      const r = await call('runChecks', { jobId: `cc-job-${n++}`, connection })
      if (!r.ok) throw new Error(r.error.message)
      return r.value as RunChecksResponse
    }

    const first = await run(form())
    expect(first.report.verdict, said(first)).toBe('ready')
    expect(auth(first).evidence.authMethod).toBe('cert')
    const exported = await call('exportConnector', exportOf(first, 'Cert lab'))
    expect(exported.ok).toBe(true)
    const { record, document } = (
      exported as { ok: true; value: { record: { id: string; settings: object }; document: string } }
    ).value
    const id = record.id
    // The certificate is public and kept in the record; the key and passphrase never are.
    expect(record.settings).toMatchObject({ sslCert: certPem.trim() })
    expect(Object.keys(record.settings)).not.toContain('sslKey')
    expect(Object.keys(record.settings)).not.toContain('sslPassword')
    expect(JSON.parse(document).connector.clientCertificate).toBe(true)
    expect(document).not.toContain('BEGIN CERTIFICATE')
    // The vault: the three secrets in its own encryption, the clear text only through it.
    const vault: SecretVault = choice.vault
    const secrets = await readConnectorSecrets(vault, id)
    expect(secrets.password?.reveal()).toBe(LAB_PASSWORD)
    expect(secrets.clientKey?.reveal()).toBe(keyPem.trim())
    expect(secrets.clientKeyPassphrase?.reveal()).toBe(PASSPHRASE)
    expect(stored()).toHaveLength(3)
    const ciphertext = JSON.stringify(stored())
    for (const clear of [PASSPHRASE, keyLine, 'PRIVATE KEY', LAB_PASSWORD])
      expect(ciphertext).not.toContain(clear)

    // "Test again": the connector's id alone, every certificate, key and password field empty.
    const again = await run(fromSaved(id))
    expect(again.report.verdict, said(again)).toBe('ready')
    expect(auth(again)).toMatchObject({ status: 'pass', evidence: { authMethod: 'cert' } })
    // Any run from the saved connector: a query too.
    const query = await call('runQuery', {
      jobId: `cc-job-${n++}`,
      connection: fromSaved(id),
      sql: 'SELECT v FROM facts',
      maxRows: 5,
    })
    expect(query).toMatchObject({ ok: true, value: { stage: 'execute', ok: true, rows: [['one']] } })
    // Re-exported from that run, it keeps its key.
    const reexported = await call('exportConnector', exportOf(again, 'Cert lab'))
    expect(reexported).toMatchObject({ ok: true, value: { record: { id } } })
    expect((await readConnectorSecrets(vault, id)).clientKey?.reveal()).toBe(keyPem.trim())

    // Elsewhere the vault gives nothing: another host name, another role on the same server.
    for (const over of [{ host: 'localhost' }, { username: AUTH_ROLES.trustCert }]) {
      const other = await run(fromSaved(id, over))
      expect(auth(other).status, JSON.stringify(over)).toBe('fail')
      expect(auth(other).evidence.clientCertificateSent).toBeUndefined()
    }
    // A weaker run is refused before it connects, naming what is kept.
    expect(
      await call('runChecks', { jobId: `cc-job-${n++}`, connection: fromSaved(id, { sslMode: 'prefer' }) }),
    ).toMatchObject({
      ok: false,
      error: {
        code: 'refused',
        message: expect.stringContaining('client key'),
        fields: { sslMode: expect.any(String) },
      },
    })
    // Another certificate in the form needs its own key: the saved one never goes with it.
    const stranger = readFileSync(lab.clientCert('someone_else').cert, 'utf8')
    expect(
      await call('runChecks', { jobId: `cc-job-${n++}`, connection: fromSaved(id, { sslCert: stranger }) }),
    ).toMatchObject({
      ok: false,
      error: { fields: { sslKey: expect.any(String) } },
    })

    // Delete: the record and every vaulted secret go at once; a run from the id has no certificate.
    expect(await call('deleteConnector', { id })).toEqual({ ok: true, value: { deleted: true } })
    expect(stored()).toEqual([])
    const gone = await run(fromSaved(id))
    expect(auth(gone)).toMatchObject({ status: 'fail', reason: 'client_cert_required' })
    // Undo: all of it is back, and the connector passes again.
    expect(await call('restoreConnector', { id })).toMatchObject({ ok: true, value: { record: { id } } })
    expect(stored()).toHaveLength(3)
    const restored = await readConnectorSecrets(vault, id)
    expect(
      [restored.password, restored.clientKey, restored.clientKeyPassphrase].map((s) => s?.reveal()),
    ).toEqual([LAB_PASSWORD, keyPem.trim(), PASSPHRASE])
    expect(auth(await run(fromSaved(id)))).toMatchObject({ status: 'pass', evidence: { authMethod: 'cert' } })

    // Nowhere else: not the record store, the export, a response or an event.
    const everywhere = JSON.stringify([t.stored(), document, seen, t.events])
    for (const clear of [PASSPHRASE, keyLine, 'PRIVATE KEY']) expect(everywhere).not.toContain(clear)
    t.handlers.shutdown()
  }, 120_000)

  it('a connector saved without a certificate, or before records kept one, runs as before', async () => {
    const { choice } = await encryptedVault()
    const t = testHandlers({ vault: Promise.resolve(choice), timeouts: TIMEOUTS })
    const r = await dispatch(t.handlers, 'runChecks', {
      jobId: 'plain-job-0',
      connection: form({ sslCert: '', sslKey: '', sslPassword: '', username: AUTH_ROLES.scram }),
    })
    const first = (r as { ok: true; value: RunChecksResponse }).value
    expect(first.report.verdict).toBe('ready')
    const exported = await dispatch(t.handlers, 'exportConnector', exportOf(first, 'Plain'))
    const id = (exported as { ok: true; value: { record: { id: string; settings: object } } }).value.record.id
    expect(Object.keys(t.records.get(id)!.settings)).not.toContain('sslCert')
    expect(await readConnectorSecrets(choice.vault, id)).toEqual({
      password: expect.anything(),
      clientKey: null,
      clientKeyPassphrase: null,
    })
    const again = await dispatch(t.handlers, 'runChecks', {
      jobId: 'plain-job-1',
      connection: fromSaved(id, { username: AUTH_ROLES.scram }),
    })
    expect(again).toMatchObject({ ok: true, value: { report: { verdict: 'ready' } } })
    t.handlers.shutdown()
  }, 60_000)
})
