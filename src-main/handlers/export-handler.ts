import type { RequestOf, Responses, Result } from '../contract/index.js'
import type { ConnectionSettings } from '../core/connection/settings.js'
import type { CheckReport } from '../core/checks/types.js'
import { buildExport, ExportRefused } from '../core/export/export-document.js'
import { parseExport } from '../core/export/validate-export.js'
import { recordFromExport } from '../core/records/connector-records.js'
import { redactText, secretsOf } from '../core/redact.js'
import type { HandlerDeps } from './create-handlers.js'
import { allowedFunctions, VAULT_SERVICE } from './create-handlers.js'
import { failure } from './dispatch.js'
import type { RecentRuns } from './jobs.js'

/** A finished run as main kept it, password included (it goes to the vault, never to the file). */
export interface StoredRun {
  settings: ConnectionSettings
  report: CheckReport
  connectorId: string | null
}

/** A file name from the connector's name: letters, digits and dashes only. */
export function exportFileName(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
  return `klairr-connector-${slug || 'postgresql'}.json`
}

/**
 * Export step: the run's own report (never the renderer's copy), the certificate the admin approved
 * (must be the one the run saw), the writable-role acknowledgement when the form allowed one, and the
 * functions the admin allowed by name. Then the file is checked against the published schema, the record
 * (allowed functions included) saved and the password put in the vault.
 */
export async function exportHandler(
  r: RequestOf<'exportConnector'>,
  deps: HandlerDeps & { runs: RecentRuns<StoredRun>; newId: () => string },
): Promise<Result<Responses['exportConnector']>> {
  const run = deps.runs.get(r.runId)
  if (!run) return failure('not_found', 'That test run is no longer kept: run the tests again, then export.')
  const leaf = run.report.tls?.chain[0]
  if (!leaf || leaf.fingerprint256 !== r.approvedCertificateSha256)
    return failure(
      'refused',
      'The approved certificate fingerprint is not the one the tests saw: review the certificate and approve it again.',
    )
  if (run.settings.allowWritableRole && !r.acknowledgeWritableRole)
    return failure(
      'refused',
      '"Allow writable role" is on: acknowledge that Klairr’s role can write before exporting.',
    )
  const secrets = secretsOf(run.settings)
  let text: string
  try {
    const doc = buildExport(run.settings, run.report, {
      tool: deps.tool,
      now: new Date(),
      acknowledgedBy: deps.user,
      allowFunctions: allowedFunctions(r.allowFunctions),
    })
    text = redactText(JSON.stringify(doc, null, 2), secrets) + '\n'
  } catch (e) {
    if (e instanceof ExportRefused)
      return failure('refused', redactText(`Export refused: ${e.reasons.join('; ')}.`, secrets))
    throw e
  }
  const checked = await parseExport(text)
  if (!checked.ok) {
    // The run passed, but the published schema is stricter than PostgreSQL (a host name Klairr
    // cannot resolve, a name with control characters): name the field to change.
    const fields = Object.fromEntries(
      checked.errors.flatMap((e) => {
        const field = /^\/connector\/(host|port|database|schema|username)\b/.exec(e)?.[1]
        return field
          ? [[field, `Klairr cannot take this value: ${e.replace(/^\/connector\/\w+: /, '')}.`]]
          : []
      }),
    )
    return failure(
      'refused',
      redactText(`This connector cannot be exported as it is: ${checked.errors.join('; ')}.`, secrets),
      Object.keys(fields).length ? fields : undefined,
    )
  }
  const id = run.connectorId ?? deps.newId()
  const record = recordFromExport(id, r.name, checked.doc)
  deps.records.save(record)
  let passwordStored: Responses['exportConnector']['passwordStored'] = 'none'
  if (run.settings.password) {
    const { vault } = await deps.vault
    await vault.setPassword(VAULT_SERVICE, id, run.settings.password.reveal())
    passwordStored = vault.backend
  }
  const fileName = exportFileName(r.name)
  const savedTo = deps.saveFile ? await deps.saveFile(fileName, text) : null
  return { ok: true, value: { fileName, document: text, savedTo, record, passwordStored } }
}
