import { useState } from 'react'
import type { ConnectionForm, RunChecksResponse } from '../../src-main/contract/index.js'
import { PREVIEW_ROWS, previewSql } from '../../src-main/core/sql/preview-sql.js'
import { QuerySandbox, type SandboxRequest } from '../components/query-sandbox.js'
import { SchemaExplorer } from '../components/schema-explorer.js'

/** Step 4: what Klairr would see, a relation's first rows, and the query sandbox. */
export function ExploreStep({
  response,
  connection,
  allowFunctions,
  onAllowFunctionsChange,
}: {
  response: RunChecksResponse | null
  connection: ConnectionForm
  allowFunctions: string[]
  onAllowFunctionsChange: (next: string[]) => void
}) {
  const [request, setRequest] = useState<SandboxRequest | null>(null)
  const schema = response?.schema
  const preview = (relation: string, columns: string[]) => {
    const sql = schema && previewSql(schema.name, relation, columns)
    if (sql) setRequest((r) => ({ id: (r?.id ?? 0) + 1, sql, maxRows: PREVIEW_ROWS }))
  }
  return (
    <div className="step-body">
      <section className="panel" aria-labelledby="schema-title">
        <h3 id="schema-title">Schema</h3>
        {schema ? (
          <SchemaExplorer schema={schema.name} relations={schema.relations} onPreview={preview} />
        ) : (
          <p className="empty">Run the tests first: the schema comes from their introspection.</p>
        )}
      </section>
      <QuerySandbox
        connection={connection}
        allowFunctions={allowFunctions}
        onAllowFunctionsChange={onAllowFunctionsChange}
        request={request}
      />
    </div>
  )
}
