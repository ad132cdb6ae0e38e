import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { resolveSettingsOrThrow } from '../../src-main/core/connection/resolve-settings.js'
import { passwordWeakness, REDACTED, Secret } from '../../src-main/core/secrets/secret.js'

const CLEAR = 'Zq7-never-in-a-string-41'

describe('Secret', () => {
  const secret = new Secret(CLEAR)
  const settings = resolveSettingsOrThrow({ host: 'db', username: 'klairr_reader', password: CLEAR }, {})

  it.each([
    ['a template literal', () => `pw=${secret}`],
    ['String()', () => String(secret)],
    ['concatenation', () => 'pw=' + secret],
    ['JSON.stringify', () => JSON.stringify({ settings })],
    ['util.inspect', () => inspect({ settings }, { depth: 5, showHidden: true })],
    ['an error message', () => new Error(`failed for ${settings.password}`).message],
    ['a spread copy', () => JSON.stringify({ ...settings })],
  ])('turns into [redacted] through %s', (_how, text) => {
    const out = text()
    expect(out).not.toContain(CLEAR)
    expect(out).toContain(REDACTED)
  })

  it.each([
    ['Object.entries', () => Object.entries(secret)],
    ['a spread', () => ({ ...secret })],
    // What Electron's IPC does to a value: the private field does not cross.
    ['structured clone', () => structuredClone(settings).password],
  ])('holds nothing %s can see', (_how, copy) => {
    expect(JSON.stringify(copy())).not.toContain(CLEAR)
  })

  it('gives its clear text only to reveal()', () => {
    expect(secret.reveal()).toBe(CLEAR)
    expect(settings.password?.reveal()).toBe(CLEAR)
  })

  it('resolveSettingsOrThrow keeps a Secret it is given as it is', () => {
    const given = new Secret('another-password-value')
    expect(resolveSettingsOrThrow({ host: 'db', username: 'u', password: given }, {}).password).toBe(given)
  })

  it('comes from PGPASSWORD as a Secret too', () => {
    const s = resolveSettingsOrThrow({ host: 'db', username: 'u' }, { PGPASSWORD: CLEAR })
    expect(s.password).toBeInstanceOf(Secret)
    expect(JSON.stringify(s)).not.toContain(CLEAR)
  })
})

describe('passwordWeakness', () => {
  it.each([
    ['postgres', 'postgres', 'equals_role_name'],
    ['Postgres', 'postgres', 'equals_role_name'],
    ['klairr_reader', 'klairr_reader', 'equals_role_name'],
    ['x', 'postgres', 'shorter_than_8'],
    ['an', 'postgres', 'shorter_than_8'],
    ['', 'postgres', 'shorter_than_8'],
    ['hunter2', 'postgres', 'shorter_than_8'],
    // Seven characters in fourteen UTF-16 units: counted in characters.
    ['😀😀😀😀😀😀😀', 'postgres', 'shorter_than_8'],
    ['password', 'postgres', null],
    ['12345678', 'postgres', null],
    [CLEAR, 'klairr_reader', null],
  ])('%j for role %j: %s', (password, role, expected) => {
    expect(passwordWeakness(new Secret(password), role)).toBe(expected)
  })
})
