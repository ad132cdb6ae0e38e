/** A duration as PostgreSQL writes one for statement_timeout: a number with an optional unit (`30s`, `5min`). */
export function isDuration(value: string): boolean {
  return /^\d+\s*(ms|s|min|h|d)?$/.test(value.trim())
}
