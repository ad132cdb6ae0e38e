import { boundedQuery, type PgClient } from '../connection/pg-session.js'
import { introspectionSql } from './catalog-sql.js'
import type { RunContext } from './context.js'
import { checkResult } from './result.js'
import type { CheckResult } from './types.js'

export type RelationKind = 'table' | 'view' | 'materialized_view' | 'partitioned_table' | 'foreign_table'

export interface ColumnInfo {
  name: string
  type: string
  notNull: boolean
}

export interface RelationInfo {
  name: string
  kind: RelationKind
  partition: boolean
  /** For a partitioned table, how many partitions it has: they are folded under it, never listed. */
  partitions: number
  columnCount: number
  /** The columns this role can read, as the server sent them, `[[name, type, notNull], …]`: read with `columnsOf`. */
  columnsJson: string
}

/**
 * The columns of one relation. Parsed on demand: a 10,000-table schema arrives as 10,000 short strings,
 * and only the relations someone opens become objects.
 */
export function columnsOf(relation: RelationInfo): ColumnInfo[] {
  const rows = JSON.parse(relation.columnsJson) as [string, string, boolean][]
  return rows.map(([name, type, notNull]) => ({ name, type, notNull }))
}

export interface SchemaSnapshot {
  schema: string
  relations: RelationInfo[]
}

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`

const KINDS: Record<string, RelationKind> = {
  r: 'table',
  v: 'view',
  m: 'materialized_view',
  p: 'partitioned_table',
  f: 'foreign_table',
}

interface Row {
  name: string
  kind: string
  partition: boolean
  partitions: number
  column_count: number
  columns_json: string
}

/**
 * Enumerates what Klairr would see in the schema: relations, the columns the role can read, types;
 * partitions folded under their parent. No row data is read.
 */
export async function runIntrospection(
  ctx: RunContext,
  client: PgClient,
): Promise<{ result: CheckResult; snapshot: SchemaSnapshot }> {
  const started = ctx.now()
  const [res] = await boundedQuery<Row>(
    client,
    introspectionSql(ctx.settings.schema),
    ctx.timeouts.query,
    ctx.signal,
  )
  return judgeIntrospection(ctx, res?.rows ?? [], started)
}

/** introspectionSql as one part of a batch. */
export const introspectionPart = (schema: string) => ({ sql: introspectionSql(schema), statements: 1 })

/** The introspection check from introspectionSql's rows. */
export function judgeIntrospection(
  ctx: RunContext,
  rows: readonly unknown[],
  started: number,
  ended = ctx.now(),
): { result: CheckResult; snapshot: SchemaSnapshot } {
  const { schema } = ctx.settings
  const relations: RelationInfo[] = (rows as Row[]).map((r) => ({
    name: r.name,
    kind: KINDS[r.kind] ?? 'table',
    partition: r.partition,
    partitions: r.partitions,
    columnCount: r.column_count,
    columnsJson: r.columns_json,
  }))
  const counts: Record<RelationKind, number> = {
    table: 0,
    view: 0,
    materialized_view: 0,
    partitioned_table: 0,
    foreign_table: 0,
  }
  let columns = 0
  let partitions = 0
  for (const r of relations) {
    counts[r.kind]++
    columns += r.columnCount
    partitions += r.partitions
  }
  const evidence = {
    schema,
    relations: relations.length,
    columns,
    ...counts,
    partitions,
    sample: relations.slice(0, 10).map((r) => r.name),
  }
  const result =
    relations.length === 0
      ? checkResult(
          'introspection',
          started,
          ended,
          'fail',
          `Introspection of "${schema}" returned 0 tables: the role sees nothing there.`,
          {
            reason: 'no_tables_visible',
            troubleshooting: 'schema_introspection_empty',
            evidence,
          },
        )
      : checkResult(
          'introspection',
          started,
          ended,
          'pass',
          `${plural(relations.length, 'relation')} (${plural(counts.table + counts.partitioned_table, 'table')}, ${plural(counts.view, 'view')}, ${plural(counts.materialized_view, 'materialized view')}, ${plural(counts.foreign_table, 'foreign table')}) with ${plural(columns, 'readable column')} in "${schema}"${partitions ? ` (${plural(partitions, 'partition')} folded under their parents)` : ''}.`,

          { evidence },
        )
  return { result, snapshot: { schema, relations } }
}
