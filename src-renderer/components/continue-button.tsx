/** The way forward at the foot of a step: "Continue to <next step>". */
export function ContinueButton({ to, onClick, hint }: { to: string; onClick: () => void; hint?: string }) {
  return (
    <div className="continue">
      {hint && <span className="muted small">{hint}</span>}
      <button type="button" className="button primary" onClick={onClick}>
        Continue to {to} <span aria-hidden="true">→</span>
      </button>
    </div>
  )
}
