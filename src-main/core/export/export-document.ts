import schema from '../../../resources/klairr-connector.schema.json'
import type { ConnectionSettings } from '../connection/settings.js'
import type { CheckReport } from '../checks/types.js'
import type { ProviderFinding } from '../diagnosis/provider.js'
import type { SealedSecret } from './seal.js'
import { formatAllowedFunction, type AllowedFunction } from '../sql/allowed-functions.js'

export const EXPORT_FORMAT = 'klairr.connector.postgresql/v1'
export const EXPORT_SCHEMA = schema

/** What the admin uploads to Klairr: settings without the password, the proof, and optionally the sealed password. */
export interface ExportDocument {
  format: typeof EXPORT_FORMAT
  connector: {
    host: string
    port: number
    database: string
    schema: string
    username: string
    sslMode: 'require' | 'verify-ca' | 'verify-full'
    privateNetwork: boolean
    allowWritableRole: boolean
    /** The run presented a client certificate: the connector needs one (never the key or its passphrase). */
    clientCertificate?: true
    writableRoleAcknowledgement?: { by: string; at: string }
  }
  /**
   * What the admin added to the guard's allow-list: functions allowed by name, `schema.name` quoted only
   * where PostgreSQL needs it (every overload). Absent in files written before this field: none.
   */
  guard?: { allowFunctions: string[] }
  verification: {
    at: string
    tool: string
    verdict: 'ready' | 'ready_with_warnings'
    checks: {
      id: string
      status: 'pass' | 'warn'
      reason: string | null
      troubleshooting: string | null
      summary: string
      evidence: Record<string, unknown>
    }[]
    server: { versionString: string; versionNumber: number; inRecovery: boolean }
    tls: { protocol: 'TLSv1.2' | 'TLSv1.3'; certificateSha256: string }
    introspection: { relations: number; columns: number }
    /**
     * The managed service the run recognised (the report's `provider`: host name suffix or certificate
     * issuer), or null when it recognised none (a self-hosted server, or a service it does not know).
     * Absent in files written before this field.
     */
    provider?: Pick<ProviderFinding, 'id' | 'via'> | null
  }
  secret?: SealedSecret
}

export class ExportRefused extends Error {
  override readonly name = 'ExportRefused'
  constructor(readonly reasons: string[]) {
    super(`export refused: ${reasons.join('; ')}`)
  }
}

/**
 * Builds the export from a finished run. Refused while any check failed or did not run; a writable role
 * passes only when "Allow writable role" was set, and then the acknowledgement (who, when) is recorded.
 * The functions allowed by name are recorded too, none included, and the managed service recognised, if any.
 */
export function buildExport(
  settings: ConnectionSettings,
  report: CheckReport,
  opts: {
    tool: string
    now: Date
    acknowledgedBy: string
    secret?: SealedSecret
    allowFunctions?: readonly AllowedFunction[]
  },
): ExportDocument {
  const blocking = report.checks.filter((c) => c.status === 'fail' || c.status === 'skip')
  if (blocking.length || report.verdict === 'blocked') {
    throw new ExportRefused(
      blocking.map(
        (c) => `${c.id} ${c.status === 'skip' ? 'did not run' : `failed (${c.reason})`}: ${c.summary}`,
      ),
    )
  }
  const leaf = report.tls?.chain[0]
  const protocol = report.tls?.protocol
  if (!leaf || (protocol !== 'TLSv1.2' && protocol !== 'TLSv1.3') || !report.server) {
    throw new ExportRefused(['the run has no TLS certificate or server facts to record'])
  }
  if (
    settings.sslMode !== 'require' &&
    settings.sslMode !== 'verify-ca' &&
    settings.sslMode !== 'verify-full'
  ) {
    throw new ExportRefused([`sslmode ${settings.sslMode} is not one Klairr accepts`])
  }
  // Klairr's connector holds one host and no startup options: a run that needed more did not test the
  // connection Klairr would make, so it is not exported as if it had.
  if (settings.moreHosts?.length)
    throw new ExportRefused([
      `Klairr's connector holds one host, and this run was given ${settings.moreHosts.length + 1} (host=a,b): run the checks with the one host Klairr should use`,
    ])
  if (settings.options)
    throw new ExportRefused([
      "Klairr's connector sends no startup options: run the checks without options (a Neon endpoint is chosen by the host name, which Klairr sends as SNI)",
    ])
  const intro = report.checks.find((c) => c.id === 'introspection')?.evidence as
    { relations?: number; columns?: number } | undefined
  const connector: ExportDocument['connector'] = {
    host: settings.host,
    port: settings.port,
    database: settings.database,
    schema: settings.schema,
    username: settings.username,
    sslMode: settings.sslMode,
    privateNetwork: settings.privateNetwork,
    allowWritableRole: settings.allowWritableRole,
  }
  if (settings.sslCert !== undefined) connector.clientCertificate = true
  if (settings.allowWritableRole)
    connector.writableRoleAcknowledgement = { by: opts.acknowledgedBy, at: opts.now.toISOString() }
  const doc: ExportDocument = {
    format: EXPORT_FORMAT,
    connector,
    guard: { allowFunctions: (opts.allowFunctions ?? []).map(formatAllowedFunction) },
    verification: {
      at: opts.now.toISOString(),
      tool: opts.tool,
      verdict: report.verdict === 'ready' ? 'ready' : 'ready_with_warnings',
      checks: report.checks.map((c) => ({
        id: c.id,
        status: c.status as 'pass' | 'warn',
        reason: c.reason,
        troubleshooting: c.troubleshooting,
        summary: c.summary,
        evidence: c.evidence,
      })),
      server: {
        versionString: report.server.versionString,
        versionNumber: report.server.versionNumber,
        inRecovery: report.server.inRecovery,
      },
      tls: { protocol, certificateSha256: leaf.fingerprint256 },
      introspection: { relations: intro?.relations ?? 0, columns: intro?.columns ?? 0 },
      provider: report.provider ? { id: report.provider.id, via: report.provider.via } : null,
    },
  }
  if (opts.secret) doc.secret = opts.secret
  return doc
}
