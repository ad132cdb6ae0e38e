/** Evidence as the check recorded it: keys and values, nested objects indented, lists one per line. */
export function Evidence({ data, label }: { data: unknown; label: string }) {
  if (data === null || data === undefined) return null
  if (typeof data === 'object' && !Array.isArray(data) && Object.keys(data).length === 0) return null
  return (
    <details className="evidence">
      <summary>{label}</summary>
      <Value value={data} />
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
            <dt>{k}</dt>
            <dd>
              <Value value={v} />
            </dd>
          </div>
        ))}
      </dl>
    )
  return <code className="evidence-value">{String(value)}</code>
}
