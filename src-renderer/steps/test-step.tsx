import { useEffect, useState, type ReactNode } from 'react'
import type { CheckId } from '../../src-main/core/checks/types.js'
import { DEFAULT_TIMEOUTS } from '../../src-main/core/connection/settings.js'
import type { CheckWithAdvice, ConnectionForm } from '../../src-main/contract/index.js'
import { AuditPanel } from '../components/audit-panel.js'
import { Evidence } from '../components/evidence.js'
import { ErrorBanner } from '../components/field.js'
import { ReportActions } from '../components/report-actions.js'
import { ProviderNote } from '../components/provider-note.js'
import { Timeline } from '../components/timeline.js'
import { TroubleshootingCard } from '../components/troubleshooting-card.js'
import { CHECKS, VERDICT_TEXT, type LiveCheck, type RunState } from '../run-state.js'
import type { StepId } from '../state.js'

const STATUS_TEXT = { pass: 'Passed', warn: 'Warning', fail: 'Failed', skip: 'Did not run' } as const

/** How long each check may wait before it gives up, from core's default timeouts. */
const T = DEFAULT_TIMEOUTS
const BOUND_MS: Record<CheckId, number> = {
  network: T.dns + T.tcp,
  tls: T.startup,
  auth: T.startup,
  read_access: T.query,
  write_probe: T.query,
  introspection: T.query,
}
const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`

function Elapsed({ since, bound }: { since: number; bound: number }) {
  const [now, setNow] = useState(() => performance.now())
  useEffect(() => {
    const timer = setInterval(() => setNow(performance.now()), 100)
    return () => clearInterval(timer)
  }, [])
  return (
    <span className="elapsed">
      <span className="duration">{Math.max(0, Math.round(now - since))} ms</span>{' '}
      <span className="bound">· gives up at {seconds(bound)}</span>
    </span>
  )
}

function CheckRow({
  id,
  title,
  live,
  sameCauseAs,
  onEditField,
  audit,
}: {
  id: CheckId
  title: string
  live: LiveCheck
  /** The title of an earlier check whose card already says all this one would. */
  sameCauseAs: string | null
  onEditField: (f: string) => void
  /** The in-app audit, inside the card it helps with. */
  audit?: ReactNode
}) {
  if (live.state !== 'done')
    return (
      <li className={`check ${live.state}`}>
        <div className="check-head">
          <span className={live.state === 'running' ? 'spinner' : 'dot'} aria-hidden="true" />
          <span className="check-title">{title}</span>
          <span className="check-summary muted">{live.state === 'running' ? 'Running…' : 'Waiting'}</span>
          {live.state === 'running' && <Elapsed since={live.since} bound={BOUND_MS[id]} />}
        </div>
      </li>
    )
  const r: CheckWithAdvice = live.result
  const cancelled = r.reason === 'cancelled'
  return (
    <li className={`check ${cancelled ? 'cancelled' : r.status}`}>
      <div className="check-head">
        <span className={`badge ${cancelled ? 'cancelled' : r.status}`}>
          {cancelled ? 'Cancelled' : STATUS_TEXT[r.status]}
        </span>
        <span className="check-title">{title}</span>
        <span className="check-summary">{r.summary}</span>
        <span className="duration">{r.durationMs} ms</span>
      </div>
      {(r.status === 'fail' || r.status === 'warn') &&
        (sameCauseAs ? (
          <>
            <p className="muted small same-cause">
              Same cause as {sameCauseAs} above: its card says what to do.
            </p>
            {audit}
          </>
        ) : (
          <TroubleshootingCard check={r} onEditField={onEditField}>
            {audit}
          </TroubleshootingCard>
        ))}
      <Evidence data={r.evidence} label="Evidence" />
    </li>
  )
}

/** The audit helps when the role could connect but reads too little or can write: the first such check. */
const auditCheck = (checks: CheckWithAdvice[]): CheckId | null =>
  checks.find(
    (c) => (c.id === 'read_access' || c.id === 'write_probe') && (c.status === 'fail' || c.status === 'warn'),
  )?.id ?? null

/** Cards that would repeat an earlier one (same reason, or the same advice): id → the earlier title. */
function sameCauses(live: RunState['live']): Record<string, string> {
  const seen = new Map<string, string>()
  const out: Record<string, string> = {}
  for (const c of CHECKS) {
    const l = live[c.id]
    if (l?.state !== 'done' || (l.result.status !== 'fail' && l.result.status !== 'warn')) continue
    const advice = l.result.advice
    const key = advice ? `${advice.meaning}\n${advice.commands.map((x) => x.command).join('\n')}` : null
    for (const k of [l.result.reason, key]) {
      const earlier = k ? seen.get(k) : undefined
      if (earlier) out[c.id] = earlier
    }
    if (!out[c.id]) {
      if (l.result.reason) seen.set(l.result.reason, c.title)
      if (key) seen.set(key, c.title)
    }
  }
  return out
}

/** Step 3: the six checks live, each with its duration, advice and evidence; cancel and re-run. */
export function TestStep({
  run,
  onRun,
  onCancel,
  onEditField,
  onContinue,
  target,
  connection,
  stale,
}: {
  /** The form changed since this run: its results speak for the settings as they were. */
  stale: boolean
  run: RunState
  onRun: () => void
  onCancel: () => void
  onEditField: (field: string) => void
  onContinue: (step: StepId) => void
  target: string
  connection: ConnectionForm
}) {
  const report = run.response?.report
  const started = run.running || report
  const same = sameCauses(run.live)
  const hasConnectionEvidence = Boolean(report?.server || report?.network || report?.tls)
  const usable = report && !report.cancelled && report.verdict !== 'blocked'
  const auditHere = report && !run.running ? auditCheck(report.checks) : null
  return (
    <div className="step-body">
      <div className="panel">
        <div className="toolbar">
          <p className="muted target">
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
        {stale && report && !run.running && (
          <p className="banner info" role="status">
            The connection settings changed since this run: these results are for the settings as they were.
            Re-run the tests to check the new ones.
          </p>
        )}
        {report && !run.running && (
          <div className={`verdict-bar ${report.cancelled ? 'cancelled' : report.verdict}`}>
            <div className={`verdict ${report.cancelled ? 'cancelled' : report.verdict}`} role="status">
              {report.cancelled
                ? 'Cancelled: the tests stopped where they were. Nothing was verified; re-run them to finish.'
                : VERDICT_TEXT[report.verdict]}
            </div>
            {usable ? (
              <button type="button" className="button primary" onClick={() => onContinue('explore')}>
                Continue to Explore <span aria-hidden="true">→</span>
              </button>
            ) : (
              !report.cancelled && (
                <button type="button" className="button" onClick={() => onContinue('connection')}>
                  Back to Connection
                </button>
              )
            )}
          </div>
        )}
        {report && !run.running && <ProviderNote provider={report.provider} host={connection.host} />}
        <ReportActions response={run.response} running={run.running} />
        {started ? (
          <ol className="checks" aria-live="polite" aria-busy={run.running}>
            {CHECKS.map((c) => (
              <CheckRow
                key={c.id}
                id={c.id}
                title={c.title}
                live={run.live[c.id] ?? { state: 'pending' }}
                sameCauseAs={same[c.id] ?? null}
                onEditField={onEditField}
                audit={auditHere === c.id ? <AuditPanel connection={connection} /> : undefined}
              />
            ))}
          </ol>
        ) : (
          <p className="empty">No run yet. Fill in the Connection step, then run the tests.</p>
        )}
      </div>
      {report && !run.running && hasConnectionEvidence && (
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
      {report?.timings && !run.running && <Timeline timings={report.timings} />}
    </div>
  )
}
