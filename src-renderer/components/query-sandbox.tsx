import { useEffect, useRef, useState } from 'react'
import type { ConnectionForm, RunQueryResponse } from '../../src-main/contract/index.js'
import { api, newJobId } from '../bridge.js'
import { AllowedFunctionsField } from './allowed-functions-field.js'
import { ErrorBanner } from './field.js'
import { ResultGrid } from './result-grid.js'
import './explore.css'

/** A query for the sandbox to run as it is (the schema's "Preview rows"); a new id runs it again. */
export interface SandboxRequest {
  id: number
  sql: string
  maxRows: number
}

/** SQLSTATE 42601: the server's own syntax_error, for text the guard's parser took. */
const SYNTAX_ERROR = '42601'

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

/** Why a query did not give rows, named for what it was: a syntax error, a refusal, a cancel, a failure. */
function Outcome({ response, sql }: { response: RunQueryResponse; sql: string }) {
  if (response.stage === 'guard')
    return (
      <div className="banner refused" role="alert">
        {response.rule === 'parse_error' ? (
          <strong>Syntax error</strong>
        ) : (
          <>
            <strong>Refused by the allow-list</strong> (<code>{response.rule}</code>)
          </>
        )}
        : {response.message}
        <Pointer sql={sql} location={response.location} />
      </div>
    )
  if (response.stage === 'connect')
    return response.check.reason === 'cancelled' ? (
      <Cancelled />
    ) : (
      <div className="banner error" role="alert">
        Could not connect: {response.check.summary}
      </div>
    )
  if (response.ok) return null
  if (response.reason === 'cancelled') return <Cancelled />
  return (
    <div className="banner error" role="alert">
      {response.sqlstate === SYNTAX_ERROR ? (
        <strong>Syntax error</strong>
      ) : response.reason === 'timeout' ? (
        <strong>Timed out</strong>
      ) : (
        <>The query failed</>
      )}{' '}
      ({response.sqlstate ?? response.reason}): {response.message}
    </div>
  )
}

function Cancelled() {
  return (
    <div className="banner cancelled" role="status">
      <strong>Cancelled</strong>: the query was stopped before it finished, and rolled back.
    </div>
  )
}

/** The guard and the read-only executor, as Klairr would run a query, with the functions allowed by name. */
export function QuerySandbox({
  connection,
  allowFunctions,
  onAllowFunctionsChange,
  request,
}: {
  connection: ConnectionForm
  allowFunctions: string[]
  onAllowFunctionsChange: (next: string[]) => void
  /** A query handed over to run now (the schema's "Preview rows"). */
  request?: SandboxRequest | null
}) {
  const [sql, setSql] = useState('SELECT * FROM information_schema.tables')
  const [maxRows, setMaxRows] = useState('100')
  const [busy, setBusy] = useState<string | null>(null)
  const [result, setResult] = useState<{ sql: string; response: RunQueryResponse } | null>(null)
  const [error, setError] = useState<string | null>(null)

  const section = useRef<HTMLElement>(null)
  const busyRef = useRef<string | null>(null)

  const run = async (text = sql, cap = maxRows) => {
    // One query at a time: a new one (a preview while another runs) cancels the one in flight.
    if (busyRef.current) void api.cancel({ jobId: busyRef.current })
    const jobId = newJobId()
    busyRef.current = jobId
    setBusy(jobId)
    setError(null)
    const rows = Math.min(100_000, Math.max(1, Number(cap) || 100))
    const r = await api.runQuery({ jobId, connection, sql: text, maxRows: rows, allowFunctions })
    if (busyRef.current !== jobId) return
    busyRef.current = null
    setBusy(null)
    if (!r.ok) return setError(r.error.message)
    setResult({ sql: text, response: r.value })
  }

  useEffect(() => {
    if (!request) return
    setSql(request.sql)
    setMaxRows(String(request.maxRows))
    section.current?.scrollIntoView({ block: 'start' })
    void run(request.sql, String(request.maxRows))
    // Runs once per request id; the rest is read as it is then.
  }, [request?.id])

  const response = result?.response
  return (
    <section className="panel" aria-labelledby="sandbox-title" ref={section}>
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
      {result && <Outcome response={result.response} sql={result.sql} />}
      {response?.stage === 'execute' && response.ok && (
        <>
          <p className="muted small" role="status">
            {response.rows.length.toLocaleString('en')} row{response.rows.length === 1 ? '' : 's'}
            {response.truncated ? `, cut at the cap (${response.truncatedBy})` : ''} in{' '}
            {response.timings.totalMs} ms.
          </p>
          <ResultGrid columns={response.columns} rows={response.rows} />
        </>
      )}
    </section>
  )
}
