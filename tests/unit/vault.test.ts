import { describe, expect, it } from 'vitest'
import {
  chooseVault,
  type CiphertextStore,
  type KeytarLike,
  type SafeStorageLike,
  type VaultBackend,
} from '../../src-main/core/secrets/vault.js'

/** A stand-in for Electron's safeStorage (the Electron binary cannot run here): reversible, never plain text. */
function fakeSafeStorage(available: boolean, backend: string): SafeStorageLike {
  return {
    isAsyncEncryptionAvailable: async () => available,
    encryptStringAsync: async (text) => Buffer.from(`enc:${Buffer.from(text).toString('hex')}`),
    decryptStringAsync: async (buf) => ({
      result: Buffer.from(buf.toString().slice(4), 'hex').toString(),
      shouldReEncrypt: false,
    }),
    getSelectedStorageBackend: () => backend,
  }
}

/** A stand-in for keytar: works, or loads but has no keyring (no D-Bus), as on a headless machine. */
function fakeKeytar(works: boolean): KeytarLike {
  const m = new Map<string, string>()
  const guard = () => {
    if (!works) throw new Error('Cannot autolaunch D-Bus without X11 $DISPLAY')
  }
  return {
    getPassword: async (s, a) => (guard(), m.get(`${s}/${a}`) ?? null),
    setPassword: async (s, a, p) => (guard(), void m.set(`${s}/${a}`, p)),
    deletePassword: async (s, a) => (guard(), m.delete(`${s}/${a}`)),
  }
}

function mapStore(): CiphertextStore & { all(): string } {
  const m = new Map<string, string>()
  return {
    get: (k) => m.get(k),
    set: (k, v) => void m.set(k, v),
    delete: (k) => void m.delete(k),
    all: () => [...m.values()].join('\n'),
  }
}

type Keyring = 'keyring' | 'basic_text' | 'none'
type Keytar = 'installed' | 'missing' | 'no-dbus'

const cases: [NodeJS.Platform, Keyring, Keytar, boolean, VaultBackend, boolean][] = []
for (const platform of ['linux', 'darwin'] as const)
  for (const keyring of ['keyring', 'basic_text', 'none'] as const)
    for (const keytar of ['installed', 'missing', 'no-dbus'] as const)
      for (const accept of [false, true]) {
        const basic = platform === 'linux' && keyring === 'basic_text'
        const safe = keyring === 'keyring' || (keyring === 'basic_text' && (!basic || accept))
        const expected: VaultBackend = safe ? 'safe-storage' : keytar === 'installed' ? 'keytar' : 'memory'
        cases.push([platform, keyring, keytar, accept, expected, (basic && accept) || expected === 'memory'])
      }

describe('vault backend selection', () => {
  it.each(cases)(
    '%s, OS keyring %s, keytar %s, basic_text accepted %s → %s (warning: %s)',
    async (platform, keyring, keytar, accept, expected, warns) => {
      const ciphertexts = mapStore()
      const { vault, warning, basicTextConsent } = await chooseVault({
        platform,
        safeStorage:
          keyring === 'none'
            ? fakeSafeStorage(false, 'unknown')
            : fakeSafeStorage(true, keyring === 'keyring' ? 'gnome_libsecret' : 'basic_text'),
        loadKeytar: async () => (keytar === 'missing' ? null : fakeKeytar(keytar === 'installed')),
        ciphertexts,
        acceptBasicText: accept,
      })
      expect(vault.backend).toBe(expected)
      expect(warning !== null).toBe(warns)
      // Consent matters only where basic_text is the one way to keep passwords across sessions.
      const basic = platform === 'linux' && keyring === 'basic_text'
      const consent = !basic
        ? 'not_needed'
        : accept
          ? 'given'
          : keytar === 'installed'
            ? 'not_needed'
            : 'offered'
      expect(basicTextConsent).toBe(consent)
      // Whatever the backend, it keeps, returns and forgets a password, and never stores it in clear.
      await vault.setPassword('klairr', 'db1', 'Zq7-vault-secret')
      expect(await vault.getPassword('klairr', 'db1')).toBe('Zq7-vault-secret')
      expect(await vault.getPassword('klairr', 'other')).toBeNull()
      expect(ciphertexts.all()).not.toContain('Zq7-vault-secret')
      expect(await vault.deletePassword('klairr', 'db1')).toBe(true)
      expect(await vault.getPassword('klairr', 'db1')).toBeNull()
    },
  )

  it('never uses basic_text silently: without consent it falls back, says why, and offers the choice', async () => {
    const { vault, warning, basicTextConsent } = await chooseVault({
      platform: 'linux',
      safeStorage: fakeSafeStorage(true, 'basic_text'),
      loadKeytar: async () => null,
      ciphertexts: mapStore(),
    })
    expect(vault.backend).toBe('memory')
    expect(warning).toMatch(/No desktop keyring was found/)
    expect(basicTextConsent).toBe('offered')
  })

  it('a keytar that fails to load is treated as missing', async () => {
    const { vault } = await chooseVault({
      platform: 'linux',
      loadKeytar: () => Promise.reject(new Error('Cannot find module keytar')),
      ciphertexts: mapStore(),
    })
    expect(vault.backend).toBe('memory')
  })
})
