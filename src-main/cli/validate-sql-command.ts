import type { AllowedFunction } from '../core/sql/allowed-functions.js'
import {
  DEFAULT_MAX_ROWS,
  loadGuard,
  validateSql,
  type GuardOptions,
  type GuardResult,
} from '../core/sql/guard.js'
import {
  ALLOW_FUNCTION_HELP,
  ALLOW_FUNCTION_OPTION,
  allowFunctionsFromArgs,
} from './allow-function-option.js'
import { readAll, type Io } from './io.js'
import { parseStrict, wholeNumber } from './parse-args.js'
import { UsageError } from './usage-error.js'

export const VALIDATE_HELP = `Usage: klairr-companion validate-sql [--max-rows N] [--batch]
                                    [--allow-function SCHEMA.NAME …]

Reads SQL on standard input and says whether Klairr's allow-list lets it run,
judged by PostgreSQL's own parser. Prints one JSON object:
  { "allowed", "rule", "message", "location", "sql" }
"sql" is the text that would run: the statement wrapped so the server applies
the row cap (LIMIT N + 1, to tell a truncated result).

Functions outside PostgreSQL's safe built-ins and the reviewed extensions are
refused (function_not_allowed) unless allowed by name with --allow-function.

Options:
  --max-rows N              the row cap (default ${DEFAULT_MAX_ROWS})
${ALLOW_FUNCTION_HELP}
  --batch                   read NDJSON lines {"sql": "..."}, write one result per
                            line, in order
  -h, --help                show this help

Exit status: 0 allowed (all of them, with --batch), 1 rejected, 2 bad input.
`

const OPTIONS = {
  'max-rows': { type: 'string' },
  ...ALLOW_FUNCTION_OPTION,
  batch: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const

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
  let maxRows = DEFAULT_MAX_ROWS
  let batch: boolean
  let allowFunctions: AllowedFunction[]
  try {
    const { values, positionals } = parseStrict(io.argv, OPTIONS)
    if (values.help) {
      io.stdout.write(VALIDATE_HELP)
      return 0
    }
    if (positionals.length) throw new UsageError('SQL comes on standard input, not as an argument')
    if (values['max-rows'] !== undefined)
      maxRows = wholeNumber('--max-rows', values['max-rows'], 1, 1_000_000)
    batch = Boolean(values.batch)
    allowFunctions = allowFunctionsFromArgs(values['allow-function'])
    if (io.stdin.isTTY) throw new UsageError('pipe the SQL in on standard input')
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`klairr-companion validate-sql: ${e.message}\n`)
      return 2
    }
    throw e
  }
  const guardOptions = { maxRows, allowFunctions } satisfies GuardOptions
  const [input] = await Promise.all([readAll(io.stdin), loadGuard()])
  if (!batch) {
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
    if (typeof sql !== 'string') {
      out.push(
        JSON.stringify({
          allowed: false,
          rule: 'invalid_input',
          message: `line ${i + 1} is not a JSON object with a string "sql"`,
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
