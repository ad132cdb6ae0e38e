import { LIMITS, REQUESTS } from '../contract/index.js'
import {
  DEFAULT_MAX_ROWS,
  loadGuard,
  validateSql,
  type GuardOptions,
  type GuardResult,
} from '../core/sql/guard.js'
import { ALLOW_FUNCTION_SPEC, allowFunctionsFromArgs } from './allow-function-option.js'
import { readAll, type Io } from './io.js'
import { HELP_OPTION, parseCommand, renderHelp, type CommandSpec } from './command-spec.js'
import { checkedByContract, wholeNumberArg } from './contract-flags.js'
import { UsageError } from './usage-error.js'

const OPTIONS = [
  {
    flag: 'max-rows',
    type: 'string',
    argName: 'N',
    help: `the row cap (default ${DEFAULT_MAX_ROWS}, at most ${LIMITS.maxRows})`,
  },
  ALLOW_FUNCTION_SPEC,
  {
    flag: 'batch',
    type: 'boolean',
    help: 'read NDJSON lines {"sql": "..."}, write one result per line, in order',
  },
  HELP_OPTION,
] as const

export const VALIDATE_SQL: CommandSpec<typeof OPTIONS> = {
  name: 'validate-sql',
  usage: '[--max-rows N] [--batch] [--allow-function SCHEMA.NAME …] < query.sql',
  description: [
    'Reads SQL on standard input and says whether Klairr\'s allow-list lets it run, judged by PostgreSQL\'s own parser. Prints one JSON object: { "allowed", "rule", "message", "location", "sql" }. "sql" is the text that would run: the statement wrapped so the server applies the row cap (LIMIT N + 1, to tell a truncated result).',
    "Functions outside PostgreSQL's safe built-ins and the reviewed extensions are refused (function_not_allowed) unless allowed by name with --allow-function.",
  ],
  options: OPTIONS,
  examples: [
    {
      command: "echo 'SELECT * FROM sales.orders' | klairr-companion validate-sql",
      says: 'allowed: the capped SQL that would run',
    },
    {
      command:
        "echo 'SELECT public.net(amount) FROM sales.orders' | klairr-companion validate-sql --allow-function public.net",
      says: 'a function of your own, allowed by name',
    },
    {
      command: 'klairr-companion validate-sql --batch < queries.ndjson',
      says: 'one JSON result per line, in order',
    },
  ],
  exitStatus: '0 allowed (all of them, with --batch), 1 rejected, 2 bad input.',
}

/** The app's bound on one statement's text, from its own request schema. */
const SQL_TEXT = REQUESTS.validateSql.shape.sql
const TOO_LONG = (what: string) => `${what} is longer than ${SQL_TEXT.maxLength} characters, the app's bound`

/** The JSON the command prints for one validation, keys in the contract's order. */
export function guardJson(r: GuardResult): string {
  return JSON.stringify({
    allowed: r.allowed,
    rule: r.rule,
    message: r.message,
    location: r.location,
    sql: r.sql,
  })
}

/** `klairr-companion validate-sql`: returns the exit status. */
export async function validateSqlCommand(io: Io): Promise<number> {
  let guardOptions: GuardOptions
  let batch: boolean
  try {
    const { values, positionals } = parseCommand(VALIDATE_SQL, io.argv)
    if (values.help) {
      io.stdout.write(renderHelp(VALIDATE_SQL))
      return 0
    }
    if (positionals.length) throw new UsageError('SQL comes on standard input, not as an argument')
    batch = Boolean(values.batch)
    const maxRows = values['max-rows']
    guardOptions = {
      // Read by the same parser as the app's, then bounded by the app's own request schema.
      allowFunctions: allowFunctionsFromArgs(values['allow-function']),
      maxRows: checkedByContract(
        REQUESTS.validateSql.pick({ maxRows: true, allowFunctions: true }),
        {
          maxRows: maxRows === undefined ? DEFAULT_MAX_ROWS : wholeNumberArg('--max-rows', maxRows),
          allowFunctions: values['allow-function'],
        },
        { maxRows: '--max-rows', allowFunctions: '--allow-function' },
      ).maxRows,
    }
    if (io.stdin.isTTY) throw new UsageError('pipe the SQL in on standard input')
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`klairr-companion validate-sql: ${e.message}\n`)
      return 2
    }
    throw e
  }
  const [input] = await Promise.all([readAll(io.stdin), loadGuard()])
  if (!batch) {
    if (!SQL_TEXT.safeParse(input).success) {
      io.stderr.write(`klairr-companion validate-sql: ${TOO_LONG('the SQL on standard input')}\n`)
      return 2
    }
    const result = validateSql(input, guardOptions)
    io.stdout.write(guardJson(result) + '\n')
    return result.allowed ? 0 : 1
  }
  let status = 0
  const out: string[] = []
  const lines = input.split('\n')
  lines.forEach((line, i) => {
    if (!line.trim()) return
    let sql: unknown
    try {
      sql = (JSON.parse(line) as { sql?: unknown }).sql
    } catch {
      sql = undefined
    }
    if (typeof sql !== 'string' || !SQL_TEXT.safeParse(sql).success) {
      out.push(
        JSON.stringify({
          allowed: false,
          rule: 'invalid_input',
          message:
            typeof sql === 'string'
              ? TOO_LONG(`line ${i + 1}'s "sql"`)
              : `line ${i + 1} is not a JSON object with a string "sql"`,
          location: null,
          sql: null,
        }),
      )
      status = 2
      return
    }
    const result = validateSql(sql, guardOptions)
    if (!result.allowed && status === 0) status = 1
    out.push(guardJson(result))
    if (out.length >= 1000) io.stdout.write(out.splice(0).join('\n') + '\n')
  })
  if (out.length) io.stdout.write(out.join('\n') + '\n')
  return status
}
