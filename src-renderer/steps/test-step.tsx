import { useEffect, useState } from 'react'
import type { CheckWithAdvice, ConnectionForm } from '../../src-main/contract/index.js'
import { AuditPanel } from '../components/audit-panel.js'
import { Evidence } from '../components/evidence.js'
import { ErrorBanner } from '../components/field.js'
import { TroubleshootingCard } from '../components/troubleshooting-card.js'
import { CHECKS, VERDICT_TEXT, type LiveCheck, type RunState } from '../run-state.js'

const STATUS_TEXT = { pass: 'Passed', warn: 'Warning', fail: 'Failed', skip: 'Did not run' } as const

function Elapsed({ since }: { since: number }) {
  const [now, setNow] = useState(() => performance.now())
  useEffect(() => {
    const timer = setInterval(() => setNow(performance.now()), 100)
    return () => clearInterval(timer)
  }, [])
  return <span className="duration">{Math.max(0, Math.round(now - since))} ms</span>
}

function CheckRow({
  title,
  live,
  onEditField,
}: {
  title: string
  live: LiveCheck
  onEditField: (f: string) => void
}) {
  if (live.state !== 'done')
    return (
      <li className={`check ${live.state}`}>
        <div className="check-head">
          <span className={live.state === 'running' ? 'spinner' : 'dot'} aria-hidden="true" />
          <span className="check-title">{title}</span>
          <span className="check-summary muted">{live.state === 'running' ? 'Running…' : 'Waiting'}</span>
          {live.state === 'running' && <Elapsed since={live.since} />}
        </div>
      </li>
    )
  const r: CheckWithAdvice = live.result
  return (
    <li className={`check ${r.status}`}>
      <div className="check-head">
        <span className={`badge ${r.status}`}>{STATUS_TEXT[r.status]}</span>
        <span className="check-title">{title}</span>
        <span className="check-summary">{r.summary}</span>
        <span className="duration">{r.durationMs} ms</span>
      </div>
      {(r.status === 'fail' || r.status === 'warn') && (
        <TroubleshootingCard check={r} onEditField={onEditField} />
      )}
      <Evidence data={r.evidence} label="Evidence" />
    </li>
  )
}

/** The audit helps when the role could connect but reads too little or can write. */
const needsAudit = (checks: CheckWithAdvice[]) =>
  checks.some(
    (c) => (c.id === 'read_access' || c.id === 'write_probe') && (c.status === 'fail' || c.status === 'warn'),
  )

/** Step 3: the six checks live, each with its duration, advice and evidence; cancel and re-run. */
export function TestStep({
  run,
  onRun,
  onCancel,
  onEditField,
  target,
  connection,
}: {
  run: RunState
  onRun: () => void
  onCancel: () => void
  onEditField: (field: string) => void
  target: string
  connection: ConnectionForm
}) {
  const report = run.response?.report
  const started = run.running || report
  return (
    <div className="step-body">
      <div className="panel">
        <div className="toolbar">
          <p className="muted">
            Testing <strong>{target}</strong> from this machine, as Klairr will connect.
          </p>
          <div className="actions">
            {run.running ? (
              <button type="button" className="button danger" onClick={onCancel}>
                Cancel
              </button>
            ) : (
              <button type="button" className="button primary" onClick={onRun}>
                {report ? 'Re-run the tests' : 'Run the tests'}
              </button>
            )}
          </div>
        </div>
        <ErrorBanner message={run.error} />
        {report && !run.running && (
          <div className={`verdict ${report.cancelled ? 'blocked' : report.verdict}`} role="status">
            {report.cancelled
              ? 'Cancelled: the tests stopped where they were.'
              : VERDICT_TEXT[report.verdict]}
          </div>
        )}
        {started ? (
          <ol className="checks" aria-live="polite" aria-busy={run.running}>
            {CHECKS.map((c) => (
              <CheckRow
                key={c.id}
                title={c.title}
                live={run.live[c.id] ?? { state: 'pending' }}
                onEditField={onEditField}
              />
            ))}
          </ol>
        ) : (
          <p className="empty">No run yet. Fill in the Connection step, then run the tests.</p>
        )}
      </div>
      {report && !run.running && needsAudit(report.checks) && <AuditPanel connection={connection} />}
      {report && !run.running && (
        <div className="panel">
          <h3>Connection evidence</h3>
          {report.server && (
            <p>
              Server: <code>{report.server.versionString}</code>
              {report.server.inRecovery ? ' (a hot standby)' : ''}
            </p>
          )}
          <Evidence data={report.network} label="Addresses" />
          <Evidence data={report.tls} label="TLS: protocol, cipher, certificate chain" />
        </div>
      )}
    </div>
  )
}
