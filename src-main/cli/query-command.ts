import { InputError } from '../core/connection/conninfo.js'
import { closeSession } from '../core/connection/pg-session.js'
import { redactText, secretsOf } from '../core/redact.js'
import { DEFAULT_EXECUTE, executeQuery } from '../core/sql/executor.js'
import { DEFAULT_MAX_ROWS, loadGuard, validateSql, type GuardOptions } from '../core/sql/guard.js'
import { DEFAULT_TIMEOUTS } from '../core/connection/settings.js'
import {
  CONNECTION_HELP,
  connectOrExit,
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
import { readAll, type Io } from './io.js'
import { parseStrict, wholeNumber } from './parse-args.js'
import { renderRows } from './render-rows.js'
import { UsageError } from './usage-error.js'

export const QUERY_HELP = `Usage: klairr-companion query [CONNECTION] [options] [--sql TEXT]

Runs one query the way Klairr would: PostgreSQL's parser and the allow-list
first, then a READ ONLY transaction that is always rolled back, with the row
cap enforced by the server. The SQL comes from --sql or standard input.

Options:
  --sql TEXT                the query (default: read standard input)
  --max-rows N              row cap (default ${DEFAULT_MAX_ROWS})
  --max-cell-bytes N        longer cells are cut (default ${DEFAULT_EXECUTE.maxCellBytes})
${ALLOW_FUNCTION_HELP}
${CONNECTION_HELP}
  --json                    print { columns, rows, truncated, timings } as JSON
  -h, --help                show this help

${PASSWORD_HELP}
With --password-stdin, give the query with --sql.

Exit status: 0 ran, 1 refused by the allow-list or failed, 2 bad input, 130 cancelled.
`

const OPTIONS = {
  ...CONNECTION_OPTIONS,
  sql: { type: 'string' },
  'max-rows': { type: 'string' },
  'max-cell-bytes': { type: 'string' },
  ...ALLOW_FUNCTION_OPTION,
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const

/** `klairr-companion query`: returns the exit status. */
export async function queryCommand(io: Io): Promise<number> {
  const fail = (message: string) => {
    io.stderr.write(`klairr-companion query: ${message}\n`)
    return 2
  }
  let parsed
  try {
    const { values, positionals } = parseStrict(io.argv, OPTIONS)
    if (values.help) {
      io.stdout.write(QUERY_HELP)
      return 0
    }
    const passwordStdin = Boolean(values['password-stdin'])
    if (passwordStdin && values.sql === undefined)
      throw new UsageError('with --password-stdin, give the query with --sql')
    if (values.sql === undefined && io.stdin.isTTY)
      throw new UsageError('give the query with --sql or on standard input')
    parsed = {
      ...connectionFromArgs(values, positionals, io.env),
      json: Boolean(values.json),
      passwordStdin,
      maxRows:
        values['max-rows'] === undefined
          ? DEFAULT_MAX_ROWS
          : wholeNumber('--max-rows', values['max-rows'], 1, 1_000_000),
      maxCellBytes:
        values['max-cell-bytes'] === undefined
          ? DEFAULT_EXECUTE.maxCellBytes
          : wholeNumber('--max-cell-bytes', values['max-cell-bytes'], 16, 100 * 1024 * 1024),
      allowFunctions: allowFunctionsFromArgs(values['allow-function']),
      sql: values.sql ?? (await readAll(io.stdin)),
    }
    if (!(await fillPassword(parsed.settings, io, { passwordStdin, prompt: !parsed.json }))) return 130
  } catch (e) {
    if (e instanceof UsageError || e instanceof InputError) return fail(e.message)
    throw e
  }
  const { settings, timeouts, json } = parsed
  const secrets = secretsOf(settings)
  const print = (text: string) => io.stdout.write(redactText(text, secrets))

  await loadGuard()
  const verdict = validateSql(parsed.sql, {
    maxRows: parsed.maxRows,
    allowFunctions: parsed.allowFunctions,
  } satisfies GuardOptions)
  /** Refused by the allow-list: by the guard on the text, or by the catalog precheck before the statement ran. */
  const refused = (rule: string, message: string, location: number | null) => {
    print(
      json
        ? JSON.stringify({ ok: false, stage: 'guard', rule, message, location }, null, 2) + '\n'
        : `Refused by the allow-list (${rule}): ${message}\n`,
    )
    return 1
  }
  if (!verdict.allowed) return refused(verdict.rule, verdict.message, verdict.location)
  return withSigint(async (signal) => {
    const session = await connectOrExit(settings, { timeouts, signal, json, print })
    if (typeof session === 'number') return session
    const outcome = await executeQuery(session, verdict.sql, {
      ...DEFAULT_EXECUTE,
      maxRows: parsed.maxRows,
      maxCellBytes: parsed.maxCellBytes,
      timeouts: {
        query: timeouts.query ?? DEFAULT_TIMEOUTS.query,
        lock: timeouts.lock ?? DEFAULT_TIMEOUTS.lock,
      },
      signal,
      precheck: verdict.precheck ?? undefined,
    })
    if (outcome.ok) await closeSession(session.client)
    if (!outcome.ok) {
      if (outcome.reason === 'refused') return refused(outcome.rule, outcome.message, null)
      if (outcome.reason === 'cancelled') {
        print(
          json ? JSON.stringify({ ok: false, stage: 'execute', reason: 'cancelled' }) + '\n' : 'Cancelled.\n',
        )
        return 130
      }
      print(
        json
          ? JSON.stringify({ stage: 'execute', ...outcome }, null, 2) + '\n'
          : `The query failed (${outcome.sqlstate ?? outcome.reason}): ${outcome.message}\n`,
      )
      return 1
    }
    const { ok: _ok, ...result } = outcome
    print(json ? JSON.stringify({ ok: true, ...result }, null, 2) + '\n' : renderRows(outcome))
    return 0
  })
}
