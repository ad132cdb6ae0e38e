import { runChecks } from '../core/checks/run.js'
import { resolveSettingsOrThrow } from '../core/connection/resolve-settings.js'
import { SEAL_FORMAT, V1_WARNING } from '../core/export/seal.js'
import { ExportFileError, parseExport, readExportFile } from '../core/export/validate-export.js'
import { printable } from '../core/printable.js'
import { redactText, secretsOf } from '../core/redact.js'
import { fillPassword, withSigint } from './connection-options.js'
import type { Io } from './io.js'
import { HELP_OPTION, parseOrExit, type CommandSpec } from './command-spec.js'
import { UsageError } from './usage-error.js'

const OPTIONS = [
  {
    flag: 'password-stdin',
    type: 'boolean',
    help: 'read the password from standard input and run the six setup tests again',
  },
  {
    flag: 'recheck',
    type: 'boolean',
    help: 'run the six setup tests again, asking for the password on the terminal',
  },
  HELP_OPTION,
] as const

export const IMPORT: CommandSpec<typeof OPTIONS> = {
  name: 'import',
  usage: 'FILE [--password-stdin] [--recheck]',
  description: [
    'Reads a verified connector file back, checks it against the published schema (every malformed or tampered field gets its own line), and shows it. With --password-stdin or --recheck, runs the six setup tests again; the server’s certificate must be the pinned one, checked in the TLS handshake before anything is sent. PGPASSWORD and ~/.pgpass are never used: the file names the host.',
  ],
  options: OPTIONS,
  examples: [
    { command: 'klairr-companion import connector.json', says: 'the file checked and shown' },
    {
      command: 'klairr-companion import connector.json --recheck',
      says: 'and the tests run again against the pinned certificate, the password typed at the prompt',
    },
  ],
  exitStatus:
    '0 valid (and re-checked), 1 a check fails now, 2 bad input, or a malformed, tampered or mismatched file.',
}

/** `klairr-companion import`: returns the exit status. */
export async function importCommand(io: Io): Promise<number> {
  // Every line is printable: the file, its path and the server's answers are hostile input.
  const fail = (lines: string[]) => {
    io.stderr.write(lines.map((l) => `klairr-companion import: ${printable(l)}\n`).join(''))
    return 2
  }
  const args = await parseOrExit(io, IMPORT, ({ values, positionals }) => {
    if (positionals.length !== 1) throw new UsageError('give exactly one FILE')
    return { values, file: positionals[0]! }
  })
  if (typeof args === 'number') return args
  const { values, file } = args
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
  const settings = resolveSettingsOrThrow({ ...connector, password: undefined }, {})
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
