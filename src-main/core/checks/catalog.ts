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
  probeTarget: string | null
  writePaths: WritePathRow[]
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
}

export async function readCatalog(
  client: PgClient,
  schema: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<CatalogFacts> {
  const [factsResult, pathsResult] = await boundedQuery(client, catalogSql(schema), timeoutMs, signal)
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
    probeTarget: row.probe_target,
    writePaths: pathsResult.rows as WritePathRow[],
  }
}
