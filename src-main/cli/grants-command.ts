import { LIMITS, REQUESTS } from '../contract/index.js'
import { Secret } from '../core/secrets/secret.js'
import { roleScript } from '../core/use-cases/role-script.js'
import { HELP_OPTION, parseOrExit, PASSWORD_STDIN_OPTION, type CommandSpec } from './command-spec.js'
import { checkedByContract, wholeNumberArg } from './contract-flags.js'
import type { Io } from './io.js'
import { readPasswordFromStream } from './password.js'
import { UsageError } from './usage-error.js'

const OPTIONS = [
  { flag: 'role', type: 'string', argName: 'NAME', help: 'the role to create (required)' },
  { flag: 'database', type: 'string', argName: 'NAME', help: 'the database Klairr connects to (required)' },
  {
    flag: 'schema',
    type: 'string',
    multiple: true,
    argName: 'NAME',
    help: 'a schema Klairr may read (default: public)',
  },
  {
    flag: 'owner',
    type: 'string',
    multiple: true,
    argName: 'NAME',
    help: 'a role that creates tables there: default privileges cover its future tables',
  },
  {
    flag: 'generate-password',
    type: 'boolean',
    help: 'put a strong random password in the script (shown once)',
  },
  PASSWORD_STDIN_OPTION,
  {
    flag: 'read-only-default',
    type: 'boolean',
    help: 'ALTER ROLE … SET default_transaction_read_only = on: a seatbelt, on by default as in the app',
  },
  { flag: 'no-read-only-default', type: 'boolean', help: 'leave that line out' },
  {
    flag: 'statement-timeout',
    type: 'string',
    argName: 'DUR',
    help: 'also ALTER ROLE … SET statement_timeout (e.g. 30s, 5min)',
  },
  {
    flag: 'connection-limit',
    type: 'string',
    argName: 'N',
    help: `CONNECTION LIMIT for the role (1 to ${LIMITS.connectionLimit})`,
  },
  {
    flag: 'managed',
    type: 'boolean',
    help: 'for a managed cloud (RDS, Azure, Cloud SQL…): run by its admin role, no superuser statement',
  },
  { flag: 'cleanup', type: 'boolean', help: 'print the script that drops the role safely instead' },
  {
    flag: 'json',
    type: 'boolean',
    help: 'print { script, verification, cleanup, generatedPassword } as JSON, as the app gets it',
  },
  HELP_OPTION,
] as const

export const GRANTS: CommandSpec<typeof OPTIONS> = {
  name: 'grants',
  usage: '--role NAME --database NAME [options]',
  description: [
    "Prints the script that creates Klairr's read-only role (the guide's Step 1), for a superuser to run in psql. Without options it is the guide's script for the names given, with a <password> placeholder, and the role's sessions read-only by default.",
  ],
  options: OPTIONS,
  examples: [
    {
      command: 'klairr-companion grants --role klairr_reader --database analytics',
      says: 'the guide’s script, with a <password> placeholder to replace',
    },
    {
      command:
        'klairr-companion grants --role klairr_reader --database analytics --schema sales --owner etl --generate-password',
      says: 'schema sales, future tables of role etl covered, a random password shown once',
    },
    {
      command: 'klairr-companion grants --role klairr_reader --database analytics --cleanup',
      says: 'the script that drops the role again',
    },
  ],
  exitStatus: '0 printed, 2 bad input.',
}

/** Each field of the contract's roleScript request, as the flag that sets it. */
const FLAG_OF = {
  role: '--role',
  database: '--database',
  schemas: '--schema',
  owners: '--owner',
  statementTimeout: '--statement-timeout',
  connectionLimit: '--connection-limit',
}

/** `klairr-companion grants`: the role script use case, as the app runs it; returns the exit status. */
export async function grantsCommand(io: Io): Promise<number> {
  const parsed = await parseOrExit(io, GRANTS, async ({ values, positionals }) => {
    if (positionals.length) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`)
    if (values['generate-password'] && values['password-stdin'])
      throw new UsageError('give --generate-password or --password-stdin, not both')
    if (values['read-only-default'] && values['no-read-only-default'])
      throw new UsageError('give --read-only-default or --no-read-only-default, not both')
    const limit = values['connection-limit']
    const request = checkedByContract(
      REQUESTS.roleScript,
      {
        role: values.role ?? '',
        database: values.database ?? '',
        schemas: values.schema ?? ['public'],
        owners: values.owner ?? [],
        readOnlyDefault: !values['no-read-only-default'],
        statementTimeout: values['statement-timeout'] ?? null,
        connectionLimit: limit === undefined ? null : wholeNumberArg('--connection-limit', limit),
        generatePassword: Boolean(values['generate-password']),
        managed: Boolean(values.managed),
      },
      FLAG_OF,
    )
    let password: Secret | undefined
    if (values['password-stdin']) {
      if (io.stdin.isTTY) throw new UsageError('--password-stdin needs the password piped in, not a terminal')
      const text = await readPasswordFromStream(io.stdin)
      if (!text) throw new UsageError('the password read from standard input is empty')
      password = new Secret(text)
    }
    return { response: roleScript(request, { password }), json: values.json, cleanup: values.cleanup }
  })
  if (typeof parsed === 'number') return parsed
  const { response, json, cleanup } = parsed
  // The script is the one place the password is shown: on stdout, once, never on stderr or in a log.
  io.stdout.write(
    json ? JSON.stringify(response, null, 2) + '\n' : cleanup ? response.cleanup : response.script,
  )
  if (response.generatedPassword && io.stderr.isTTY)
    io.stderr.write('The password above is shown once: store it in your secret manager now.\n')
  return 0
}
