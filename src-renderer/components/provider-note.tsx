import type { ProviderFinding } from '../../src-main/core/diagnosis/provider.js'

/** The managed service the run recognised, and how: where the cause or the fix differs there, the advice says so. */
export function ProviderNote({ provider, host }: { provider: ProviderFinding | null; host: string }) {
  if (!provider) return null
  const via =
    provider.via === 'host' ? (
      <>
        from the host name <code>{host}</code>
      </>
    ) : (
      'from the server certificate’s issuer'
    )
  return (
    <p className="banner info provider-note" role="note">
      Detected: <strong>{provider.name}</strong> ({via}). Where its causes or fixes differ, the advice below
      is specific to it.
    </p>
  )
}
