import { useState } from 'react'
import { MAX_ALLOWED_FUNCTIONS as MAX } from '../../src-main/core/sql/allowed-functions.js'
import { api } from '../bridge.js'
import { Field } from './field.js'

/**
 * The functions the admin allows by name. Main reads each one with the same parser as the CLI and
 * answers with its canonical spelling or the reason it is not one: the renderer parses nothing itself.
 */
export function AllowedFunctionsField({
  value,
  onChange,
}: {
  value: string[]
  onChange: (next: string[]) => void
}) {
  const [text, setText] = useState('')
  const [error, setError] = useState<string | undefined>(undefined)
  const [busy, setBusy] = useState(false)

  const add = async () => {
    if (!text.trim() || busy) return
    setBusy(true)
    const r = await api.checkAllowedFunction({ text })
    setBusy(false)
    if (!r.ok) return setError(r.error.fields?.text ?? r.error.message)
    setError(undefined)
    setText('')
    if (!value.includes(r.value.function)) onChange([...value, r.value.function])
  }

  const full = value.length >= MAX
  return (
    <div className="allowed-functions">
      <Field
        id="allow-function"
        label="Functions allowed by name"
        hint={
          <>
            Functions outside PostgreSQL’s safe built-ins and the reviewed extensions are refused. Allow one
            of yours as <code>schema.name</code> (every overload); quote to keep upper case. Saved on the
            connector and recorded in the file when you export.
          </>
        }
        error={error}
      >
        {(p) => (
          <div className="add-row">
            <input
              {...p}
              value={text}
              spellCheck={false}
              placeholder="public.my_function"
              disabled={full}
              onChange={(e) => {
                setText(e.target.value)
                setError(undefined)
              }}
              onKeyDown={(e) => {
                if (e.key === 'Enter') {
                  e.preventDefault()
                  void add()
                }
              }}
            />
            <button
              type="button"
              className="button small"
              onClick={() => void add()}
              disabled={busy || full || !text.trim()}
            >
              Allow
            </button>
          </div>
        )}
      </Field>
      {value.length > 0 && (
        <ul aria-label="Functions allowed by name">
          {value.map((name) => (
            <li key={name}>
              <code>{name}</code>
              <button
                type="button"
                className="icon"
                aria-label={`Stop allowing ${name}`}
                onClick={() => onChange(value.filter((n) => n !== name))}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      {full && <p className="muted small">At most {MAX} functions.</p>}
    </div>
  )
}
