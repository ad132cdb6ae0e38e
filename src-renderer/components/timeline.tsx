import { failedStagesLegend, type Stage, type Timings } from '../../src-main/core/checks/stages.js'
import { CHECKS } from '../run-state.js'
import './timeline.css'

const RTT_FROM = { ssl_request: 'the SSLRequest answer', tcp_connect: 'the TCP connect' } as const
const TITLE = Object.fromEntries(CHECKS.map((c) => [c.id, c.title])) as Record<Stage['check'], string>
const LABEL: Record<string, string> = {
  dns: 'DNS lookup',
  'tcp connect': 'TCP connect',
  sslrequest: 'SSLRequest',
  'tls handshake': 'TLS handshake',
  'query batch': 'Query batch',
}
const ms = (n: number) => Math.round(n).toLocaleString('en-US')

/**
 * The run's waterfall on the Test step: each stage as a row of a table (its name, its check, when it
 * started and how long it took, for everyone and for screen readers) with a bar placed on the run's
 * time line beside it (aria-hidden: the numbers say the same). The slow-link notes come from core.
 */
export function Timeline({ timings }: { timings: Timings }) {
  const { stages, rttMs, rttFrom, notes } = timings
  if (stages.length === 0) return null
  const total = Math.max(1, ...stages.map((s) => s.startMs + s.durationMs))
  const several = new Set(stages.map((s) => s.attempt)).size > 1
  const legend = failedStagesLegend(stages)
  return (
    <section className="panel timeline" aria-labelledby="timeline-title">
      <h3 id="timeline-title">Where the time went</h3>
      <p className="muted">
        {rttMs !== null && rttFrom
          ? `Round trip to the server: about ${ms(rttMs)} ms (from ${RTT_FROM[rttFrom]}).`
          : 'The round trip could not be measured.'}{' '}
        The whole run took {ms(total)} ms.
      </p>
      {notes.map((n) => (
        <p key={n.code} className="banner info" role="note">
          {n.text}
        </p>
      ))}
      <table className="timeline-table">
        <caption className="visually-hidden">
          Each stage of the run, with when it started and how long it took, in milliseconds
        </caption>
        <thead>
          <tr>
            <th scope="col">Stage</th>
            <th scope="col" className="num">
              Start (ms)
            </th>
            <th scope="col" className="num">
              Took (ms)
            </th>
            <td aria-hidden="true" />
          </tr>
        </thead>
        <tbody>
          {stages.map((s, i) => {
            const left = (s.startMs / total) * 100
            const width = Math.max((s.durationMs / total) * 100, 0.5)
            return (
              <tr key={i} className={s.ok ? undefined : 'ended-in-error'}>
                <th scope="row">
                  <span className="stage-name">{LABEL[s.name] ?? s.name}</span>{' '}
                  <span className="stage-check">
                    {TITLE[s.check]}
                    {several ? ` · ${s.host ?? ''} (attempt ${s.attempt})` : ''}
                    {s.ok ? '' : ' · ended in an error'}
                  </span>
                </th>
                <td className="num">{ms(s.startMs)}</td>
                <td className="num">{ms(s.durationMs)}</td>
                <td className="bar-cell" aria-hidden="true">
                  <span className="bar" style={{ left: `${Math.min(left, 99.5)}%`, width: `${width}%` }} />
                </td>
              </tr>
            )
          })}
        </tbody>
      </table>
      {legend && <p className="muted small">A striped bar {legend}.</p>}
    </section>
  )
}
