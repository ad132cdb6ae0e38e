/**
 * The secret vault: keytar's shape (getPassword / setPassword / deletePassword per service and account)
 * over the best backend this machine really has. Core never imports Electron or keytar: both come in as
 * parameters, so the selection is tested with fakes and the app passes the real modules.
 */

export type VaultBackend = 'safe-storage' | 'keytar' | 'memory'

export interface SecretVault {
  readonly backend: VaultBackend
  getPassword(service: string, account: string): Promise<string | null>
  setPassword(service: string, account: string, password: string): Promise<void>
  deletePassword(service: string, account: string): Promise<boolean>
}

/** The async part of Electron's safeStorage the vault uses (the sync API is deprecated in Electron 45). */
export interface SafeStorageLike {
  isAsyncEncryptionAvailable(): Promise<boolean>
  encryptStringAsync(plainText: string): Promise<Buffer>
  decryptStringAsync(encrypted: Buffer): Promise<{ result: string; shouldReEncrypt: boolean }>
  /** Linux only: which keyring backs it; `basic_text` means a hard-coded key. */
  getSelectedStorageBackend?(): string
}

export interface KeytarLike {
  getPassword(service: string, account: string): Promise<string | null>
  setPassword(service: string, account: string, password: string): Promise<void>
  deletePassword(service: string, account: string): Promise<boolean>
}

/** Where safeStorage's ciphertext is kept (electron-store in the app): base64 strings by key. */
export interface CiphertextStore {
  get(key: string): string | undefined
  set(key: string, value: string): void
  delete(key: string): void
}

export interface VaultDeps {
  platform: NodeJS.Platform
  safeStorage?: SafeStorageLike
  /** Loads keytar on demand; null when it is not installed or cannot load. */
  loadKeytar: () => Promise<KeytarLike | null>
  ciphertexts: CiphertextStore
  /** The user chose, after being told, to accept safeStorage's hard-coded key on Linux. */
  acceptBasicText?: boolean
}

export interface VaultChoice {
  vault: SecretVault
  /** A sentence for the user when the choice is weaker than an OS keyring; null otherwise. */
  warning: string | null
  /**
   * Whether the user's consent to Electron's built-in key matters here: `offered` when it is the only
   * way to keep passwords across sessions, `given` when it is in use, `not_needed` otherwise.
   */
  basicTextConsent: 'not_needed' | 'offered' | 'given'
}

const keyOf = (service: string, account: string) => `${service}\u0000${account}`

function safeStorageVault(safe: SafeStorageLike, store: CiphertextStore): SecretVault {
  return {
    backend: 'safe-storage',
    async getPassword(service, account) {
      const stored = store.get(keyOf(service, account))
      if (stored === undefined) return null
      const { result, shouldReEncrypt } = await safe.decryptStringAsync(Buffer.from(stored, 'base64'))
      if (shouldReEncrypt)
        store.set(keyOf(service, account), (await safe.encryptStringAsync(result)).toString('base64'))
      return result
    },
    async setPassword(service, account, password) {
      store.set(keyOf(service, account), (await safe.encryptStringAsync(password)).toString('base64'))
    },
    async deletePassword(service, account) {
      const had = store.get(keyOf(service, account)) !== undefined
      store.delete(keyOf(service, account))
      return had
    },
  }
}

function keytarVault(keytar: KeytarLike): SecretVault {
  return {
    backend: 'keytar',
    getPassword: (s, a) => keytar.getPassword(s, a),
    setPassword: (s, a, p) => keytar.setPassword(s, a, p),
    deletePassword: (s, a) => keytar.deletePassword(s, a),
  }
}

/** Passwords for this session only: nothing written anywhere. */
export function memoryVault(): SecretVault {
  const secrets = new Map<string, string>()
  return {
    backend: 'memory',
    getPassword: async (s, a) => secrets.get(keyOf(s, a)) ?? null,
    setPassword: async (s, a, p) => void secrets.set(keyOf(s, a), p),
    deletePassword: async (s, a) => secrets.delete(keyOf(s, a)),
  }
}

/** keytar loads but has no keyring to talk to (no D-Bus on a headless Linux): a probe read tells. */
async function keytarWorks(keytar: KeytarLike): Promise<boolean> {
  try {
    await keytar.getPassword('klairr-companion', '__probe__')
    return true
  } catch {
    return false
  }
}

/**
 * Picks the backend: safeStorage when a real OS keyring backs it, else keytar when it is installed and
 * works, else memory for the session. On Linux, safeStorage over `basic_text` is never used silently.
 */
export async function chooseVault(deps: VaultDeps): Promise<VaultChoice> {
  let basicTextOffered = false
  if (deps.safeStorage && (await deps.safeStorage.isAsyncEncryptionAvailable().catch(() => false))) {
    const backend =
      deps.platform === 'linux' ? (deps.safeStorage.getSelectedStorageBackend?.() ?? 'unknown') : 'os'
    const weak = backend === 'basic_text' || backend === 'unknown'
    if (!weak)
      return {
        vault: safeStorageVault(deps.safeStorage, deps.ciphertexts),
        warning: null,
        basicTextConsent: 'not_needed',
      }
    if (deps.acceptBasicText) {
      return {
        vault: safeStorageVault(deps.safeStorage, deps.ciphertexts),
        warning:
          'Passwords are encrypted with a key built into the app (no desktop keyring was found): anyone who can read your files can read them.',
        basicTextConsent: 'given',
      }
    }
    basicTextOffered = true
  }
  const keytar = await deps.loadKeytar().catch(() => null)
  if (keytar && (await keytarWorks(keytar)))
    return { vault: keytarVault(keytar), warning: null, basicTextConsent: 'not_needed' }
  return {
    vault: memoryVault(),
    warning: basicTextOffered
      ? 'No desktop keyring was found. Passwords are kept for this session only; you can choose to store them with the app’s built-in key, which protects them only from casual reading.'
      : 'No secure store was found. Passwords are kept for this session only and asked for again next time.',
    basicTextConsent: basicTextOffered ? 'offered' : 'not_needed',
  }
}
