import { LIMITS, REQUESTS, type RunQueryResponse } from '../contract/index.js'
import { DEFAULT_EXECUTE } from '../core/sql/executor.js'
import { DEFAULT_MAX_ROWS } from '../core/sql/guard.js'
import { runQuery } from '../core/use-cases/run-query.js'
import { ALLOW_FUNCTION_SPEC, allowFunctionsFromArgs } from './allow-function-option.js'
import { connectExit, connectFailureLine, printAnswer } from './answer.js'
import { HELP_OPTION, parseOrExit, type CommandSpec } from './command-spec.js'
import {
  CONNECTION_NOTE,
  CONNECTION_TABLE,
  connectionOrExit,
  PASSWORD_NOTE,
  withSigint,
} from './connection-options.js'
import { checkedByContract, wholeNumberArg } from './contract-flags.js'
import { readAll, type Io } from './io.js'
import { wholeNumber } from './parse-args.js'
import { renderRows } from './render-rows.js'
import { UsageError } from './usage-error.js'

const OPTIONS = [
  { flag: 'sql', type: 'string', argName: 'TEXT', help: 'the query (default: read standard input)' },
  {
    flag: 'max-rows',
    type: 'string',
    argName: 'N',
    help: `row cap (default ${DEFAULT_MAX_ROWS}, at most ${LIMITS.maxRows}, as in the app)`,
  },
  {
    flag: 'max-cell-bytes',
    type: 'string',
    argName: 'N',
    help: `longer cells are cut (default ${DEFAULT_EXECUTE.maxCellBytes})`,
  },
  ALLOW_FUNCTION_SPEC,
  ...CONNECTION_TABLE,
  {
    flag: 'json',
    type: 'boolean',
    help: 'print the app’s answer as JSON: { stage, ok, columns, rows, truncated, timings }, or why it was refused or failed',
  },
  HELP_OPTION,
] as const

export const QUERY: CommandSpec<typeof OPTIONS> = {
  name: 'query',
  usage: '[CONNECTION] [options] [--sql TEXT]',
  description: [
    "Runs one query the way Klairr would: PostgreSQL's parser and the allow-list first, then a READ ONLY transaction that is always rolled back, with the row cap enforced by the server. The SQL comes from --sql or standard input.",
    CONNECTION_NOTE,
  ],
  options: OPTIONS,
  notes: [PASSWORD_NOTE, 'With --password-stdin, give the query with --sql.'],
  examples: [
    {
      command:
        "klairr-companion query postgresql://klairr_reader@db/analytics --sql 'SELECT * FROM sales.orders'",
      says: `the first ${DEFAULT_MAX_ROWS} rows as a table`,
    },
    {
      command: 'klairr-companion query --host db --username klairr_reader --max-rows 10 --json < report.sql',
      says: 'the SQL from a file, ten rows, as JSON',
    },
  ],
  exitStatus: '0 ran, 1 refused by the allow-list or failed, 2 bad input, 130 cancelled.',
}

/** `klairr-companion query`: the runQuery use case, as the app runs it; returns the exit status. */
export async function queryCommand(io: Io): Promise<number> {
  const parsed = await parseOrExit(io, QUERY, async ({ values, positionals }) => {
    const passwordStdin = Boolean(values['password-stdin'])
    if (passwordStdin && values.sql === undefined)
      throw new UsageError('with --password-stdin, give the query with --sql')
    if (values.sql === undefined && io.stdin.isTTY)
      throw new UsageError('give the query with --sql or on standard input')
    const allowFunctions = allowFunctionsFromArgs(values['allow-function'])
    const maxRows = values['max-rows']
    const cellBytes = values['max-cell-bytes']
    const json = Boolean(values.json)
    const connection = await connectionOrExit(io, values, positionals, { prompt: !json })
    if (connection === 130) return 130
    // The app's own request schema bounds the SQL, the row cap and the functions.
    const request = checkedByContract(
      REQUESTS.runQuery.pick({ sql: true, maxRows: true, allowFunctions: true }),
      {
        sql: values.sql ?? (await readAll(io.stdin)),
        maxRows: maxRows === undefined ? DEFAULT_MAX_ROWS : wholeNumberArg('--max-rows', maxRows),
        allowFunctions: values['allow-function'],
      },
      { sql: '--sql', maxRows: '--max-rows', allowFunctions: '--allow-function' },
    )
    return {
      ...connection,
      json,
      input: {
        sql: request.sql,
        maxRows: request.maxRows,
        allowFunctions,
        maxCellBytes:
          cellBytes === undefined
            ? DEFAULT_EXECUTE.maxCellBytes
            : wholeNumber('--max-cell-bytes', cellBytes, 16, 100 * 1024 * 1024),
      },
    }
  })
  if (typeof parsed === 'number') return parsed
  const { settings, timeouts, json, input } = parsed
  const response = await withSigint((signal) => runQuery(settings, input, { timeouts, signal }))
  printAnswer(io, settings, json, response, queryText)
  if (response.stage === 'connect') return connectExit(response.check)
  if (response.stage === 'guard') return 1
  if (!response.ok) return response.reason === 'cancelled' ? 130 : 1
  return 0
}

/** The answer for a terminal: a psql-like table, or one line saying why there is none. */
function queryText(response: RunQueryResponse): string {
  if (response.stage === 'guard') return `Refused by the allow-list (${response.rule}): ${response.message}\n`
  if (response.stage === 'connect') return connectFailureLine(response.check)
  if (!response.ok)
    return response.reason === 'cancelled'
      ? 'Cancelled.\n'
      : `The query failed (${response.sqlstate ?? response.reason}): ${response.message}\n`
  return renderRows(response)
}
