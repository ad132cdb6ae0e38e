import { describe, expect, it } from 'vitest'
import type { ExportResponse, RunChecksResponse } from '../../src-main/contract/index.js'
import { VAULT_SERVICE } from '../../src-main/handlers/create-handlers.js'
import { dispatch } from '../../src-main/handlers/dispatch.js'
import { testHandlers } from '../support/test-handlers.js'
import { labForm, portOf } from './helpers.js'
import { LAB_PASSWORD } from '../lab/seed.js'

let n = 0
const jobId = () => `export-${Date.now()}-${n++}`

/** Runs the tests on the lab's PostgreSQL 18 and exports the run under `name`. */
async function runAndExport(
  t: ReturnType<typeof testHandlers>,
  name: string,
  over: Record<string, unknown> = {},
) {
  const ran = await dispatch(t.handlers, 'runChecks', { jobId: jobId(), connection: labForm(18, over) })
  const run = (ran as { ok: true; value: RunChecksResponse }).value
  const exported = await dispatch(t.handlers, 'exportConnector', {
    runId: run.runId,
    name,
    acknowledgeWritableRole: false,
    approvedCertificateSha256: run.report.tls!.chain[0]!.fingerprint256,
  })
  return (exported as { ok: true; value: ExportResponse }).value.record
}

describe('export keeps one saved connector per target', () => {
  it('a re-export of the same target updates its entry; an older duplicate goes with its vaulted password', async () => {
    const t = testHandlers()
    const first = await runAndExport(t, 'Lab')
    // A duplicate such as an older version left behind: the same target under another id.
    t.records.save({ ...first, id: 'legacy-duplicate', name: 'Lab (old)' })
    await t.vault.setPassword(VAULT_SERVICE, 'legacy-duplicate', 'old-Zq7')

    const again = await runAndExport(t, 'Lab, renamed')
    expect(again.id).toBe(first.id)
    expect(t.records.list()).toEqual([expect.objectContaining({ id: first.id, name: 'Lab, renamed' })])
    expect(again.lastRun!.at >= first.lastRun!.at).toBe(true)
    expect(await t.vault.getPassword(VAULT_SERVICE, first.id)).toBe(LAB_PASSWORD)
    expect(await t.vault.getPassword(VAULT_SERVICE, 'legacy-duplicate')).toBeNull()

    // Another server is another target: a second entry.
    const other = await runAndExport(t, 'Lab 17', { port: String(portOf(17)) })
    expect(t.records.list().map((r) => r.id)).toEqual([first.id, other.id])
  })
})
