import { app, safeStorage } from 'electron'
import Store from 'electron-store'
import { ConnectorRecords } from '../core/records/connector-records.js'
import { chooseVault, type KeytarLike, type VaultChoice } from '../core/secrets/vault.js'
import { Drafts } from '../handlers/drafts.js'

/**
 * The desktop app's side of the records and the vault: electron-store files under the user's data
 * folder, Electron's safeStorage, and keytar when it is installed. Core stays free of all three.
 */
export function connectorRecords(): ConnectorRecords {
  const store = new Store<Record<string, unknown>>({
    name: 'connectors',
    accessPropertiesByDotNotation: false,
  })
  return new ConnectorRecords({ get: (k) => store.get(k), set: (k, v) => store.set(k, v) })
}

/** The draft and the last run across a restart (drafts.ts): never a password, a key or its passphrase. */
export function desktopDrafts(): Drafts {
  const store = new Store<Record<string, unknown>>({ name: 'drafts', accessPropertiesByDotNotation: false })
  return new Drafts({ get: (k) => store.get(k), set: (k, v) => store.set(k, v) })
}

/** keytar is optional (archived upstream, native): loaded only if present, never bundled. */
async function loadKeytar(): Promise<KeytarLike | null> {
  const name = 'keytar'
  try {
    const mod = (await import(/* @vite-ignore */ name)) as { default?: KeytarLike } & KeytarLike
    return mod.default ?? mod
  } catch {
    return null
  }
}

// Keys hold host names and account names with dots: never read as nested paths.

/** Chooses the vault once the app is ready (safeStorage needs it); `acceptBasicText` is the user's explicit choice. */
export async function desktopVault(acceptBasicText: boolean): Promise<VaultChoice> {
  await app.whenReady()
  const ciphertexts = new Store<Record<string, string>>({
    name: 'secrets',
    accessPropertiesByDotNotation: false,
  })
  return chooseVault({
    platform: process.platform,
    safeStorage,
    loadKeytar,
    ciphertexts: {
      get: (k) => ciphertexts.get(k),
      set: (k, v) => ciphertexts.set(k, v),
      delete: (k) => ciphertexts.delete(k),
    },
    acceptBasicText,
  })
}

/** The app's own choices that outlive a session: for now, the consent to Electron's built-in key. */
export function appSettings(): { acceptBasicText(): boolean; setAcceptBasicText(accept: boolean): void } {
  const store = new Store<Record<string, unknown>>({ name: 'settings', accessPropertiesByDotNotation: false })
  return {
    acceptBasicText: () => store.get('acceptBasicText') === true,
    setAcceptBasicText: (accept) => store.set('acceptBasicText', accept),
  }
}
