import { useState } from 'react'
import type { AuditResponse, ConnectionForm } from '../../src-main/contract/index.js'
import { api, newJobId } from '../bridge.js'
import { CodeBlock } from './copy-button.js'
import { ErrorBanner } from './field.js'

/**
 * For a role that can write or cannot see its tables: the audit names each cause (grant, PUBLIC,
 * membership, ownership, attribute, missing default privileges) and gives the smallest fix script.
 */
export function AuditPanel({ connection }: { connection: ConnectionForm }) {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [result, setResult] = useState<AuditResponse | null>(null)
  const audit = async () => {
    setBusy(true)
    setError(null)
    const r = await api.auditRole({ jobId: newJobId(), connection })
    setBusy(false)
    if (!r.ok) return setError(r.error.message)
    setResult(r.value)
  }
  return (
    <section className="audit" aria-labelledby="audit-title">
      <h4 id="audit-title">In this app: why the role can write or cannot read</h4>
      <p className="muted">
        The audit reads the catalogs as the role itself, names each cause, and writes the smallest script that
        fixes them, for a superuser to review and run. Nothing is changed here.
      </p>
      <div className="actions">
        <button type="button" className="button primary" onClick={() => void audit()} disabled={busy}>
          {busy ? 'Auditing…' : result ? 'Audit again' : 'Show the fix script'}
        </button>
      </div>
      <ErrorBanner message={error} />
      {result?.stage === 'connect' && (
        <div className="banner error" role="alert">
          Could not connect: {result.check.summary}
        </div>
      )}
      {result?.stage === 'audit' && !result.ok && (
        <div className="banner error" role="alert">
          {result.message}
        </div>
      )}
      {result?.stage === 'audit' &&
        result.ok &&
        (result.report.findings.length === 0 ? (
          <p className="banner success" role="status">
            Nothing to fix: {result.report.role} can read {result.report.schema} and cannot write.
          </p>
        ) : (
          <>
            <ul className="findings">
              {result.report.findings.map((f, i) => (
                <li key={i}>
                  {f.description} <span className="muted small">({f.cause.replace(/_/g, ' ')})</span>
                  {f.instead && (
                    <div className="small">
                      {f.fix ? 'Note' : 'No statement fixes this'}: {f.instead}
                    </div>
                  )}
                </li>
              ))}
            </ul>
            <CodeBlock
              code={result.report.fixScript}
              what="fix script"
              label="Fix script (review, then run as a superuser)"
            />
          </>
        ))}
    </section>
  )
}
