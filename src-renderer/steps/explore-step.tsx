import type { ConnectionForm, RunChecksResponse } from '../../src-main/contract/index.js'
import { QuerySandbox } from '../components/query-sandbox.js'
import { SchemaExplorer } from '../components/schema-explorer.js'

/** Step 4: what Klairr would see, and the query sandbox. */
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
  return (
    <div className="step-body">
      <section className="panel" aria-labelledby="schema-title">
        <h3 id="schema-title">Schema</h3>
        {response?.schema ? (
          <SchemaExplorer schema={response.schema.name} relations={response.schema.relations} />
        ) : (
          <p className="empty">Run the tests first: the schema comes from their introspection.</p>
        )}
      </section>
      <QuerySandbox
        connection={connection}
        allowFunctions={allowFunctions}
        onAllowFunctionsChange={onAllowFunctionsChange}
      />
    </div>
  )
}
