import { escapeIdentifier } from '../connection/pg-session.js'

export type FindingKind =
  | 'attribute'
  | 'membership'
  | 'relation_privilege'
  | 'column_privilege'
  | 'ownership'
  | 'schema_ownership'
  | 'schema_create'
  | 'database_ownership'
  | 'database_create'
  | 'probe'

/** How the role came to hold a finding: granted to it, to PUBLIC, or through a chain of memberships. */
export type FindingCause = 'direct' | 'public' | 'membership' | 'attribute' | 'probe'

export interface WriteFinding {
  kind: FindingKind
  /** The object it applies to, as SQL would name it (`public.orders`, a schema, a role name). */
  object: string | null
  /** For a column grant, the column. */
  column: string | null
  privilege: string | null
  cause: FindingCause
  /** Roles from the checked role to the one holding the privilege, or `['PUBLIC']`. */
  via: string[]
  /** True for paths that let the role change data or objects; false for CREATE, which only warns. */
  writable: boolean
}

export interface WritePathRow {
  kind: Exclude<FindingKind, 'probe'>
  object: string | null
  privilege: string | null
  via: string[]
  col: string | null
}

const WARN_ONLY: ReadonlySet<FindingKind> = new Set(['schema_create', 'database_create'])

/** One finding per way to write: a relation's own ACL entries for its owner say nothing ownership does not. */
export function toFindings(rows: WritePathRow[]): WriteFinding[] {
  const owned = new Set(
    rows.filter((r) => r.kind === 'ownership').map((r) => `${r.object}|${r.via.join('>')}`),
  )
  return rows
    .filter(
      (r) =>
        !(
          (r.kind === 'relation_privilege' || r.kind === 'column_privilege') &&
          owned.has(`${r.object}|${r.via.join('>')}`)
        ),
    )
    .map(toFinding)
}

export function toFinding(row: WritePathRow): WriteFinding {
  const cause: FindingCause =
    row.kind === 'attribute'
      ? 'attribute'
      : row.via[0] === 'PUBLIC'
        ? 'public'
        : row.via.length > 1
          ? 'membership'
          : 'direct'
  const column = row.kind === 'column_privilege' ? row.col : null
  return {
    kind: row.kind,
    object: row.object,
    column,
    privilege: row.privilege,
    cause,
    via: row.via,
    writable: !WARN_ONLY.has(row.kind),
  }
}

/**
 * The statement the probe plans. EXPLAIN makes PostgreSQL check write privileges on the target exactly
 * as the write would, without executing it: no row is touched, no trigger or rule fires, and a read-only
 * transaction does not hide the answer. Prefer confirming a finding; otherwise try a write that should be
 * refused.
 */
export function probeStatement(
  rows: WritePathRow[],
  fallbackTable: string | null,
): { sql: string; target: string } | null {
  for (const row of rows) {
    if (!row.object) continue
    if (row.kind === 'relation_privilege' || row.kind === 'column_privilege') {
      if (row.privilege === 'DELETE')
        return { sql: `EXPLAIN DELETE FROM ${row.object} WHERE false`, target: row.object }
      if (row.privilege === 'INSERT' && row.kind === 'relation_privilege')
        return { sql: `EXPLAIN INSERT INTO ${row.object} DEFAULT VALUES`, target: row.object }
      if ((row.privilege === 'UPDATE' || row.privilege === 'INSERT') && row.col) {
        const col = escapeIdentifier(row.col)
        return row.privilege === 'UPDATE'
          ? { sql: `EXPLAIN UPDATE ${row.object} SET ${col} = DEFAULT WHERE false`, target: row.object }
          : { sql: `EXPLAIN INSERT INTO ${row.object} (${col}) VALUES (DEFAULT)`, target: row.object }
      }
    }
  }
  const owned = rows.find((r) => r.kind === 'ownership' && (r.privilege === 'r' || r.privilege === 'p'))
  if (owned?.object) return { sql: `EXPLAIN DELETE FROM ${owned.object} WHERE false`, target: owned.object }
  if (fallbackTable) return { sql: `EXPLAIN DELETE FROM ${fallbackTable} WHERE false`, target: fallbackTable }
  return null
}

/** One finding in words, for summaries, the audit and fix-script comments. */
export function describeFinding(f: WriteFinding): string {
  const via =
    f.cause === 'membership' ? ` via ${f.via.join(' → ')}` : f.cause === 'public' ? ' via PUBLIC' : ''
  switch (f.kind) {
    case 'attribute':
      return `${f.privilege} attribute${f.via.length > 1 ? ` of role ${f.via[f.via.length - 1]} (reachable${via})` : ''}`
    case 'membership':
      return `member of ${f.object}${via}`
    case 'ownership':
    case 'schema_ownership':
    case 'database_ownership':
      return `owns ${f.object}${via}`
    case 'probe':
      return `PostgreSQL permitted ${f.privilege} on ${f.object}`
    default:
      return `${f.privilege}${f.column ? ` (${f.column})` : ''} on ${f.object}${via}`
  }
}
