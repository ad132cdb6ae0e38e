import { printable } from '../../src-main/core/printable.js'
import { keyLabel } from '../../src-main/core/report/key-label.js'

/**
 * Evidence as the check recorded it, readable first: labelled sections (nested objects become their
 * own headed groups, lists one per line), and the raw JSON behind its own toggle for support.
 */
export function Evidence({ data, label }: { data: unknown; label: string }) {
  if (data === null || data === undefined) return null
  if (typeof data === 'object' && !Array.isArray(data) && Object.keys(data).length === 0) return null
  return (
    <details className="evidence">
      <summary>{label}</summary>
      <Value value={data} />
      <details className="evidence-raw">
        <summary>Raw JSON</summary>
        <pre>{JSON.stringify(data, null, 2).split('\n').map(printable).join('\n')}</pre>
      </details>
    </details>
  )
}

function Value({ value }: { value: unknown }) {
  if (value === null || value === undefined) return <span className="muted">none</span>
  if (Array.isArray(value)) {
    if (!value.length) return <span className="muted">none</span>
    return (
      <ol className="evidence-list">
        {value.map((v, i) => (
          <li key={i}>
            <Value value={v} />
          </li>
        ))}
      </ol>
    )
  }
  if (typeof value === 'object')
    return (
      <dl className="evidence-grid">
        {Object.entries(value as Record<string, unknown>).map(([k, v]) => (
          <div key={k}>
            <dt title={k}>{keyLabel(k)}</dt>
            <dd>
              <Value value={v} />
            </dd>
          </div>
        ))}
      </dl>
    )
  if (typeof value === 'boolean') return <span className="evidence-value">{value ? 'yes' : 'no'}</span>
  return <code className="evidence-value">{printable(String(value))}</code>
}
