import type { KeyObject } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { userInfo } from 'node:os'
import { InputError } from '../core/connection/conninfo.js'
import { runChecks } from '../core/checks/run.js'
import { buildExport, ExportRefused } from '../core/export/export-document.js'
import { bindingOf, parseRecipient, SealError, sealSecret } from '../core/export/seal.js'
import { printable } from '../core/printable.js'
import { parseExport } from '../core/export/validate-export.js'
import { redactText, secretsOf } from '../core/redact.js'
import {
  CONNECTION_HELP,
  CONNECTION_OPTIONS,
  connectionFromArgs,
  fillPassword,
  PASSWORD_HELP,
  withSigint,
} from './connection-options.js'
import {
  ALLOW_FUNCTION_HELP,
  ALLOW_FUNCTION_OPTION,
  allowFunctionsFromArgs,
} from './allow-function-option.js'
import type { Io } from './io.js'
import { parseStrict } from './parse-args.js'
import { UsageError } from './usage-error.js'

export const EXPORT_HELP = `Usage: klairr-companion export [CONNECTION] [options] --out FILE

Runs the six setup tests and, only when they allow it, writes the verified
connector file to upload to Klairr (format klairr.connector.postgresql/v1,
schema in resources/klairr-connector.schema.json). The password is not in it,
unless --seal-to seals it to the recipient's public key.

Options:
  --out FILE                where to write the file ("-" for standard output)
  --seal-to PUBLIC_KEY.pem  seal the password to this RSA (≥ 2048 bits, e = 65537)
                            or X25519 public key, bound to this connector
                            and its pinned certificate (seal format v2)
${ALLOW_FUNCTION_HELP}
                            (recorded in the file for Klairr's guard)
${CONNECTION_HELP}
  -h, --help                show this help

A writable role is exported only with --allow-writable-role; the
acknowledgement (who, when) is recorded in the file.

${PASSWORD_HELP}

Exit status: 0 written, 1 refused (a check failed), 2 bad input, 130 cancelled.
`

const OPTIONS = {
  ...CONNECTION_OPTIONS,
  out: { type: 'string' },
  'seal-to': { type: 'string' },
  ...ALLOW_FUNCTION_OPTION,
  help: { type: 'boolean', short: 'h' },
} as const

declare const __APP_VERSION__: string

/** `klairr-companion export`: returns the exit status. */
export async function exportCommand(io: Io): Promise<number> {
  let parsed
  try {
    const { values, positionals } = parseStrict(io.argv, OPTIONS)
    if (values.help) {
      io.stdout.write(EXPORT_HELP)
      return 0
    }
    if (!values.out) throw new UsageError('--out FILE is required ("-" for standard output)')
    let recipient: KeyObject | null = null
    if (values['seal-to'] !== undefined) {
      let pem: string
      try {
        pem = readFileSync(values['seal-to'], 'utf8')
      } catch {
        throw new UsageError(`cannot read the public key file ${printable(values['seal-to'])}`)
      }
      // Checked before the tests run: a private key, a weak RSA key or another kind is refused now.
      try {
        recipient = parseRecipient(pem)
      } catch (e) {
        if (e instanceof SealError)
          throw new UsageError(`--seal-to ${printable(values['seal-to'])}: ${e.message}`)
        throw e
      }
    }
    parsed = {
      ...connectionFromArgs(values, positionals, io.env),
      out: values.out,
      recipient,
      allowFunctions: allowFunctionsFromArgs(values['allow-function']),
    }
    if (
      !(await fillPassword(parsed.settings, io, {
        passwordStdin: Boolean(values['password-stdin']),
        prompt: true,
      }))
    )
      return 130
    if (recipient && !parsed.settings.password)
      throw new UsageError(
        '--seal-to needs the password: give it with --password-stdin, PGPASSWORD or ~/.pgpass',
      )
  } catch (e) {
    if (e instanceof UsageError || e instanceof InputError) {
      io.stderr.write(`klairr-companion export: ${e.message}\n`)
      return 2
    }
    throw e
  }
  const { settings, timeouts, out, recipient, allowFunctions } = parsed
  const secrets = secretsOf(settings)
  const { report } = await withSigint((signal) => runChecks(settings, { timeouts, signal }))
  if (report.cancelled) return 130
  let text: string
  try {
    const doc = buildExport(settings, report, {
      tool: `klairr-companion/${__APP_VERSION__}`,
      now: new Date(),
      acknowledgedBy: userInfo().username,
      allowFunctions,
    })
    // Sealed last, to the connector as the file states it and the certificate it pins (format v2).
    if (recipient) doc.secret = sealSecret(settings.password!.reveal(), recipient, bindingOf(doc))
    text = redactText(JSON.stringify(doc, null, 2), secrets) + '\n'
  } catch (e) {
    if (e instanceof ExportRefused) {
      io.stdout.write(
        redactText(
          `Export refused: the setup tests do not allow it.\n${e.reasons.map((r) => `  - ${r}`).join('\n')}\nRun "klairr-companion check" for advice.\n`,
          secrets,
        ),
      )
      return 1
    }
    if (e instanceof SealError) {
      io.stderr.write(`klairr-companion export: ${e.message}\n`)
      return 2
    }
    throw e
  }
  // The file must be what the published schema says (lengths and patterns included), or it is not written.
  const check = await parseExport(text)
  if (!check.ok) {
    io.stderr.write(
      redactText(
        `klairr-companion export: the connector cannot be written as the published schema allows: ${check.errors.join('; ')}\n`,
        secrets,
      ),
    )
    return 2
  }
  if (out === '-') io.stdout.write(text)
  else {
    writeFileSync(out, text, { mode: recipient ? 0o600 : 0o644 })
    io.stdout.write(
      `Wrote ${out}: verified ${report.verdict.replace(/_/g, ' ')}${recipient ? ', password sealed to the given key' : ', no password in it'}.\n`,
    )
  }
  return 0
}
