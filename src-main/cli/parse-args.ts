import { parseArgs, type ParseArgsConfig } from 'node:util'
import { UsageError } from './usage-error.js'

/** node:util parseArgs, strict, with its errors turned into one clear line (they quote flags, never values). */
export function parseStrict<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, allowPositionals: true, strict: true, options })
  } catch (e) {
    const message = (e as Error).message.split('\n')[0]!
    const ambiguous = /^Option '(--[\w-]+)' argument is ambiguous/.exec(message)
    throw new UsageError(
      ambiguous
        ? `${ambiguous[1]} needs a value (write ${ambiguous[1]}=VALUE for a value that starts with "-")`
        : message.replace(/\. To specify a positional argument.*$/, ''),
    )
  }
}

/** A whole number within bounds, or one clear line. */
export function wholeNumber(flag: string, value: string, min: number, max: number): number {
  const n = Number(value)
  if (!/^\d+$/.test(value) || n < min || n > max)
    throw new UsageError(
      `${flag} must be a whole number from ${min} to ${max}, not ${JSON.stringify(value.slice(0, 40))}`,
    )
  return n
}
