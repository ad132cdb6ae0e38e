import {
  MAX_ALLOWED_FUNCTIONS,
  parseAllowedFunctions,
  type AllowedFunction,
} from '../core/sql/allowed-functions.js'
import { UsageError } from './usage-error.js'

/** `--allow-function schema.name`, repeatable: validate-sql, query and export share it. */
export const ALLOW_FUNCTION_SPEC = {
  flag: 'allow-function',
  type: 'string',
  multiple: true,
  argName: 'SCHEMA.NAME',
  help: `also allow this function, every overload of it (up to ${MAX_ALLOWED_FUNCTIONS}). Unquoted names fold to lower case; quote to keep it: '"Sales"."Net"'`,
} as const

/** A value quoted for one line of stderr: control, format and line-breaking characters escaped. */
const quoted = (value: string) =>
  JSON.stringify(value.slice(0, 80)).replace(
    /[\p{Cf}\p{Zl}\p{Zp}]/gu,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )

/** The flags' values as functions, or one clear line naming the bad value. */
export function allowFunctionsFromArgs(values: readonly string[] | undefined): AllowedFunction[] {
  const parsed = parseAllowedFunctions(values ?? [])
  if (parsed.ok) return parsed.value
  const given = values?.[parsed.index]
  throw new UsageError(
    given === undefined
      ? `--allow-function: ${parsed.message}`
      : `--allow-function ${quoted(given)}: ${parsed.message}`,
  )
}
