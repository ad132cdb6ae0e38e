import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { CheckWithAdvice, RunChecksResponse } from '../../src-main/contract/index.js'
import { runChecks } from '../../src-main/core/checks/run.js'
import { resolveSettingsOrThrow } from '../../src-main/core/connection/resolve-settings.js'
import type { SslMode } from '../../src-main/core/connection/settings.js'
import { VAULT_SERVICE } from '../../src-main/handlers/create-handlers.js'
import { dispatch } from '../../src-main/handlers/dispatch.js'
import { startFakeTlsPg, type FakeTlsPg } from '../lab/fake-tls-pg.js'
import { LAB_DATABASE, LAB_PASSWORD } from '../lab/seed.js'
import { testHandlers } from '../support/test-handlers.js'
import { runCli } from './cli-run.js'
import { FAST, labArgs, labForm } from './helpers.js'

const IMPOSTOR_BAIT = 'Pw-the-impostor-must-never-see'

let fake: FakeTlsPg
beforeEach(async () => {
  fake = await startFakeTlsPg()
})
afterEach(() => fake.close())

/** The impostor received no startup message and no password: the client stopped in the TLS upgrade. */
function nothingReachedTheImpostor() {
  expect(fake.startups).toEqual([])
  expect(fake.passwords).toEqual([])
}

const fakeSettings = (sslMode: SslMode = 'require') =>
  resolveSettingsOrThrow(
    {
      host: '127.0.0.1',
      port: fake.port,
      database: LAB_DATABASE,
      username: 'klairr_reader',
      password: IMPOSTOR_BAIT,
      sslMode,
      privateNetwork: true,
    },
    {},
  )

const pinOf = (seed: string) =>
  Array.from(
    { length: 32 },
    (_, i) => seed.charAt(i % seed.length) + seed.charAt((i + 1) % seed.length),
  ).join(':')
const OTHER_PIN = pinOf('AB')

let n = 0
const jobId = () => `pin-${Date.now()}-${n++}`

/** A saved connector (record and vaulted password) for the lab, approved and exported through the handlers. */
async function savedConnector(t: ReturnType<typeof testHandlers>) {
  const run = await dispatch(t.handlers, 'runChecks', { jobId: jobId(), connection: labForm(18) })
  if (!run.ok) throw new Error(run.error.message)
  const { runId, report } = run.value as RunChecksResponse
  const approved = report.tls!.chain[0]!.fingerprint256
  const exported = await dispatch(t.handlers, 'exportConnector', {
    runId,
    name: 'Lab',
    acknowledgeWritableRole: false,
    approvedCertificateSha256: approved,
  })
  if (!exported.ok) throw new Error(exported.error.message)
  const record = t.records.list()[0]!
  expect(record.approvedCertificateSha256).toBe(approved)
  expect(await t.vault.getPassword(VAULT_SERVICE, record.id)).toBe(LAB_PASSWORD)
  return record
}

/**
 * The saved connector's address now answers with the impostor (a changed DNS answer, or someone in the
 * middle): the record keeps its settings and pin, only the port leads to the fake.
 */
async function connectorAnsweredByImpostor(t: ReturnType<typeof testHandlers>, sslMode?: SslMode) {
  const record = await savedConnector(t)
  t.records.save({
    ...record,
    settings: { ...record.settings, port: fake.port, ...(sslMode ? { sslMode } : {}) },
  })
  return {
    record,
    form: (over: Record<string, unknown> = {}) =>
      labForm(18, {
        port: String(fake.port),
        password: '',
        connectorId: record.id,
        sslMode: sslMode ?? 'require',
        ...over,
      }),
  }
}

async function rerun(t: ReturnType<typeof testHandlers>, connection: Record<string, unknown>) {
  return dispatch(t.handlers, 'runChecks', { jobId: jobId(), connection })
}

const tlsCheck = (report: { checks: CheckWithAdvice[] }) => report.checks.find((c) => c.id === 'tls')!

describe('the fake PostgreSQL server (so that its silence means something)', () => {
  it('logs the password a client without a pin sends it over TLS', async () => {
    const { report } = await runChecks(fakeSettings(), { timeouts: FAST })
    expect(report.checks.find((c) => c.id === 'tls')!.status).toBe('pass')
    expect(fake.startups).toEqual([{ user: 'klairr_reader', database: LAB_DATABASE, tls: true }])
    expect(fake.passwords).toEqual([IMPOSTOR_BAIT])
  })
})

describe('core: a pinned run verifies the certificate in the TLS upgrade, before the StartupMessage', () => {
  it('another certificate fails tls as cert_pin_mismatch, both fingerprints shown; nothing else is sent', async () => {
    const { report } = await runChecks(fakeSettings(), { timeouts: FAST, pinnedCertificateSha256: OTHER_PIN })
    const tls = report.checks.find((c) => c.id === 'tls')!
    expect(tls).toMatchObject({
      status: 'fail',
      reason: 'cert_pin_mismatch',
      troubleshooting: 'tls_handshake_failed',
      evidence: { pinnedSha256: OTHER_PIN, presentedSha256: fake.fingerprint256 },
    })
    expect(tls.summary).toContain(OTHER_PIN)
    expect(tls.summary).toContain(fake.fingerprint256)
    expect(report.checks.find((c) => c.id === 'auth')!.status).toBe('skip')
    expect(report.tls!.chain[0]!.fingerprint256).toBe(fake.fingerprint256)
    expect(fake.sslRequests).toBe(1)
    nothingReachedTheImpostor()
  })

  it('the pin is compared whatever its case or separators', async () => {
    const lower = fake.fingerprint256.toLowerCase().replace(/:/g, '')
    const { report } = await runChecks(fakeSettings(), { timeouts: FAST, pinnedCertificateSha256: lower })
    expect(report.checks.find((c) => c.id === 'tls')!.summary).toContain('matches the pinned fingerprint')
  })

  it.each(['disable', 'allow', 'prefer'] as const)(
    'sslmode=%s with a pin: refused without TLS, no startup in the clear either',
    async (sslMode) => {
      const { report } = await runChecks(fakeSettings(sslMode), {
        timeouts: FAST,
        pinnedCertificateSha256: OTHER_PIN,
      })
      const tls = report.checks.find((c) => c.id === 'tls')!
      expect(tls.status).toBe('fail')
      expect(tls.reason).toBe(sslMode === 'prefer' ? 'cert_pin_mismatch' : 'tls_disabled')
      expect(report.checks.find((c) => c.id === 'auth')!.status).toBe('skip')
      nothingReachedTheImpostor()
    },
  )
})

describe('import: the file’s pin is checked before any password leaves', () => {
  async function exportedFile() {
    const dir = mkdtempSync(join(tmpdir(), 'klairr-pin-'))
    const out = join(dir, 'connector.json')
    const r = await runCli(
      ['export', ...labArgs(), '--username', 'klairr_reader', '--out', out, '--password-stdin'],
      {
        stdin: LAB_PASSWORD,
      },
    )
    expect(r.code).toBe(0)
    const pgpass = join(dir, 'pgpass')
    writeFileSync(pgpass, `*:*:*:*:${IMPOSTOR_BAIT}-pgpass\n`, { mode: 0o600 })
    return { dir, out, env: { PGPASSWORD: `${IMPOSTOR_BAIT}-env`, PGPASSFILE: pgpass } }
  }

  it('connector.port changed to the impostor: cert_pin_mismatch, exit 2, the impostor receives nothing', async () => {
    const { out, env } = await exportedFile()
    const doc = JSON.parse(readFileSync(out, 'utf8'))
    const pinned = doc.verification.tls.certificateSha256 as string
    doc.connector.port = fake.port
    writeFileSync(out, JSON.stringify(doc))
    const r = await runCli(['import', out, '--password-stdin'], { stdin: IMPOSTOR_BAIT, env })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('cert_pin_mismatch')
    expect(r.stderr).toContain(pinned)
    expect(r.stderr).toContain(fake.fingerprint256)
    expect(fake.sslRequests).toBe(1)
    nothingReachedTheImpostor()
    const again = await runCli(['import', out, '--recheck'], { env })
    expect(again.code).toBe(2)
    nothingReachedTheImpostor()
  })

  it('a file pinned to the impostor itself still gets no password from PGPASSWORD or pgpass', async () => {
    const { out, env } = await exportedFile()
    const doc = JSON.parse(readFileSync(out, 'utf8'))
    doc.connector.port = fake.port
    doc.verification.tls.certificateSha256 = fake.fingerprint256
    writeFileSync(out, JSON.stringify(doc))
    const r = await runCli(['import', out, '--recheck'], { env })
    expect(r.stdout).toContain('auth: password_missing')
    expect(r.code).toBe(1)
    expect(fake.startups).toHaveLength(1)
    expect(fake.passwords).toEqual([])
    // Without --recheck or --password-stdin, import only shows the file: it does not connect.
    const shown = await runCli(['import', out], { env })
    expect(shown.code).toBe(0)
    expect(fake.connections).toBe(1)
  })
})

describe('the app’s handlers: a saved connector re-run', () => {
  it('answered by an impostor at its address: cert_pin_mismatch with advice; the vaulted password stays home', async () => {
    const t = testHandlers({ timeouts: FAST })
    const { record, form } = await connectorAnsweredByImpostor(t)
    const r = await rerun(t, form())
    expect(r.ok).toBe(true)
    const { report } = (r as { ok: true; value: RunChecksResponse }).value
    const tls = tlsCheck(report)
    expect(tls).toMatchObject({ status: 'fail', reason: 'cert_pin_mismatch' })
    expect(tls.summary).toContain(record.approvedCertificateSha256!)
    expect(tls.summary).toContain(fake.fingerprint256)
    expect(tls.advice!.meaning).toContain(fake.fingerprint256)
    expect(report.verdict).toBe('blocked')
    // A password typed into the saved connector's form is held back the same way.
    const typed = await rerun(t, form({ password: IMPOSTOR_BAIT }))
    expect(tlsCheck((typed as { ok: true; value: RunChecksResponse }).value.report).reason).toBe(
      'cert_pin_mismatch',
    )
    // The other jobs that connect for the saved connector stop at the same place.
    for (const method of ['auditRole', 'runQuery'] as const) {
      const job = await dispatch(t.handlers, method, {
        jobId: jobId(),
        connection: form(),
        ...(method === 'runQuery' ? { sql: 'SELECT 1', maxRows: 10 } : {}),
      })
      expect(job).toMatchObject({
        ok: true,
        value: { stage: 'connect', check: { id: 'tls', reason: 'cert_pin_mismatch' } },
      })
    }
    expect(fake.sslRequests).toBe(4)
    nothingReachedTheImpostor()
    expect(JSON.stringify([report, t.events])).not.toContain(LAB_PASSWORD)
  })

  it.each(['prefer', 'allow', 'disable'] as const)(
    'with a weaker sslmode (%s): the vaulted password is refused before connecting',
    async (sslMode) => {
      const t = testHandlers({ timeouts: FAST })
      const { form } = await connectorAnsweredByImpostor(t)
      const r = await rerun(t, form({ sslMode }))
      expect(r).toMatchObject({
        ok: false,
        error: {
          code: 'refused',
          message: expect.stringContaining(`sslmode ${sslMode}`),
          fields: { sslMode: expect.any(String) },
        },
      })
      expect(fake.connections).toBe(0)
      // Typed in, the password still never leaves in the clear: the pin needs TLS.
      const typed = await rerun(t, form({ sslMode, password: IMPOSTOR_BAIT }))
      const tls = tlsCheck((typed as { ok: true; value: RunChecksResponse }).value.report)
      expect(tls.status).toBe('fail')
      expect(['cert_pin_mismatch', 'tls_disabled']).toContain(tls.reason)
      nothingReachedTheImpostor()
    },
  )

  it('saved as verify-full: require, or another root certificate, does not get the vaulted password', async () => {
    const t = testHandlers({ timeouts: FAST })
    const { form } = await connectorAnsweredByImpostor(t, 'verify-full')
    for (const over of [{ sslMode: 'require' }, { sslMode: 'verify-ca' }, { sslRootCert: 'system' }]) {
      const r = await rerun(t, form(over))
      expect(r).toMatchObject({ ok: false, error: { code: 'refused' } })
    }
    expect(fake.connections).toBe(0)
    // As strict as saved: the vaulted password is offered, and the pin stops it in the TLS upgrade.
    const same = await rerun(t, form())
    const tls = tlsCheck((same as { ok: true; value: RunChecksResponse }).value.report)
    expect(tls.status).toBe('fail')
    nothingReachedTheImpostor()
  })
})
