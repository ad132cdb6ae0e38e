import type { RequestOf, Responses, Result } from '../contract/index.js'
import { exportConnector, type FinishedRun } from '../core/use-cases/export-connector.js'
import type { HandlerDeps } from './create-handlers.js'
import { allowedFunctions } from './create-handlers.js'
import { failure } from './dispatch.js'
import type { RecentRuns } from './jobs.js'

/**
 * Export step: the run main kept (never the renderer's copy of its report), exported by the use case with
 * the certificate the admin approved; the record is saved, the password vaulted, the file offered.
 */
export async function exportHandler(
  r: RequestOf<'exportConnector'>,
  deps: HandlerDeps & { runs: RecentRuns<FinishedRun>; newId: () => string },
): Promise<Result<Responses['exportConnector']>> {
  const run = deps.runs.get(r.runId)
  if (!run) return failure('not_found', 'That test run is no longer kept: run the tests again, then export.')
  const { vault } = await deps.vault
  const outcome = await exportConnector(
    run,
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
  return outcome.ok ? outcome : { ok: false, error: outcome.error }
}
