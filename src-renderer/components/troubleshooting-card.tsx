import type { ReactNode } from 'react'
import type { CheckWithAdvice } from '../../src-main/contract/index.js'
import { FIELD_LABELS } from '../../src-main/core/diagnosis/field-labels.js'
import { GUIDE_TITLES } from '../../src-main/core/diagnosis/guide-titles.js'
import { CopyButton } from './copy-button.js'

/** What a failed or warned check means, what to do, the commands to run, and the field to change. */
export function TroubleshootingCard({
  check,
  onEditField,
  children,
}: {
  check: CheckWithAdvice
  onEditField: (field: string) => void
  /** What the app can do about it here (the audit), inside the card rather than below the list. */
  children?: ReactNode
}) {
  const advice = check.advice
  if (!advice) return null
  return (
    <section className={`card trouble ${check.status}`} aria-label={`Troubleshooting: ${check.summary}`}>
      <h4>What it means</h4>
      <p>{advice.meaning}</p>
      {advice.steps.length > 0 && (
        <>
          <h4>What to do</h4>
          <ol>
            {advice.steps.map((step) => (
              <li key={step}>{step}</li>
            ))}
          </ol>
        </>
      )}
      {advice.commands.map((c) => (
        <div className="command" key={c.command}>
          <div className="command-label">{c.label}</div>
          <div className="command-row">
            <code>{c.command}</code>
            <CopyButton text={c.command} what={c.label} />
          </div>
        </div>
      ))}
      {advice.field && (
        <button type="button" className="button" onClick={() => onEditField(advice.field!)}>
          Change “{FIELD_LABELS[advice.field]}” in Connection
        </button>
      )}
      {children}
      <p className="muted small">
        {check.troubleshooting ? (
          <>
            In Klairr’s setup guide: Troubleshooting, <strong>{GUIDE_TITLES[check.troubleshooting]}</strong>
            .{' '}
          </>
        ) : null}
        Reason code <code>{check.reason}</code>
      </p>
    </section>
  )
}
