import { useEffect, useRef, useState } from 'react'
import type { VaultState } from '../../src-main/contract/index.js'
import { targetLabel, type ConnectorRecord } from '../../src-main/core/records/connector-records.js'
import { UNDO_DELETE_MS } from '../../src-main/core/records/undo-window.js'
import { api } from '../bridge.js'
import { Checkbox } from './field.js'
import './connectors-list.css'

const VERDICT_SHORT: Record<string, string> = {
  ready: 'ready',
  ready_with_warnings: 'warnings',
  blocked: 'blocked',
}

/** `user@host:port/database`: the line under a connector's name, and its full text on hover. */
const targetOf = (c: ConnectorRecord) => `${targetLabel(c.settings)}/${c.settings.database}`

/**
 * Saved connectors with their last verdict: open one, test it again, or delete it. A delete asks nothing:
 * main removes the record and its password at once and keeps them in memory for a few seconds, while
 * the list offers "Undo".
 */
export function ConnectorsList({
  connectors,
  vault,
  onVaultConsent,
  activeId,
  onOpen,
  onTestAgain,
  onChanged,
}: {
  connectors: ConnectorRecord[]
  vault: VaultState
  onVaultConsent: (accept: boolean) => void
  activeId: string | undefined
  onOpen: (record: ConnectorRecord) => void
  onTestAgain: (record: ConnectorRecord) => void
  /** After a delete or an undo: the list is read again. */
  onChanged: () => void
}) {
  const [undo, setUndo] = useState<ConnectorRecord | null>(null)
  const [problem, setProblem] = useState<string | null>(null)
  const undoButton = useRef<HTMLButtonElement>(null)
  const heading = useRef<HTMLHeadingElement>(null)

  // The offer lasts as long as main keeps the connector; focus on it goes back to the list's heading.
  useEffect(() => {
    if (!undo) return
    undoButton.current?.focus()
    const timer = setTimeout(() => {
      if (document.activeElement === undoButton.current) heading.current?.focus()
      setUndo(null)
    }, UNDO_DELETE_MS)
    return () => clearTimeout(timer)
  }, [undo])

  const remove = async (c: ConnectorRecord) => {
    setProblem(null)
    const r = await api.deleteConnector({ id: c.id })
    onChanged()
    if (!r.ok) return setProblem(r.error.message)
    setUndo(c)
  }

  const restore = async (c: ConnectorRecord) => {
    const r = await api.restoreConnector({ id: c.id })
    setUndo(null)
    onChanged()
    heading.current?.focus()
    if (!r.ok) setProblem(r.error.message)
  }

  return (
    <section className="connectors" aria-labelledby="connectors-title">
      <h2 id="connectors-title" ref={heading} tabIndex={-1}>
        Saved connectors
      </h2>
      {connectors.length === 0 ? (
        <p className="muted small">None yet: export one to keep it here.</p>
      ) : (
        <ul>
          {connectors.map((c) => {
            const target = targetOf(c)
            const verdict = c.lastRun ? VERDICT_SHORT[c.lastRun.verdict] : 'untested'
            return (
              <li key={c.id} className={`connector${c.id === activeId ? ' active' : ''}`}>
                <button
                  type="button"
                  className="link connector-open"
                  onClick={() => onOpen(c)}
                  title={`${c.name}\n${target}`}
                >
                  <span className="connector-name">{c.name}</span>
                  <span className="connector-target">{target}</span>
                  {c.settings.sslCert ? (
                    <span className="connector-target">with a client certificate</span>
                  ) : null}
                </button>
                <button
                  type="button"
                  className="icon connector-delete"
                  aria-label={`Delete ${c.name}`}
                  title={`Delete ${c.name}`}
                  onClick={() => void remove(c)}
                >
                  ×
                </button>
                <div className="connector-meta">
                  <span className="offscreen">Last run:</span>
                  <span className={`badge ${c.lastRun?.verdict ?? 'none'}`}>{verdict}</span>
                  <button
                    type="button"
                    className="link connector-again"
                    aria-label={`Test ${c.name} again`}
                    onClick={() => onTestAgain(c)}
                  >
                    Test again
                  </button>
                </div>
              </li>
            )
          })}
        </ul>
      )}
      <div role="status" className="connector-status">
        {undo && (
          <p className="undo">
            <span className="connector-undo-text">Deleted {undo.name}.</span>{' '}
            <button
              type="button"
              className="button small"
              ref={undoButton}
              onClick={() => void restore(undo)}
            >
              Undo
            </button>
          </p>
        )}
        {problem && <p className="small">{problem}</p>}
      </div>
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
