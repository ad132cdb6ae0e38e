import type { KeyObject } from 'node:crypto'
import type { ApiError, ExportResponse } from '../../contract/index.js'
import type { CheckReport } from '../checks/types.js'
import type { ConnectionSettings } from '../connection/settings.js'
import { buildExport, ExportRefused } from '../export/export-document.js'
import { bindingOf, sealSecret } from '../export/seal.js'
import { parseExport } from '../export/validate-export.js'
import { recordFromExport, type ConnectorRecord } from '../records/connector-records.js'
import { redactText, secretsOf } from '../redact.js'
import { Secret } from '../secrets/secret.js'
import { storeConnectorSecrets, VAULT_SERVICE } from '../secrets/connector-secrets.js'
import type { SecretVault } from '../secrets/vault.js'
import type { AllowedFunction } from '../sql/allowed-functions.js'

export { VAULT_SERVICE }

/** A finished run of the setup tests: the report its own process kept, and the settings it ran with. */
export interface FinishedRun {
  settings: ConnectionSettings
  report: CheckReport
  /** The saved connector the run was against, whose id the export keeps; null for a new one. */
  connectorId: string | null
}

export interface ExportInput {
  /** The connector's name: its record's name and the file's. */
  name: string
  /** The admin acknowledged that the role can write (needed when the run allowed a writable role). */
  acknowledgeWritableRole: boolean
  /** The fingerprint the admin approved, which must be the run's; null when nobody approves one (the CLI). */
  approvedCertificateSha256: string | null
  allowFunctions: readonly AllowedFunction[]
}

export interface ExportDeps {
  tool: string
  user: string
  now: () => Date
  newId: () => string
  /**
   * The app: the record is saved (with the client certificate, which is public) and the password, the
   * client key and its passphrase put in the vault. The CLI keeps nothing.
   */
  keep?: { records: { save(record: ConnectorRecord): void }; vault: SecretVault }
  /** Writes the file and says where (the app's save dialog, the CLI's --out); absent, the text is returned only. */
  saveFile?: (fileName: string, text: string) => Promise<string | null>
  /** The CLI's --seal-to: the password sealed to this public key, bound to the connector (format v2). */
  sealTo?: KeyObject
}

/** Why an export was refused: the adapters turn each into their own status (a field error, an exit code). */
export type ExportRefusal = 'run_not_ready' | 'certificate_not_approved' | 'not_acknowledged' | 'schema'

export type ExportOutcome =
  { ok: true; value: ExportResponse } | { ok: false; refusal: ExportRefusal; error: ApiError }

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
 * The verified connector file from a finished run: refused unless every check passed or warned, the
 * certificate is the one the admin approved, and a writable role was acknowledged. The file must then be
 * what the published schema says (lengths and patterns included) or it is not written. Only then is the
 * record saved, the password (and any client key with its passphrase) vaulted, and the file handed to
 * `saveFile`.
 */
export async function exportConnector(
  run: FinishedRun,
  input: ExportInput,
  deps: ExportDeps,
): Promise<ExportOutcome> {
  const refused = (refusal: ExportRefusal, message: string, fields?: Record<string, string>) => ({
    ok: false as const,
    refusal,
    error: { code: 'refused' as const, message, ...(fields ? { fields } : {}) },
  })
  const { settings, report } = run
  const secrets = secretsOf(settings)
  const leaf = report.tls?.chain[0]
  if (input.approvedCertificateSha256 !== null && leaf?.fingerprint256 !== input.approvedCertificateSha256)
    return refused(
      'certificate_not_approved',
      'The approved certificate fingerprint is not the one the tests saw: review the certificate and approve it again.',
    )
  if (settings.allowWritableRole && !input.acknowledgeWritableRole)
    return refused(
      'not_acknowledged',
      '"Allow writable role" is on: acknowledge that Klairr’s role can write before exporting.',
    )
  let text: string
  try {
    const doc = buildExport(settings, report, {
      tool: deps.tool,
      now: deps.now(),
      acknowledgedBy: deps.user,
      allowFunctions: input.allowFunctions,
    })
    // Sealed last, to the connector as the file states it and the certificate it pins (format v2).
    if (deps.sealTo && settings.password)
      doc.secret = sealSecret(settings.password.reveal(), deps.sealTo, bindingOf(doc))
    text = redactText(JSON.stringify(doc, null, 2), secrets) + '\n'
  } catch (e) {
    if (e instanceof ExportRefused)
      return refused('run_not_ready', redactText(`Export refused: ${e.reasons.join('; ')}.`, secrets))
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
    return refused(
      'schema',
      redactText(`This connector cannot be exported as it is: ${checked.errors.join('; ')}.`, secrets),
      Object.keys(fields).length ? fields : undefined,
    )
  }
  const id = run.connectorId ?? deps.newId()
  const record = recordFromExport(id, input.name, checked.doc, settings.sslCert)
  let passwordStored: ExportResponse['passwordStored'] = 'none'
  if (deps.keep) {
    deps.keep.records.save(record)
    // A run without a client key leaves none behind from an earlier export of this connector.
    const clientKey = settings.sslKey ? new Secret(settings.sslKey) : null
    await storeConnectorSecrets(deps.keep.vault, id, {
      ...(settings.password ? { password: settings.password } : {}),
      clientKey,
      clientKeyPassphrase: clientKey ? (settings.sslPassword ?? null) : null,
    })
    if (settings.password) passwordStored = deps.keep.vault.backend
  }
  const fileName = exportFileName(input.name)
  const savedTo = deps.saveFile ? await deps.saveFile(fileName, text) : null
  return { ok: true, value: { fileName, document: text, savedTo, record, passwordStored } }
}
