import { quoteIdent } from '../sql-ident.js'

/** How many rows "Preview rows" asks for: the LIMIT, and the row cap it runs with. */
export const PREVIEW_ROWS = 20

/**
 * The query behind "Preview rows": the relation's first rows, naming only the columns the role can read
 * (a `*` would fail on a column it cannot), each name quoted where PostgreSQL needs it. It is then an
 * ordinary query: the guard and the read-only executor judge it like any other. Null when the role can
 * read no column of it.
 */
export function previewSql(schema: string, relation: string, columns: readonly string[]): string | null {
  if (columns.length === 0) return null
  const list = columns.map(quoteIdent).join(', ')
  return `SELECT ${list}\nFROM ${quoteIdent(schema)}.${quoteIdent(relation)}\nLIMIT ${PREVIEW_ROWS}`
}
