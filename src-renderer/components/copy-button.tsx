import { Fragment, useState } from 'react'

/** Copies through a hidden textarea: works where the Clipboard API is denied (the app denies every permission). */
function copyWithSelection(text: string): boolean {
  const area = document.createElement('textarea')
  area.value = text
  area.setAttribute('readonly', '')
  area.className = 'offscreen'
  document.body.appendChild(area)
  area.select()
  const done = document.execCommand('copy')
  area.remove()
  return done
}

async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text)
    return true
  } catch {
    return copyWithSelection(text)
  }
}

export function CopyButton({
  text,
  label = 'Copy',
  what,
  name,
}: {
  text: string
  label?: string
  what: string
  /** The accessible name, when "label what" does not read well; it must begin with the label. */
  name?: string
}) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle')
  return (
    <button
      type="button"
      className="button small"
      aria-label={name ?? `${label} ${what}`}
      onClick={() => {
        void copyText(text).then((ok) => {
          setState(ok ? 'copied' : 'failed')
          setTimeout(() => setState('idle'), 1800)
        })
      }}
    >
      {state === 'copied' ? 'Copied ✓' : state === 'failed' ? 'Select and copy by hand' : label}
      <span className="visually-hidden" role="status">
        {state === 'copied' ? `${what} copied` : ''}
      </span>
    </button>
  )
}

/** The code with each `whole` kept on one line: a generated password must not break at its `-`. */
function Unbroken({ code, whole }: { code: string; whole?: string | null }) {
  if (!whole || !code.includes(whole)) return <>{code}</>
  return (
    <>
      {code.split(whole).map((part, i) => (
        <Fragment key={i}>
          {i > 0 && <span className="nowrap">{whole}</span>}
          {part}
        </Fragment>
      ))}
    </>
  )
}

/** A block of SQL or a command, with its copy button. */
export function CodeBlock({
  code,
  what,
  label,
  unbroken,
}: {
  code: string
  what: string
  label?: string
  /** A word that must not wrap across lines (a generated password). */
  unbroken?: string | null
}) {
  return (
    <div className="code-block">
      <div className="code-block-bar">
        <span>{label ?? what}</span>
        <CopyButton text={code} what={what} />
      </div>
      <pre tabIndex={0} aria-label={what}>
        <code>
          <Unbroken code={code} whole={unbroken} />
        </code>
      </pre>
    </div>
  )
}
