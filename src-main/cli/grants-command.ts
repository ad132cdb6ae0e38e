import { cleanupScript, generatePassword, isDuration, roleScript } from '../core/grants/role-script.js'
import type { Io } from './io.js'
import { parseStrict, wholeNumber } from './parse-args.js'
import { readPasswordFromStream } from './password.js'
import { UsageError } from './usage-error.js'

export const GRANTS_HELP = `Usage: klairr-companion grants --role NAME --database NAME [options]

Prints the script that creates Klairr's read-only role (the guide's Step 1),
for a superuser to run in psql. Without options it is the guide's script for
the names given, with a <password> placeholder.

Options:
  --role NAME               the role to create (required)
  --database NAME           the database Klairr connects to (required)
  --schema NAME             a schema Klairr may read; repeat for several (default: public)
  --owner NAME              a role that creates tables there: default privileges
                            cover its future tables; repeat for several
  --generate-password       put a strong random password in the script (shown once)
  --password-stdin          read the password from standard input
  --read-only-default       also ALTER ROLE … SET default_transaction_read_only = on
  --statement-timeout DUR   also ALTER ROLE … SET statement_timeout (e.g. 30s, 5min)
  --connection-limit N      CONNECTION LIMIT for the role
  --cleanup                 print the script that drops the role safely instead
  --json                    print { "script", "password" } as JSON
  -h, --help                show this help

Exit status: 0 printed, 2 bad input.
`

const OPTIONS = {
  role: { type: 'string' },
  database: { type: 'string' },
  schema: { type: 'string', multiple: true },
  owner: { type: 'string', multiple: true },
  'generate-password': { type: 'boolean' },
  'password-stdin': { type: 'boolean' },
  'read-only-default': { type: 'boolean' },
  'statement-timeout': { type: 'string' },
  'connection-limit': { type: 'string' },
  cleanup: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const

const nonEmpty = (flag: string, value: string | undefined): string => {
  if (value === undefined || value === '') throw new UsageError(`${flag} is required`)
  if (value.includes('\0')) throw new UsageError(`${flag} must not contain a NUL character`)
  return value
}

/** `klairr-companion grants`: returns the exit status. */
export async function grantsCommand(io: Io): Promise<number> {
  let script: string
  let password: string | null = null
  let json: boolean
  try {
    const { values, positionals } = parseStrict(io.argv, OPTIONS)
    if (values.help) {
      io.stdout.write(GRANTS_HELP)
      return 0
    }
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`)
    json = Boolean(values.json)
    const role = nonEmpty('--role', values.role)
    const database = nonEmpty('--database', values.database)
    if (values.cleanup) {
      script = cleanupScript({ role, database })
    } else {
      if (values['generate-password'] && values['password-stdin'])
        throw new UsageError('give --generate-password or --password-stdin, not both')
      const statementTimeout = values['statement-timeout'] ?? null
      if (statementTimeout !== null && !isDuration(statementTimeout))
        throw new UsageError(
          `--statement-timeout must be a duration such as 500ms, 30s or 5min, not "${statementTimeout}"`,
        )
      if (values['generate-password']) password = generatePassword()
      if (values['password-stdin']) {
        if (io.stdin.isTTY)
          throw new UsageError('--password-stdin needs the password piped in, not a terminal')
        password = await readPasswordFromStream(io.stdin)
        if (!password) throw new UsageError('the password read from standard input is empty')
      }
      const schemas = (values.schema ?? ['public']).map((s) => nonEmpty('--schema', s))
      const owners = (values.owner ?? []).map((o) => nonEmpty('--owner', o))
      script = roleScript({
        role,
        database,
        schemas: [...new Set(schemas)],
        owners: [...new Set(owners)],
        password,
        readOnlyDefault: Boolean(values['read-only-default']),
        statementTimeout,
        connectionLimit:
          values['connection-limit'] === undefined
            ? null
            : wholeNumber('--connection-limit', values['connection-limit'], 1, 100000),
      })
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`klairr-companion grants: ${e.message}\n`)
      return 2
    }
    throw e
  }
  // The script is the one place the password is shown: on stdout, once, never on stderr or in a log.
  io.stdout.write(
    json ? JSON.stringify(password ? { script, password } : { script }, null, 2) + '\n' : script,
  )
  if (password && !json && io.stderr.isTTY)
    io.stderr.write('The password above is shown once: store it in your secret manager now.\n')
  return 0
}
