import type { z } from 'zod'
import { UsageError } from './usage-error.js'

/**
 * Checks a command's values with the contract's own schema (the one the app's handlers parse requests
 * with), so a limit or a default cannot differ between the CLI and the app. The first problem becomes one
 * line naming the flag; `flags` maps each request field to its flag.
 */
export function checkedByContract<S extends z.ZodType>(
  schema: S,
  value: z.input<S>,
  flags: Record<string, string>,
): z.output<S> {
  const parsed = schema.safeParse(value)
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]!
  const field = String(issue.path[0] ?? '')
  throw new UsageError(`${flags[field] ?? field}: ${describe(issue)}`)
}

function describe(issue: z.core.$ZodIssue): string {
  if (issue.code === 'too_big') {
    if (issue.origin === 'array') return `can be given at most ${issue.maximum} times`
    if (issue.origin === 'string') return `is longer than ${issue.maximum} characters`
    return `must be at most ${issue.maximum}`
  }
  if (issue.code === 'too_small') {
    if (issue.origin === 'array') return 'is required'
    if (issue.origin === 'string') return 'is required, and may not be empty'
    return `must be at least ${issue.minimum}`
  }
  return issue.message.charAt(0).toLowerCase() + issue.message.slice(1).replace(/\.$/, '')
}

/** A flag's value as a whole number for the contract to bound, or one line when it is not a number at all. */
export function wholeNumberArg(flag: string, value: string): number {
  if (!/^\d+$/.test(value))
    throw new UsageError(`${flag} must be a whole number, not ${JSON.stringify(value.slice(0, 40))}`)
  return Number(value)
}
