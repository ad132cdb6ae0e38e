import { useState } from 'react'
import type { ConnectionForm, RunQueryResponse } from '../../src-main/contract/index.js'
import { api, newJobId } from '../bridge.js'
import { AllowedFunctionsField } from './allowed-functions-field.js'
import { ErrorBanner } from './field.js'

/** Where the parser pointed: the line, and a caret under the character. */
function Pointer({ sql, location }: { sql: string; location: number | null }) {
  if (location === null) return null
  const before = sql.slice(0, location)
  const lineStart = before.lastIndexOf('\n') + 1
  const lineEnd = sql.indexOf('\n', location)
  const line = sql.slice(lineStart, lineEnd === -1 ? undefined : lineEnd)
  return (
    <pre className="pointer" aria-label="Where the problem is">
      {line}
      {'\n'}
      {' '.repeat(location - lineStart)}^
    </pre>
  )
}

/** The guard and the read-only executor, as Klairr would run a query, with the functions allowed by name. */
export function QuerySandbox({
  connection,
  allowFunctions,
  onAllowFunctionsChange,
}: {
  connection: ConnectionForm
  allowFunctions: string[]
  onAllowFunctionsChange: (next: string[]) => void
}) {
  const [sql, setSql] = useState('SELECT * FROM information_schema.tables')
  const [maxRows, setMaxRows] = useState('100')
  const [busy, setBusy] = useState<string | null>(null)
  const [result, setResult] = useState<{ sql: string; response: RunQueryResponse } | null>(null)
  const [error, setError] = useState<string | null>(null)

  const run = async () => {
    const jobId = newJobId()
    setBusy(jobId)
    setError(null)
    const rows = Math.min(100_000, Math.max(1, Number(maxRows) || 100))
    const r = await api.runQuery({ jobId, connection, sql, maxRows: rows, allowFunctions })
    setBusy(null)
    if (!r.ok) return setError(r.error.message)
    setResult({ sql, response: r.value })
  }
  const response = result?.response
  return (
    <section className="panel" aria-labelledby="sandbox-title">
      <h3 id="sandbox-title">Query sandbox</h3>
      <p className="muted">
        Runs through PostgreSQL’s parser and Klairr’s allow-list, then in a READ ONLY transaction that is
        always rolled back, with the row cap enforced by the server. Ctrl+Enter runs.
      </p>
      <label htmlFor="sql">SQL</label>
      <textarea
        id="sql"
        rows={5}
        value={sql}
        spellCheck={false}
        onChange={(e) => setSql(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && !busy) void run()
        }}
      />
      <div className="toolbar">
        <div className="inline-field">
          <label htmlFor="max-rows">Row cap</label>
          <input
            id="max-rows"
            inputMode="numeric"
            value={maxRows}
            onChange={(e) => setMaxRows(e.target.value)}
          />
        </div>
        <div className="actions">
          {busy ? (
            <button type="button" className="button danger" onClick={() => void api.cancel({ jobId: busy })}>
              Cancel
            </button>
          ) : (
            <button
              type="button"
              className="button primary"
              onClick={() => void run()}
              disabled={!sql.trim()}
            >
              Run query
            </button>
          )}
        </div>
      </div>
      <AllowedFunctionsField value={allowFunctions} onChange={onAllowFunctionsChange} />
      <ErrorBanner message={error} />
      {response?.stage === 'guard' && (
        <div className="banner refused" role="alert">
          <strong>Refused by the allow-list</strong> (<code>{response.rule}</code>): {response.message}
          <Pointer sql={result!.sql} location={response.location} />
        </div>
      )}
      {response?.stage === 'connect' && (
        <div className="banner error" role="alert">
          Could not connect: {response.check.summary}
        </div>
      )}
      {response?.stage === 'execute' && !response.ok && (
        <div className="banner error" role="alert">
          The query failed ({response.sqlstate ?? response.reason}): {response.message}
        </div>
      )}
      {response?.stage === 'execute' && response.ok && (
        <>
          <p className="muted small" role="status">
            {response.rows.length.toLocaleString('en')} row{response.rows.length === 1 ? '' : 's'}
            {response.truncated ? `, cut at the cap (${response.truncatedBy})` : ''} in{' '}
            {response.timings.totalMs} ms.
          </p>
          <div className="result-scroll" tabIndex={0} aria-label="Query result">
            <table className="grid">
              <thead>
                <tr>
                  {response.columns.map((c, i) => (
                    <th key={i} scope="col">
                      {c.name} <span className="muted small">{c.type}</span>
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {response.rows.map((row, i) => (
                  <tr key={i}>
                    {row.map((cell, j) => (
                      <td key={j}>{cell === null ? <span className="muted">NULL</span> : cell}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  )
}
