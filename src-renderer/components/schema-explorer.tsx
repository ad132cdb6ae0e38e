import { useVirtualizer } from '@tanstack/react-virtual'
import { useDeferredValue, useMemo, useRef, useState, type KeyboardEvent } from 'react'
import type { SchemaRelation } from '../../src-main/contract/index.js'

const KIND_TEXT: Record<string, string> = {
  table: 'table',
  view: 'view',
  materialized_view: 'mat. view',
  partitioned_table: 'partitioned',
  foreign_table: 'foreign',
}

const ROW_HEIGHT = 34

/**
 * The relations the role can see, filtered as one types; only the visible rows exist in the page. A
 * selected relation shows its columns, and "Preview rows" hands its first rows' query to the sandbox.
 */
export function SchemaExplorer({
  schema,
  relations,
  onPreview,
}: {
  schema: string
  relations: SchemaRelation[]
  /** Runs the relation's preview (its readable columns) through the sandbox. */
  onPreview?: (relation: string, columns: string[]) => void
}) {
  const [filter, setFilter] = useState('')
  const [selected, setSelected] = useState<SchemaRelation | null>(null)
  const deferred = useDeferredValue(filter)
  const shown = useMemo(() => {
    const needle = deferred.trim().toLowerCase()
    return needle ? relations.filter((r) => r.name.toLowerCase().includes(needle)) : relations
  }, [relations, deferred])
  const scroller = useRef<HTMLDivElement>(null)
  const virtual = useVirtualizer({
    count: shown.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  })
  // Arrow keys, Page Up/Down, Home and End move the selection; the list scrolls to keep it in view.
  const activeIndex = selected ? shown.indexOf(selected) : -1
  const moveTo = (index: number) => {
    const i = Math.min(shown.length - 1, Math.max(0, index))
    if (i < 0) return
    setSelected(shown[i]!)
    virtual.scrollToIndex(i)
  }
  const page = Math.max(1, Math.floor(380 / ROW_HEIGHT) - 1)
  const onListKey = (e: KeyboardEvent<HTMLDivElement>) => {
    const steps: Record<string, number> = {
      ArrowDown: activeIndex + 1,
      ArrowUp: activeIndex - 1,
      PageDown: activeIndex + page,
      PageUp: activeIndex - page,
      Home: 0,
      End: shown.length - 1,
    }
    const target = steps[e.key]
    if (target === undefined) return
    e.preventDefault()
    moveTo(target)
  }
  const columns = useMemo(
    () => (selected ? (JSON.parse(selected.columnsJson) as [string, string, boolean][]) : []),
    [selected],
  )
  return (
    <div className="explorer">
      <div className="explorer-list">
        <label htmlFor="schema-filter" className="visually-hidden">
          Filter relations
        </label>
        <input
          id="schema-filter"
          type="search"
          placeholder={`Filter ${relations.length.toLocaleString('en')} relations in ${schema}`}
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'ArrowDown' && shown.length) {
              e.preventDefault()
              scroller.current?.focus()
              moveTo(Math.max(0, activeIndex))
            }
          }}
        />
        <div className="muted small" role="status" data-testid="relation-count">
          {shown.length.toLocaleString('en')} of {relations.length.toLocaleString('en')} relations
        </div>
        <div
          className="scroller"
          ref={scroller}
          role="listbox"
          aria-label={`Relations in ${schema}`}
          aria-activedescendant={activeIndex >= 0 ? `relation-${activeIndex}` : undefined}
          tabIndex={0}
          onKeyDown={onListKey}
        >
          <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
            {virtual.getVirtualItems().map((item) => {
              const r = shown[item.index]!
              return (
                <div
                  key={r.name}
                  id={`relation-${item.index}`}
                  role="option"
                  aria-selected={selected?.name === r.name}
                  className={`relation${selected?.name === r.name ? ' selected' : ''}`}
                  style={{ height: ROW_HEIGHT, transform: `translateY(${item.start}px)` }}
                  onClick={() => setSelected(r)}
                >
                  <span className="relation-name">{r.name}</span>
                  <span className="muted small">
                    {KIND_TEXT[r.kind]} · {r.columnCount} col.
                    {r.partitions > 0 && ` · ${r.partitions} partition${r.partitions === 1 ? '' : 's'}`}
                  </span>
                </div>
              )
            })}
          </div>
        </div>
      </div>
      <div className="explorer-detail" aria-live="polite">
        {selected ? (
          <>
            <h4>
              {schema}.{selected.name} <span className="muted small">{KIND_TEXT[selected.kind]}</span>
            </h4>
            {onPreview && (
              <div className="preview-action">
                <button
                  type="button"
                  className="button small"
                  disabled={columns.length === 0}
                  aria-describedby={columns.length === 0 ? 'preview-none' : undefined}
                  onClick={() =>
                    onPreview(
                      selected.name,
                      columns.map(([name]) => name),
                    )
                  }
                >
                  Preview rows
                </button>
                {columns.length === 0 ? (
                  <span className="muted small" id="preview-none">
                    The role can read none of its columns.
                  </span>
                ) : (
                  <span className="muted small">The first 20, through the guard and read-only.</span>
                )}
              </div>
            )}
            <table className="grid">
              <thead>
                <tr>
                  <th scope="col">Column</th>
                  <th scope="col">Type</th>
                  <th scope="col">Nullable</th>
                </tr>
              </thead>
              <tbody>
                {columns.map(([name, type, notNull]) => (
                  <tr key={name}>
                    <td>
                      <code>{name}</code>
                    </td>
                    <td>{type}</td>
                    <td>{notNull ? 'no' : 'yes'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        ) : (
          <p className="empty">Pick a relation to see its columns.</p>
        )}
      </div>
    </div>
  )
}
