import { describe, expect, it } from 'vitest'
import type { ExportResponse, RunChecksResponse } from '../../src-main/contract/index.js'
import { dispatch } from '../../src-main/handlers/dispatch.js'
import { LAB_PASSWORD } from '../lab/seed.js'
import { testHandlers } from '../support/test-handlers.js'
import { runCli } from './cli-run.js'
import { labArgs, labForm, portOf } from './helpers.js'

/**
 * The CLI and the app are two adapters over one use case each (core/use-cases): on the same input they
 * give the same answer. Each case runs `klairr-companion … --json` and the handler through `dispatch`
 * against the same lab server and compares them, leaving out only what differs by nature between two
 * runs (timings) or two callers (the tool's name, who acknowledged, when).
 */

let n = 0
const jobId = () => `parity-${Date.now()}-${n++}`
const env = { PGPASSWORD: LAB_PASSWORD }

/** The CLI's JSON answer (its exit status checked by the caller). */
async function cli(args: string[]): Promise<{ code: number | null; value: unknown }> {
  const r = await runCli(args, { env })
  expect(r.stderr).toBe('')
  return { code: r.code, value: JSON.parse(r.stdout) }
}

/** The app's answer: the value of a successful dispatch. */
async function app(method: string, request: Record<string, unknown>): Promise<unknown> {
  const r = await dispatch(testHandlers().handlers, method, request)
  if (!r.ok) throw new Error(`${method}: ${r.error.message}`)
  return r.value
}

/** Timings differ between any two runs: every `…Ms` number becomes 0. */
function untimed(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value), (key, v) => (/Ms$/.test(key) && typeof v === 'number' ? 0 : v))
}

describe('the CLI and the app give the same answer (one use case, two adapters)', () => {
  it('role script: the same script, verification and cleanup, sessions read-only by default in both', async () => {
    const request = {
      role: 'klairr_reader',
      database: 'analytics',
      schemas: ['public', 'sales'],
      owners: ['etl'],
      readOnlyDefault: true,
      statementTimeout: '30s',
      connectionLimit: 5,
      generatePassword: false,
    }
    const fromCli = await cli([
      'grants',
      ...['--role', 'klairr_reader', '--database', 'analytics', '--schema', 'public', '--schema', 'sales'],
      ...['--owner', 'etl', '--statement-timeout', '30s', '--connection-limit', '5', '--json'],
    ])
    expect(fromCli.code).toBe(0)
    expect(fromCli.value).toEqual(await app('roleScript', request))
    expect((fromCli.value as { script: string }).script).toContain('default_transaction_read_only = on')
  })

  it.each([
    ['rows, capped by the server', 'SELECT r_regionkey, r_name FROM tpch.region ORDER BY 1', 3],
    ['refused by the allow-list', 'DELETE FROM tpch.region', 3],
    ['a server error', 'SELECT 1/0', 10],
  ])('query, %s', async (_name, sql, maxRows) => {
    const fromCli = await cli([
      'query',
      ...labArgs(),
      '--username',
      'klairr_reader',
      '--max-rows',
      String(maxRows),
      '--sql',
      sql,
      '--json',
    ])
    const fromApp = await app('runQuery', { jobId: jobId(), connection: labForm(), sql, maxRows })
    expect(untimed(fromCli.value)).toEqual(untimed(fromApp))
  })

  it('query: the same connection failure, with the same advice', async () => {
    const port = portOf(18, 'noTls')
    const sql = 'SELECT 1'
    const fromCli = await cli([
      'query',
      ...labArgs(port),
      '--username',
      'klairr_reader',
      '--sql',
      sql,
      '--json',
    ])
    expect(fromCli.code).toBe(1)
    const fromApp = await app('runQuery', {
      jobId: jobId(),
      connection: labForm(18, { port: String(port) }),
      sql,
      maxRows: 1000,
    })
    expect(untimed(fromCli.value)).toEqual(untimed(fromApp))
    expect(fromApp).toMatchObject({ stage: 'connect', check: { id: 'tls', status: 'fail' } })
  })

  it.each(['klairr_reader', 'r_owner'])('audit as %s: the same findings and fix script', async (role) => {
    const fromCli = await cli(['audit', ...labArgs(), '--username', role, '--json'])
    const fromApp = await app('auditRole', { jobId: jobId(), connection: labForm(18, { username: role }) })
    expect(fromCli.value).toEqual(fromApp)
    const { report } = fromApp as { report: { findings: unknown[] } }
    expect(fromCli.code).toBe(report.findings.length ? 1 : 0)
    if (role === 'r_owner') expect(report.findings.length).toBeGreaterThan(0)
  })

  it('export: the same verified file from the same kind of run', async () => {
    const out = await runCli(
      ['export', ...labArgs(), '--username', 'klairr_reader', '--name', 'Lab analytics', '--out', '-'],
      { env },
    )
    expect(out.stderr).toBe('')
    expect(out.code).toBe(0)
    const t = testHandlers()
    const runId = jobId()
    const run = await dispatch(t.handlers, 'runChecks', { jobId: runId, connection: labForm() })
    if (!run.ok) throw new Error(run.error.message)
    const leaf = (run.value as RunChecksResponse).report.tls!.chain[0]!
    const exported = await dispatch(t.handlers, 'exportConnector', {
      runId,
      name: 'Lab analytics',
      acknowledgeWritableRole: false,
      approvedCertificateSha256: leaf.fingerprint256,
    })
    if (!exported.ok) throw new Error(exported.error.message)
    const comparable = (text: string) => {
      const doc = untimed(JSON.parse(text)) as { verification: { at: string; tool: string } }
      doc.verification.at = 'AT'
      doc.verification.tool = 'TOOL'
      return doc
    }
    expect(comparable(out.stdout)).toEqual(comparable((exported.value as ExportResponse).document))
  })
})
