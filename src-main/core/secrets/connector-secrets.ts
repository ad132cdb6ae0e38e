import { Secret } from './secret.js'
import type { SecretVault } from './vault.js'

/** The vault's service name for a saved connector's secrets (accounts: see ACCOUNTS). */
export const VAULT_SERVICE = 'klairr-companion'

/**
 * What the vault keeps for a saved connector: its password, and its client certificate's private key
 * (PEM text, or the path the admin gave) with the key's passphrase. Each is a Secret out of the vault;
 * null when none is kept.
 */
export interface ConnectorSecrets {
  password: Secret | null
  clientKey: Secret | null
  clientKeyPassphrase: Secret | null
}

/** The password under the connector's id (as every earlier version kept it), the key's two beside it. */
const ACCOUNTS: Record<keyof ConnectorSecrets, (id: string) => string> = {
  password: (id) => id,
  clientKey: (id) => `${id}:client-key`,
  clientKeyPassphrase: (id) => `${id}:client-key-passphrase`,
}

const NAMES = Object.keys(ACCOUNTS) as (keyof ConnectorSecrets)[]

export async function readConnectorSecrets(vault: SecretVault, id: string): Promise<ConnectorSecrets> {
  const read = async (name: keyof ConnectorSecrets) => {
    const text = await vault.getPassword(VAULT_SERVICE, ACCOUNTS[name](id))
    return text === null ? null : new Secret(text)
  }
  return {
    password: await read('password'),
    clientKey: await read('clientKey'),
    clientKeyPassphrase: await read('clientKeyPassphrase'),
  }
}

/** Stores each secret given (null deletes it); one left out is not touched. */
export async function storeConnectorSecrets(
  vault: SecretVault,
  id: string,
  secrets: Partial<ConnectorSecrets>,
): Promise<void> {
  for (const name of NAMES) {
    const secret = secrets[name]
    if (secret === undefined) continue
    if (secret === null) await vault.deletePassword(VAULT_SERVICE, ACCOUNTS[name](id))
    else await vault.setPassword(VAULT_SERVICE, ACCOUNTS[name](id), secret.reveal())
  }
}

/** Deletes every secret of the connector, and returns them (for the undo window). */
export async function takeConnectorSecrets(vault: SecretVault, id: string): Promise<ConnectorSecrets> {
  const held = await readConnectorSecrets(vault, id)
  await storeConnectorSecrets(vault, id, { password: null, clientKey: null, clientKeyPassphrase: null })
  return held
}
