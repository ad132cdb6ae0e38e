import { describe, expect, it } from 'vitest'
import type { RunChecksResponse } from '../../src-main/contract/index.js'
import { VAULT_SERVICE } from '../../src-main/handlers/create-handlers.js'
import { dispatch } from '../../src-main/handlers/dispatch.js'
import { testHandlers } from '../support/test-handlers.js'
import { lab, labForm, portOf } from './helpers.js'
import { LAB_DATABASE, LAB_PASSWORD } from '../lab/seed.js'
import { quoteIdent, quoteLiteral } from '../../src-main/core/sql-ident.js'
import { asSuperuser } from './superuser.js'

const form = (over: Record<string, unknown> = {}) => labForm(18, over)

let n = 0
const jobId = () => `job-${Date.now()}-${n++}`

async function run(t: ReturnType<typeof testHandlers>, over: Record<string, unknown> = {}) {
  const r = await dispatch(t.handlers, 'runChecks', { jobId: jobId(), connection: form(over) })
  if (!r.ok) throw new Error(r.error.message)
  return r.value as RunChecksResponse
}

describe('handlers over the lab (what the app and serve call)', () => {
  it('runChecks streams each check as it starts and ends, with advice, and returns the schema', async () => {
    const t = testHandlers()
    const out = await run(t)
    expect(out.report.verdict).toBe('ready')
    expect(t.events.map((e) => `${e.type}:${e.type === 'check_started' ? e.id : e.result.id}`)).toEqual(
      ['network', 'tls', 'auth', 'read_access', 'write_probe', 'introspection'].flatMap((id) => [
        `check_started:${id}`,
        `check_finished:${id}`,
      ]),
    )
    expect(new Set(t.events.map((e) => e.jobId)).size).toBe(1)
    expect(out.schema!.relations.map((r) => r.name)).toContain('customers')
    expect(JSON.stringify([out, t.events])).not.toContain(LAB_PASSWORD)
  })

  it('a failure carries its advice, without the password', async () => {
    const t = testHandlers()
    const out = await run(t, { port: String(portOf(18, 'noTls')) })
    const tls = out.report.checks.find((c) => c.id === 'tls')!
    expect(tls.status).toBe('fail')
    expect(tls.advice!.steps.length).toBeGreaterThan(0)
    expect(JSON.stringify(out)).not.toContain(LAB_PASSWORD)
  })

  it('cancel stops a run against a port that never answers', async () => {
    const t = testHandlers()
    const id = jobId()
    const pending = dispatch(t.handlers, 'runChecks', {
      jobId: id,
      connection: form({ port: String(lab().fakes.hungPort) }),
    })
    await new Promise((r) => setTimeout(r, 200))
    expect(await dispatch(t.handlers, 'cancel', { jobId: id })).toEqual({
      ok: true,
      value: { cancelled: true },
    })
    const r = (await pending) as { ok: true; value: RunChecksResponse }
    expect(r.value.report.cancelled).toBe(true)
    expect(await dispatch(t.handlers, 'cancel', { jobId: id })).toEqual({
      ok: true,
      value: { cancelled: false },
    })
  })

  it('runQuery: refused by the guard without connecting, run when allowed, a connection failure as a value', async () => {
    const t = testHandlers()
    const refused = await dispatch(t.handlers, 'runQuery', {
      jobId: jobId(),
      connection: form({ port: '1' }),
      sql: 'DELETE FROM customers',
      maxRows: 10,
    })
    expect(refused).toMatchObject({ ok: true, value: { stage: 'guard', rule: 'not_a_query' } })
    const ran = await dispatch(t.handlers, 'runQuery', {
      jobId: jobId(),
      connection: form(),
      sql: 'SELECT id FROM customers ORDER BY id',
      maxRows: 3,
    })
    expect(ran).toMatchObject({
      ok: true,
      value: { stage: 'execute', ok: true, rows: [['1'], ['2'], ['3']], truncated: true },
    })
    const down = await dispatch(t.handlers, 'runQuery', {
      jobId: jobId(),
      connection: form({ port: String(lab().fakes.closedPort) }),
      sql: 'SELECT 1',
      maxRows: 3,
    })
    expect(down).toMatchObject({
      ok: true,
      value: { stage: 'connect', check: { id: 'network', status: 'fail' } },
    })
  })

  it('export: the run main kept, the approved fingerprint, a record, the password in the vault only', async () => {
    const t = testHandlers()
    const out = await run(t)
    const fingerprint = out.report.tls!.chain[0]!.fingerprint256
    const wrong = fingerprint.replace(/^../, fingerprint.startsWith('00') ? '11' : '00')
    expect(
      await dispatch(t.handlers, 'exportConnector', {
        runId: out.runId,
        name: 'Lab',
        acknowledgeWritableRole: false,
        approvedCertificateSha256: wrong,
      }),
    ).toMatchObject({
      ok: false,
      error: { code: 'refused', message: expect.stringContaining('fingerprint') },
    })
    expect(t.records.list()).toEqual([])

    const r = await dispatch(t.handlers, 'exportConnector', {
      runId: out.runId,
      name: 'Lab analytics',
      acknowledgeWritableRole: false,
      approvedCertificateSha256: fingerprint,
    })
    expect(r).toMatchObject({
      ok: true,
      value: { fileName: 'klairr-connector-lab-analytics.json', savedTo: null, passwordStored: 'memory' },
    })
    const value = (r as { ok: true; value: { document: string; record: { id: string } } }).value
    expect(value.document).not.toContain(LAB_PASSWORD)
    expect(JSON.stringify(t.stored())).not.toContain(LAB_PASSWORD)
    expect(await t.vault.getPassword(VAULT_SERVICE, value.record.id)).toBe(LAB_PASSWORD)
    expect(t.records.list()).toMatchObject([
      { name: 'Lab analytics', approvedCertificateSha256: fingerprint },
    ])

    // The saved connector runs again with the vaulted password; its record keeps the verdict.
    const again = await run(t, { password: '', connectorId: value.record.id })
    expect(again.report.verdict).toBe('ready')
    expect(t.records.get(value.record.id)!.lastRun!.verdict).toBe('ready')
    // Edited to point elsewhere (another server, same role), the saved password is not sent there,
    // and that run's verdict is not recorded on the connector.
    const before = t.records.get(value.record.id)!.lastRun
    const elsewhere = await run(t, { password: '', connectorId: value.record.id, port: String(portOf(12)) })
    expect(elsewhere.report.checks.find((c) => c.id === 'auth')).toMatchObject({ status: 'fail' })
    expect(t.records.get(value.record.id)!.lastRun).toEqual(before)

    expect(await dispatch(t.handlers, 'deleteConnector', { id: value.record.id })).toEqual({
      ok: true,
      value: { deleted: true },
    })
    expect(await t.vault.getPassword(VAULT_SERVICE, value.record.id)).toBeNull()
  })

  it('auditRole: the causes and the fix script for a writable role, nothing for the guide’s role', async () => {
    const t = testHandlers()
    const writable = await dispatch(t.handlers, 'auditRole', {
      jobId: jobId(),
      connection: form({ username: 'r_write_all' }),
    })
    expect(writable).toMatchObject({ ok: true, value: { stage: 'audit', report: { role: 'r_write_all' } } })
    const report = (writable as { ok: true; value: { report: { findings: unknown[]; fixScript: string } } })
      .value.report
    expect(report.findings.length).toBeGreaterThan(0)
    expect(report.fixScript).toContain('REVOKE')
    const clean = await dispatch(t.handlers, 'auditRole', { jobId: jobId(), connection: form() })
    // The guide's role writes nothing; the lab's r_owner creates tables it has no default privileges for.
    expect(clean).toMatchObject({ ok: true, value: { stage: 'audit', report: { role: 'klairr_reader' } } })
    const cleanReport = (clean as { ok: true; value: { report: { fixScript: string } } }).value.report
    expect(cleanReport.fixScript).not.toContain('REVOKE')
    const down = await dispatch(t.handlers, 'auditRole', {
      jobId: jobId(),
      connection: form({ port: String(lab().fakes.closedPort) }),
    })
    expect(down).toMatchObject({
      ok: true,
      value: { stage: 'connect', check: { id: 'network', status: 'fail' } },
    })
  })

  it('a writable role exports only with "Allow writable role" and the acknowledgement', async () => {
    const t = testHandlers()
    const blocked = await run(t, { username: 'r_write_all' })
    expect(blocked.report.verdict).toBe('blocked')
    const fp = blocked.report.tls!.chain[0]!.fingerprint256
    const refused = await dispatch(t.handlers, 'exportConnector', {
      runId: blocked.runId,
      name: 'w',
      acknowledgeWritableRole: true,
      approvedCertificateSha256: fp,
    })
    expect(refused).toMatchObject({
      ok: false,
      error: { code: 'refused', message: expect.stringContaining('write_probe') },
    })

    const allowed = await run(t, { username: 'r_write_all', allowWritableRole: true })
    const request = { runId: allowed.runId, name: 'w', approvedCertificateSha256: fp }
    expect(
      await dispatch(t.handlers, 'exportConnector', { ...request, acknowledgeWritableRole: false }),
    ).toMatchObject({
      ok: false,
      error: { code: 'refused', message: expect.stringContaining('acknowledge') },
    })
    const ok = await dispatch(t.handlers, 'exportConnector', { ...request, acknowledgeWritableRole: true })
    expect(ok).toMatchObject({
      ok: true,
      value: { record: { writableRoleAcknowledgement: { by: 'tester' } } },
    })
  })

  it('a run that passed but that the published schema refuses (an invisible character in a name): a field error, not a crash', async () => {
    const schema = 'zw\u200bsales'
    await asSuperuser(18, LAB_DATABASE, async (c) => {
      await c.query(`DO $$ BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'klairr_export_zw') THEN
          CREATE ROLE klairr_export_zw LOGIN PASSWORD ${quoteLiteral(LAB_PASSWORD)};
        END IF; END $$`)
      await c.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`)
      await c.query(`CREATE TABLE IF NOT EXISTS ${quoteIdent(schema)}.orders (id int)`)
      await c.query(`GRANT USAGE ON SCHEMA ${quoteIdent(schema)} TO klairr_export_zw`)
      await c.query(`GRANT SELECT ON ${quoteIdent(schema)}.orders TO klairr_export_zw`)
    })
    const t = testHandlers()
    const out = await run(t, { username: 'klairr_export_zw', schema })
    expect(out.report.verdict).toBe('ready')
    const r = await dispatch(t.handlers, 'exportConnector', {
      runId: out.runId,
      name: 'Invisible',
      acknowledgeWritableRole: false,
      approvedCertificateSha256: out.report.tls!.chain[0]!.fingerprint256,
    })
    expect(r).toMatchObject({
      ok: false,
      error: {
        code: 'refused',
        message: expect.stringMatching(/^This connector cannot be exported as it is: \/connector\/schema: /),
        fields: { schema: expect.stringMatching(/^Klairr cannot take this value: .*U\+200B/) },
      },
    })
    expect(t.records.list()).toEqual([])
  })

  it('a partitioned table reaches the explorer once, with its partition count', async () => {
    const out = await run(testHandlers(), { username: 'r_parts', schema: 'parts' })
    expect(out.schema!.relations).toEqual([
      expect.objectContaining({ name: 'measurements', kind: 'partitioned_table', partitions: 2 }),
    ])
  })
})
