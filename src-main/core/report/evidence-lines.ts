import { keyLabel } from './key-label.js'

/** A report's evidence is for reading: the JSON report beside it keeps every value whole. */
const MAX_VALUE = 240
const MAX_ITEMS = 8

const cut = (text: string) => (text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE)}…` : text)

/** A value on one line: words for yes/no/none, `key=value; …` for an object, commas for a list. */
function oneLine(value: unknown): string {
  if (value === null || value === undefined) return 'none'
  if (typeof value === 'boolean') return value ? 'yes' : 'no'
  if (typeof value === 'string') return value === '' ? '(empty)' : value
  if (typeof value === 'number' || typeof value === 'bigint') return String(value)
  if (Array.isArray(value)) return value.length ? value.map(oneLine).join(', ') : 'none'
  if (typeof value === 'object')
    return Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== null && v !== undefined && !(Array.isArray(v) && v.length === 0))
      .map(([k, v]) => `${k}=${oneLine(v)}`)
      .join('; ')
  return String(value)
}

/**
 * A check's evidence as short labelled lines: one per key, a list of objects one item per line (at most
 * eight, then how many more), each value cut at 240 characters. Plain text, for a code block.
 */
export function evidenceLines(evidence: Record<string, unknown>): string[] {
  const out: string[] = []
  for (const [key, value] of Object.entries(evidence)) {
    const label = keyLabel(key)
    if (Array.isArray(value) && value.some((v) => v !== null && typeof v === 'object')) {
      out.push(`${label}:`)
      for (const item of value.slice(0, MAX_ITEMS)) out.push(`  - ${cut(oneLine(item))}`)
      if (value.length > MAX_ITEMS) out.push(`  … and ${value.length - MAX_ITEMS} more in the JSON report`)
    } else out.push(`${label}: ${cut(oneLine(value))}`)
  }
  return out
}
