/** The product's mark and name, at the left of the top bar. */
export function Brand() {
  return (
    <div className="brand">
      <span className="logo" aria-hidden="true">
        K
      </span>
      Klairr Companion
    </div>
  )
}
