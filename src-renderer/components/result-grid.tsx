import { useRef, useState } from 'react'
import type { QueryColumn } from '../../src-main/core/sql/executor.js'
import { CellViewer } from './cell-viewer.js'

/** Longer values are cut in the grid; the cell becomes a button that opens the whole value. */
const SHOWN_CHARS = 60

/** SQL NULL, unmistakable: a badge, read as "null (no value)", never the text 'NULL'. */
function NullCell() {
  return (
    <span className="null-badge">
      <span aria-hidden="true">NULL</span>
      <span className="offscreen">null (no value)</span>
    </span>
  )
}

/**
 * A query's rows: every column at least a readable width, long or multi-line values cut to one line with
 * an ellipsis, and a click or Enter on such a cell shows the whole value.
 */
export function ResultGrid({ columns, rows }: { columns: QueryColumn[]; rows: (string | null)[][] }) {
  const [open, setOpen] = useState<{ row: number; column: number } | null>(null)
  /** The cell that opened the viewer: focus goes back to it when the viewer closes. */
  const opener = useRef<HTMLButtonElement | null>(null)
  const close = () => {
    setOpen(null)
    requestAnimationFrame(() => opener.current?.focus())
  }
  const opened = open && rows[open.row]?.[open.column]
  return (
    <>
      <div className="result-scroll" tabIndex={0} aria-label="Query result">
        <table className="grid result-grid">
          <thead>
            <tr>
              {columns.map((c, i) => (
                <th key={i} scope="col">
                  <span className="column-name">{c.name}</span> <span className="muted small">{c.type}</span>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row, i) => (
              <tr key={i}>
                {row.map((cell, j) => (
                  <td key={j}>
                    {cell === null ? (
                      <NullCell />
                    ) : cell.length > SHOWN_CHARS || cell.includes('\n') ? (
                      <button
                        type="button"
                        className="cell-more"
                        title="Show the whole value"
                        aria-haspopup="dialog"
                        onClick={(e) => {
                          opener.current = e.currentTarget
                          setOpen({ row: i, column: j })
                        }}
                      >
                        {cell.slice(0, SHOWN_CHARS * 2)}
                      </button>
                    ) : (
                      cell
                    )}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {open && typeof opened === 'string' && (
        <CellViewer
          column={columns[open.column]?.name ?? ''}
          row={open.row + 1}
          value={opened}
          onClose={close}
        />
      )}
    </>
  )
}
