import { runChecks } from '../core/checks/run.js'
import { resolveSettings } from '../core/connection/resolve-settings.js'
import { SEAL_FORMAT, V1_WARNING } from '../core/export/seal.js'
import { ExportFileError, parseExport, readExportFile } from '../core/export/validate-export.js'
import { printable } from '../core/printable.js'
import { redactText, secretsOf } from '../core/redact.js'
import { fillPassword, withSigint } from './connection-options.js'
import type { Io } from './io.js'
import { parseStrict } from './parse-args.js'
import { UsageError } from './usage-error.js'

export const IMPORT_HELP = `Usage: klairr-companion import FILE [--password-stdin] [--recheck]

Reads a verified connector file back, checks it against the published schema
(every malformed or tampered field gets its own line), and shows it. With
--password-stdin, or --recheck (which asks for the password on a terminal),
runs the six setup tests again; the server's certificate must be the pinned one,
checked in the TLS handshake before anything is sent. PGPASSWORD and ~/.pgpass
are never used: the file names the host.

Exit status: 0 valid (and re-checked), 1 a check fails now, 2 malformed,
tampered or mismatched file.
`

const OPTIONS = {
  'password-stdin': { type: 'boolean' },
  recheck: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const

/** `klairr-companion import`: returns the exit status. */
export async function importCommand(io: Io): Promise<number> {
  // Every line is printable: the file, its path and the server's answers are hostile input.
  const fail = (lines: string[]) => {
    io.stderr.write(lines.map((l) => `klairr-companion import: ${printable(l)}\n`).join(''))
    return 2
  }
  let file: string
  let values
  try {
    const parsed = parseStrict(io.argv, OPTIONS)
    values = parsed.values
    if (values.help) {
      io.stdout.write(IMPORT_HELP)
      return 0
    }
    if (parsed.positionals.length !== 1) throw new UsageError('give exactly one FILE')
    file = parsed.positionals[0]!
  } catch (e) {
    if (e instanceof UsageError) return fail([e.message])
    throw e
  }
  let text: string
  try {
    text = readExportFile(file)
  } catch (e) {
    if (e instanceof ExportFileError) return fail([e.message])
    throw e
  }
  const parsed = await parseExport(text)
  if (!parsed.ok) return fail(parsed.errors.map((e) => `${file}: ${e}`))
  const { connector, verification } = parsed.doc
  const secret = parsed.doc.secret
  const shown = (
    `${file}: ${connector.username}@${connector.host}:${connector.port}/${connector.database} (schema ${connector.schema}, sslmode ${connector.sslMode})\n` +
    `  verified ${verification.verdict.replace(/_/g, ' ')} at ${verification.at} by ${verification.tool}; PostgreSQL ${verification.server.versionString}, ${verification.tls.protocol}\n` +
    `  certificate SHA-256 ${verification.tls.certificateSha256}\n` +
    (connector.writableRoleAcknowledgement
      ? `  writable role acknowledged by ${connector.writableRoleAcknowledgement.by} at ${connector.writableRoleAcknowledgement.at}\n`
      : '') +
    `  functions allowed by name: ${parsed.doc.guard?.allowFunctions.join(', ') || 'none'}\n` +
    `  password: ${secret ? `sealed (${secret.alg}, ${secret.format === SEAL_FORMAT ? 'format v2, bound to this connector' : 'format v1'})` : 'not included'}\n`
  )
    .split('\n')
    .map(printable)
    .join('\n')
  io.stdout.write(shown)
  if (secret && secret.format !== SEAL_FORMAT)
    io.stderr.write(`klairr-companion import: warning: ${V1_WARNING}\n`)
  // The file names the host: neither PGPASSWORD nor pgpass may hand it a password, only the admin.
  const settings = resolveSettings({ ...connector, password: undefined }, {})
  const passwordStdin = Boolean(values['password-stdin'])
  if (!passwordStdin && !values.recheck) return 0
  if (!(await fillPassword(settings, io, { passwordStdin, prompt: !passwordStdin, pgpass: false })))
    return 130
  const pinned = verification.tls.certificateSha256
  const { report } = await withSigint((signal) =>
    runChecks(settings, { signal, pinnedCertificateSha256: pinned }),
  )
  const secrets = secretsOf(settings)
  const now = report.tls?.chain[0]?.fingerprint256
  if (now && now !== pinned)
    return fail([
      `${file}: cert_pin_mismatch: the server's certificate (${now}) is not the pinned one (${pinned}): the server changed or the file was altered; the TLS handshake was closed before anything was sent`,
    ])
  const failing = report.checks.filter((c) => c.status === 'fail' || c.status === 'skip')
  io.stdout.write(
    redactText(
      `${printable(`Re-checked now: ${report.verdict.replace(/_/g, ' ')}${failing.length ? ` (${failing.map((c) => `${c.id}: ${c.reason}`).join(', ')})` : ''}`)}\n`,
      secrets,
    ),
  )
  return failing.length ? 1 : 0
}
