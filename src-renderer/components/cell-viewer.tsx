import { useEffect, useRef } from 'react'
import { CopyButton } from './copy-button.js'

/** One cell's whole value, in a modal dialog: Escape or Close returns to the cell. */
export function CellViewer({
  column,
  row,
  value,
  onClose,
}: {
  column: string
  row: number
  value: string
  onClose: () => void
}) {
  const dialog = useRef<HTMLDialogElement>(null)
  useEffect(() => {
    const d = dialog.current
    if (d && !d.open) d.showModal()
  }, [])
  return (
    <dialog
      ref={dialog}
      className="cell-viewer"
      aria-labelledby="cell-viewer-title"
      onClose={onClose}
      onCancel={onClose}
    >
      <div className="cell-viewer-head">
        <h4 id="cell-viewer-title">
          <code>{column}</code>, row {row}
        </h4>
        <span className="muted small">{value.length.toLocaleString('en')} characters</span>
      </div>
      <pre className="cell-viewer-value" tabIndex={0} aria-label={`The whole value of ${column}`}>
        {value}
      </pre>
      <div className="actions">
        <CopyButton text={value} what="value" />
        <button type="button" className="button" onClick={() => dialog.current?.close()} autoFocus>
          Close
        </button>
      </div>
    </dialog>
  )
}
