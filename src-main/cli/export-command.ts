import { randomUUID, type KeyObject } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { userInfo } from 'node:os'
import { REQUESTS } from '../contract/index.js'
import { runChecks } from '../core/checks/run.js'
import { parseRecipient, SealError } from '../core/export/seal.js'
import { printable } from '../core/printable.js'
import { redactText, secretsOf } from '../core/redact.js'
import { exportConnector } from '../core/use-cases/export-connector.js'
import { ALLOW_FUNCTION_SPEC, allowFunctionsFromArgs } from './allow-function-option.js'
import { HELP_OPTION, parseOrExit, type CommandSpec } from './command-spec.js'
import {
  CONNECTION_NOTE,
  CONNECTION_TABLE,
  connectionOrExit,
  PASSWORD_NOTE,
  withSigint,
} from './connection-options.js'
import { checkedByContract } from './contract-flags.js'
import type { Io } from './io.js'
import { UsageError } from './usage-error.js'

const OPTIONS = [
  {
    flag: 'out',
    type: 'string',
    argName: 'FILE',
    help: 'where to write the file ("-" for standard output); required',
  },
  {
    flag: 'name',
    type: 'string',
    argName: 'NAME',
    help: 'the connector’s name, as the app asks for it (default: postgresql)',
  },
  {
    flag: 'seal-to',
    type: 'string',
    argName: 'PUBLIC_KEY.pem',
    help: 'seal the password to this RSA (≥ 2048 bits, e = 65537) or X25519 public key, bound to this connector and its pinned certificate (seal format v2)',
  },
  { ...ALLOW_FUNCTION_SPEC, help: `${ALLOW_FUNCTION_SPEC.help}; recorded in the file for Klairr's guard` },
  ...CONNECTION_TABLE,
  HELP_OPTION,
] as const

export const EXPORT: CommandSpec<typeof OPTIONS> = {
  name: 'export',
  usage: '[CONNECTION] [options] --out FILE',
  description: [
    'Runs the six setup tests and, only when they allow it, writes the verified connector file to upload to Klairr (format klairr.connector.postgresql/v1, schema in resources/klairr-connector.schema.json). The password is not in it, unless --seal-to seals it to the recipient’s public key.',
    CONNECTION_NOTE,
  ],
  options: OPTIONS,
  notes: [
    'A writable role is exported only with --allow-writable-role, which is the acknowledgement; who and when are recorded in the file.',
    PASSWORD_NOTE,
  ],
  examples: [
    {
      command:
        'klairr-companion export postgresql://klairr_reader@db.internal/analytics --out connector.json',
      says: 'the verified file, no password in it',
    },
    {
      command:
        'printf %s "$PW" | klairr-companion export --host db --username klairr_reader --password-stdin --seal-to klairr.pem --out -',
      says: 'the file on standard output, the password sealed to Klairr’s key',
    },
  ],
  exitStatus: '0 written, 1 refused (a check failed), 2 bad input, 130 cancelled.',
}

declare const __APP_VERSION__: string

/** The public key to seal to, checked before the tests run: a private key, a weak RSA key or another kind is refused now. */
function recipientFrom(file: string): KeyObject {
  let pem: string
  try {
    pem = readFileSync(file, 'utf8')
  } catch {
    throw new UsageError(`cannot read the public key file ${printable(file)}`)
  }
  try {
    return parseRecipient(pem)
  } catch (e) {
    if (e instanceof SealError) throw new UsageError(`--seal-to ${printable(file)}: ${e.message}`)
    throw e
  }
}

/** `klairr-companion export`: the setup tests, then the exportConnector use case; returns the exit status. */
export async function exportCommand(io: Io): Promise<number> {
  const parsed = await parseOrExit(io, EXPORT, async ({ values, positionals }) => {
    if (!values.out) throw new UsageError('--out FILE is required ("-" for standard output)')
    const recipient = values['seal-to'] === undefined ? null : recipientFrom(values['seal-to'])
    const allowFunctions = allowFunctionsFromArgs(values['allow-function'])
    const { name } = checkedByContract(
      REQUESTS.exportConnector.pick({ name: true }),
      { name: values.name ?? 'postgresql' },
      { name: '--name' },
    )
    const connection = await connectionOrExit(io, values, positionals, { prompt: true })
    if (connection === 130) return 130
    if (recipient && !connection.settings.password)
      throw new UsageError(
        '--seal-to needs the password: give it with --password-stdin, PGPASSWORD or ~/.pgpass',
      )
    return { ...connection, out: values.out, name, recipient, allowFunctions }
  })
  if (typeof parsed === 'number') return parsed
  const { settings, timeouts, out, recipient } = parsed
  const secrets = secretsOf(settings)
  const { report } = await withSigint((signal) => runChecks(settings, { timeouts, signal }))
  if (report.cancelled) return 130
  let outcome
  try {
    outcome = await exportConnector(
      { settings, report, connectorId: null },
      {
        name: parsed.name,
        // On the command line, --allow-writable-role is the acknowledgement; nobody approves a certificate.
        acknowledgeWritableRole: settings.allowWritableRole,
        approvedCertificateSha256: null,
        allowFunctions: parsed.allowFunctions,
      },
      {
        tool: `klairr-companion/${__APP_VERSION__}`,
        user: userInfo().username,
        now: () => new Date(),
        newId: randomUUID,
        sealTo: recipient ?? undefined,
        saveFile:
          out === '-'
            ? undefined
            : async (_name, text) => {
                writeFileSync(out, text, { mode: recipient ? 0o600 : 0o644 })
                return out
              },
      },
    )
  } catch (e) {
    if (e instanceof SealError) {
      io.stderr.write(`klairr-companion export: ${e.message}\n`)
      return 2
    }
    throw e
  }
  if (!outcome.ok) {
    if (outcome.refusal === 'run_not_ready') {
      io.stdout.write(`${outcome.error.message}\nRun "klairr-companion check" for advice.\n`)
      return 1
    }
    // The run passed, but the file would not be what the published schema allows.
    io.stderr.write(redactText(`klairr-companion export: ${outcome.error.message}\n`, secrets))
    return 2
  }
  if (out === '-') io.stdout.write(outcome.value.document)
  else
    io.stdout.write(
      `Wrote ${out}: verified ${report.verdict.replace(/_/g, ' ')}${recipient ? ', password sealed to the given key' : ', no password in it'}.\n`,
    )
  return 0
}
