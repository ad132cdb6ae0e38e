import type { Responses, Result } from '../contract/index.js'
import type { ConnectorRecord, ConnectorRecords } from '../core/records/connector-records.js'
import { UNDO_DELETE_MS } from '../core/records/undo-window.js'
import {
  storeConnectorSecrets,
  takeConnectorSecrets,
  type ConnectorSecrets,
} from '../core/secrets/connector-secrets.js'
import type { SecretVault } from '../core/secrets/vault.js'
import { failure } from './dispatch.js'

interface Held {
  record: ConnectorRecord
  secrets: ConnectorSecrets
  timer: ReturnType<typeof setTimeout>
}

/**
 * Delete with undo. A delete removes the record and its vault entries (the password, the client key and
 * its passphrase) at once, so what is stored is what the list shows; main holds them in memory, as
 * Secrets, for the undo window only, and "Undo" puts them back. When the
 * window passes, or the app quits, they are gone for good.
 */
export class DeletedConnectors {
  private readonly held = new Map<string, Held>()

  constructor(
    private readonly records: ConnectorRecords,
    private readonly vault: () => Promise<SecretVault>,
    private readonly windowMs = UNDO_DELETE_MS,
  ) {}

  async delete(id: string): Promise<Result<Responses['deleteConnector']>> {
    const record = this.records.get(id)
    const vault = await this.vault()
    const deleted = this.records.remove(id)
    const secrets = await takeConnectorSecrets(vault, id)
    if (!record || !deleted) return failure('not_found', 'There is no saved connector with that id.')
    this.forget(id)
    const timer = setTimeout(() => this.forget(id), this.windowMs)
    timer.unref?.()
    this.held.set(id, { record, secrets, timer })
    return { ok: true, value: { deleted: true } }
  }

  async restore(id: string): Promise<Result<Responses['restoreConnector']>> {
    const held = this.held.get(id)
    if (!held) return failure('not_found', 'Too late to undo: that connector is deleted for good.')
    this.forget(id)
    this.records.save(held.record)
    await storeConnectorSecrets(await this.vault(), id, held.secrets)
    return { ok: true, value: { record: held.record } }
  }

  /** Drops every held connector at once (the app is quitting). */
  clear(): void {
    for (const id of [...this.held.keys()]) this.forget(id)
  }

  private forget(id: string): void {
    const held = this.held.get(id)
    if (held) clearTimeout(held.timer)
    this.held.delete(id)
  }
}
