import { createRequire } from 'node:module'
import { join } from 'node:path'
import { auditCommand } from './audit-command.js'
import { checkCommand } from './check-command.js'
import { exportCommand } from './export-command.js'
import { importCommand } from './import-command.js'
import { grantsCommand } from './grants-command.js'
import type { Io } from './io.js'
import { queryCommand } from './query-command.js'
import { validateSqlCommand } from './validate-sql-command.js'
import { redactText } from '../core/redact.js'

const HELP = `Usage: klairr-companion <command> [options]

Gets a PostgreSQL database safely connected to Klairr, from this machine.

Commands:
  grants         print the script that creates Klairr's read-only role
  check          run Klairr's six setup tests and explain every failure
  audit          explain what makes the role writable or blind, and print the fix
  validate-sql   say whether Klairr's allow-list lets a query run
  query          run one query as Klairr would: allow-list, READ ONLY, row cap
  export         write the verified connector file to upload to Klairr
  import         validate a connector file and re-run its checks
  serve          open the app's screens in a browser (loopback, token URL)

Run "klairr-companion <command> --help" for a command's options.
`

const COMMANDS: Record<string, (io: Io) => Promise<number>> = {
  check: checkCommand,
  grants: grantsCommand,
  audit: auditCommand,
  export: exportCommand,
  import: importCommand,
  'validate-sql': validateSqlCommand,
  query: queryCommand,
  serve: (io) => loadServe().serveCommand(io),
}

/**
 * `serve` is its own bundle beside this one (see vite.cli.config.ts), required only when it runs: the
 * bridge's contract, zod, handlers and settings store are no start-up cost for the other commands.
 */
function loadServe(): typeof import('./serve-command.js') {
  return createRequire(__filename)(join(__dirname, 'serve.cjs')) as typeof import('./serve-command.js')
}

/** The CLI's entry: dispatches to a command and returns its exit status. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  const io: Io = {
    argv: rest,
    env: process.env,
    // Lazy: creating process.stdin costs start-up time, and most runs never read it.
    get stdin() {
      return process.stdin
    },
    stdout: process.stdout,
    stderr: process.stderr,
  }
  if (!command || command === '-h' || command === '--help' || command === 'help') {
    process.stdout.write(HELP)
    return command ? 0 : 2
  }
  if (command === '--version' || command === '-V') {
    process.stdout.write(`${__APP_VERSION__}\n`)
    return 0
  }
  const run = COMMANDS[command]
  if (!run) {
    process.stderr.write(`klairr-companion: unknown command "${command}" (try --help)\n`)
    return 2
  }
  try {
    return await run(io)
  } catch (e) {
    // A bug, not a database failure: say so, without any secret the environment holds.
    const secrets = [process.env.PGPASSWORD ?? ''].filter(Boolean)
    process.stderr.write(
      `klairr-companion: internal error: ${redactText(String((e as Error)?.stack ?? e), secrets)}\n`,
    )
    return 70
  }
}

declare const __APP_VERSION__: string

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code
})
