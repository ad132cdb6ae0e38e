import { describe, expect, it } from 'vitest'
import type { ConnectionSettings } from '../../src-main/core/connection/settings.js'
import { Secret } from '../../src-main/core/secrets/secret.js'
import { settingsFingerprint } from '../../src-main/core/use-cases/warm-session.js'

const CLEAR = 'Zq7-never-in-a-fingerprint-41'

const settings = (over: Partial<ConnectionSettings> = {}): ConnectionSettings => ({
  host: 'db.example.com',
  port: 5432,
  database: 'app',
  schema: 'public',
  username: 'klairr_reader',
  password: new Secret(CLEAR),
  sslMode: 'verify-full',
  privateNetwork: false,
  allowWritableRole: false,
  ...over,
})

describe('settingsFingerprint (the warm session is never shared between two settings)', () => {
  const base = settingsFingerprint(settings(), 'AB:CD')

  it('is the same for equal settings, whatever the Secret instance or an absent field written as undefined', () => {
    expect(settingsFingerprint(settings({ password: new Secret(CLEAR) }), 'AB:CD')).toBe(base)
    expect(settingsFingerprint(settings({ sslRootCert: undefined }), 'AB:CD')).toBe(base)
  })

  it.each<[string, Partial<ConnectionSettings>]>([
    ['host', { host: 'db2.example.com' }],
    ['port', { port: 5433 }],
    ['database', { database: 'other' }],
    ['schema', { schema: 'app' }],
    ['username', { username: 'someone' }],
    ['password', { password: new Secret(`${CLEAR}x`) }],
    ['no password', { password: undefined }],
    ['sslmode', { sslMode: 'require' }],
    ['root certificate', { sslRootCert: 'system' }],
    ['key passphrase', { sslPassword: new Secret('k') }],
    ['private network', { privateNetwork: true }],
    ['a libpq keyword', { options: '-c search_path=x' }],
    ['another host', { moreHosts: [{ host: 'b', port: 5432 }] }],
  ])('changes with the %s', (_what, over) => {
    expect(settingsFingerprint(settings(over), 'AB:CD')).not.toBe(base)
  })

  it('changes with the pin, and with no pin', () => {
    expect(settingsFingerprint(settings(), 'AB:CE')).not.toBe(base)
    expect(settingsFingerprint(settings(), undefined)).not.toBe(base)
  })

  it('holds no clear text: an HMAC under this process’s own key', () => {
    expect(base).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(base).not.toContain(CLEAR)
  })
})
