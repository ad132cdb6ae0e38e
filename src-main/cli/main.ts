import type { Io } from './io.js'
import { redactText } from '../core/redact.js'
import { Secret } from '../core/secrets/secret.js'

export const HELP = `Usage: klairr-companion <command> [options]

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

export type Command = (io: Io) => Promise<number>

declare const __APP_VERSION__: string

/**
 * Dispatches to a command and returns its exit status. Each command is its own bundle (see
 * vite.cli.config.ts), built from an entry that passes just that command; the general bundle passes
 * none and answers help, the version and unknown names.
 */
export async function main(argv: string[], commands: Record<string, Command>): Promise<number> {
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
  const run = Object.hasOwn(commands, command) ? commands[command] : undefined
  if (!run) {
    process.stderr.write(`klairr-companion: unknown command "${command}" (try --help)\n`)
    return 2
  }
  try {
    return await run(io)
  } catch (e) {
    // A bug, not a database failure: say so, without any secret the environment holds.
    const secrets = process.env.PGPASSWORD ? [new Secret(process.env.PGPASSWORD)] : []
    process.stderr.write(
      `klairr-companion: internal error: ${redactText(String((e as Error)?.stack ?? e), secrets)}\n`,
    )
    return 70
  }
}

/** Runs `main` on the process's arguments and sets the exit status. */
export function start(commands: Record<string, Command>): void {
  void main(process.argv.slice(2), commands).then((code) => {
    process.exitCode = code
  })
}
