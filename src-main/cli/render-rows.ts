import type { QueryOutcome } from '../core/sql/executor.js'
import { printable } from '../core/printable.js'

type Ok = Extract<QueryOutcome, { ok: true }>

const WIDEST = 48

/** One line of a cell or a column name: whitespace folded, control characters shown escaped. */
function clip(text: string): string {
  const flat = printable(text.replace(/[ \t\n\r]+/g, ' '))
  return flat.length > WIDEST ? flat.slice(0, WIDEST - 1) + '…' : flat
}

/** A psql-like aligned table: header, rule, rows; NULL shown empty, long cells clipped for the terminal. */
export function renderRows(result: Ok): string {
  const header = result.columns.map((c) => printable(c.name))
  const cells = result.rows.map((row) => row.map((v) => (v === null ? '' : clip(v))))
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)))
  const line = (r: string[]) => ' ' + r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')
  const out = [line(header), '-' + widths.map((w) => '-'.repeat(w)).join('-+-') + '-', ...cells.map(line)]
  const n = result.rows.length
  let tail = `(${n} row${n === 1 ? '' : 's'}`
  if (result.truncatedBy === 'rows') tail += `; more rows exist: the cap is ${n}`
  if (result.truncatedBy === 'bytes') tail += '; stopped at the byte budget'
  if (result.cellsCut) tail += `; ${result.cellsCut} cell${result.cellsCut === 1 ? '' : 's'} cut`
  out.push(`${tail}; ${result.timings.totalMs} ms)`)
  return out.join('\n') + '\n'
}
