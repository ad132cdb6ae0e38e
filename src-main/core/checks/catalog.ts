import type pg from 'pg'
import { boundedQuery, type PgClient } from '../connection/pg-session.js'
import { catalogSql } from './catalog-sql.js'
import type { WritePathRow } from './write-paths.js'
import type { ServerFacts } from './types.js'

/** What the one catalog round trip tells every later check. */
export interface CatalogFacts {
  server: ServerFacts
  roleName: string
  schemaExists: boolean
  schemaUsage: boolean
  relations: number
  readable: number
  unreadableSample: string[]
  readTarget: string | null
  /** The read probe: each relation with its `SELECT <readable columns> … LIMIT 0`, the read target first. */
  reads: ReadProbe[]
  /** Readable views and foreign tables besides the read target (at most MAX_VIEW_PROBES are read). */
  viewsReadable: number
  probeTarget: string | null
  /** The role sees every row whatever row-level security says: BYPASSRLS, or a superuser. */
  bypassRls: boolean
  /** Readable tables whose row-level security lets this role see no row (no permissive SELECT policy applies). */
  rlsHidden: string[]
  rlsHiddenCount: number
  /** Readable tables with row-level security and a policy for this role: what it reads is filtered. */
  rlsFiltered: string[]
  /** Readable views over tables with row-level security in force for the role the view reads them as. */
  viewRls: ViewRls[]
  writePaths: WritePathRow[]
}

export interface ReadProbe {
  /** As SQL names it (`schema.table`). */
  relation: string
  /** Its name within the schema, as `unreadableSample` lists names. */
  name: string
  sql: string
  /** A foreign table's server, as its options say (null for anything else). */
  foreign: ForeignServer | null
}

export interface ForeignServer {
  server: string
  /** The foreign-data wrapper's name (`postgres_fdw`, `file_fdw`, …). */
  wrapper: string
  /** The server's `connect_timeout` option (libpq's, in seconds), as written; null when not set. */
  connectTimeout: string | null
  /** The server's `host` option (possibly several, comma-separated); null when not set. */
  host: string | null
}

/** A readable view over a table with row-level security, and the role whose policies decide what it shows. */
export interface ViewRls {
  view: string
  table: string
  /** The view's owner, or, for a security_invoker view, the role being checked. */
  checkedAs: string
  invoker: boolean
  /** A SELECT policy applies to `checkedAs`: rows are filtered. False: the view shows no row. */
  policyApplies: boolean
}

interface FactsRow {
  version_string: string
  version_number: number
  in_recovery: boolean
  transaction_read_only: boolean
  role_name: string
  schema_exists: boolean
  schema_usage: boolean
  relations: number
  readable: number
  unreadable_sample: string[] | null
  read_target: string | null
  probe_target: string | null
  bypass_rls: boolean
  views_readable: number
  rls_hidden: string[] | null
  rls_hidden_count: number
  rls_filtered: string[] | null
  view_rls: [string, string, string, boolean, boolean][] | null
  reads: [string, string, string, ForeignServer | null][] | null
}

/** catalogSql as one part of a batch: its two statements (the facts, the write paths). */
export const catalogPart = (schema: string) => ({ sql: catalogSql(schema), statements: 2 })

export async function readCatalog(
  client: PgClient,
  schema: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<CatalogFacts> {
  return catalogFacts(await boundedQuery(client, catalogSql(schema), timeoutMs, signal))
}

/** The facts from catalogSql's two results. */
export function catalogFacts([factsResult, pathsResult]: pg.QueryResult[]): CatalogFacts {
  const row = factsResult?.rows[0] as FactsRow | undefined
  if (!row || !pathsResult) throw new Error('catalog query returned no rows')
  return {
    server: {
      versionString: row.version_string,
      versionNumber: row.version_number,
      supported: row.version_number >= 120000,
      inRecovery: row.in_recovery,
      transactionReadOnly: row.transaction_read_only,
    },
    roleName: row.role_name,
    schemaExists: row.schema_exists,
    schemaUsage: row.schema_usage,
    relations: row.relations,
    readable: row.readable,
    unreadableSample: row.unreadable_sample ?? [],
    readTarget: row.read_target,
    reads: (row.reads ?? []).map(([relation, sql, name, foreign]) => ({ relation, name, sql, foreign })),
    viewsReadable: row.views_readable,
    probeTarget: row.probe_target,
    bypassRls: row.bypass_rls,
    rlsHidden: row.rls_hidden ?? [],
    rlsHiddenCount: row.rls_hidden_count,
    rlsFiltered: row.rls_filtered ?? [],
    viewRls: (row.view_rls ?? []).map(([view, table, checkedAs, invoker, policyApplies]) => ({
      view,
      table,
      checkedAs,
      invoker,
      policyApplies,
    })),
    writePaths: pathsResult.rows as WritePathRow[],
  }
}
