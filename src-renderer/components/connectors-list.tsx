import type { VaultState } from '../../src-main/contract/index.js'
import type { ConnectorRecord } from '../../src-main/core/records/connector-records.js'
import { Checkbox } from './field.js'

const VERDICT_SHORT: Record<string, string> = {
  ready: 'ready',
  ready_with_warnings: 'warnings',
  blocked: 'blocked',
}

/** Saved connectors with their last verdict: open one to test it again, or forget it. */
export function ConnectorsList({
  connectors,
  vault,
  onVaultConsent,
  activeId,
  onOpen,
  onDelete,
}: {
  connectors: ConnectorRecord[]
  vault: VaultState
  onVaultConsent: (accept: boolean) => void
  activeId: string | undefined
  onOpen: (record: ConnectorRecord) => void
  onDelete: (record: ConnectorRecord) => void
}) {
  return (
    <section className="connectors" aria-labelledby="connectors-title">
      <h2 id="connectors-title">Saved connectors</h2>
      {connectors.length === 0 ? (
        <p className="muted small">None yet: export one to keep it here.</p>
      ) : (
        <ul>
          {connectors.map((c) => (
            <li key={c.id} className={c.id === activeId ? 'active' : undefined}>
              <button
                type="button"
                className="link"
                onClick={() => onOpen(c)}
                title={`${c.settings.host}/${c.settings.database}`}
              >
                <span className="connector-name">{c.name}</span>
                <span className={`badge ${c.lastRun?.verdict ?? 'none'}`}>
                  {c.lastRun ? VERDICT_SHORT[c.lastRun.verdict] : 'untested'}
                </span>
              </button>
              <button
                type="button"
                className="icon"
                aria-label={`Forget ${c.name}`}
                onClick={() => onDelete(c)}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      {vault.vaultWarning && <p className="muted small">{vault.vaultWarning}</p>}
      {vault.basicTextConsent !== 'not_needed' && (
        <Checkbox
          id="basic-text-consent"
          label="Store passwords with the app’s built-in key"
          hint="Without a desktop keyring this only keeps them from casual reading."
          checked={vault.basicTextConsent === 'given'}
          onChange={onVaultConsent}
        />
      )}
    </section>
  )
}
