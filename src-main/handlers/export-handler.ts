import type { RequestOf, Responses, Result } from '../contract/index.js'
import { connectorForExport } from '../core/records/connector-records.js'
import { takeConnectorSecrets } from '../core/secrets/connector-secrets.js'
import { exportConnector, type FinishedRun } from '../core/use-cases/export-connector.js'
import type { HandlerDeps } from './create-handlers.js'
import { allowedFunctions } from './create-handlers.js'
import { failure } from './dispatch.js'
import type { RecentRuns } from './jobs.js'

/**
 * Export step: the run main kept (never the renderer's copy of its report), exported by the use case with
 * the certificate the admin approved; the record is saved, the password and client key vaulted, the file
 * offered. One saved connector per target: a re-export of the same `user@host:port/database` and schema
 * updates its entry (name, run, fingerprint), and any older duplicate of it goes, with its vaulted secrets.
 */
export async function exportHandler(
  r: RequestOf<'exportConnector'>,
  deps: HandlerDeps & { runs: RecentRuns<FinishedRun>; newId: () => string },
): Promise<Result<Responses['exportConnector']>> {
  const run = deps.runs.get(r.runId)
  if (!run) return failure('not_found', 'That test run is no longer kept: run the tests again, then export.')
  const { vault } = await deps.vault
  const connectorId = connectorForExport(deps.records.list(), run.connectorId, run.settings)
  const outcome = await exportConnector(
    { ...run, connectorId },
    {
      name: r.name,
      acknowledgeWritableRole: r.acknowledgeWritableRole,
      approvedCertificateSha256: r.approvedCertificateSha256,
      allowFunctions: allowedFunctions(r.allowFunctions),
    },
    {
      tool: deps.tool,
      user: deps.user,
      now: () => new Date(),
      newId: deps.newId,
      keep: { records: deps.records, vault },
      saveFile: deps.saveFile,
    },
  )
  if (!outcome.ok) return { ok: false, error: outcome.error }
  for (const duplicate of deps.records.withTarget(run.settings)) {
    if (duplicate.id === outcome.value.record.id) continue
    deps.records.remove(duplicate.id)
    await takeConnectorSecrets(vault, duplicate.id)
  }
  return outcome
}
