import { generateKeyPairSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { openSecret, sealSecret, SealError } from '../../src-main/core/export/seal.js'

const pem = (kind: 'rsa' | 'x25519' | 'ec', bits = 2048) => {
  const pair =
    kind === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: bits })
      : kind === 'x25519'
        ? generateKeyPairSync('x25519')
        : generateKeyPairSync('ec', { namedCurve: 'P-256' })
  return {
    publicKey: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKey: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  }
}

describe.each(['rsa', 'x25519'] as const)('sealing to a %s key', (kind) => {
  const recipient = pem(kind)
  const other = pem(kind)
  const secret = 'Zq7-sealed-ü-secret'

  it('opens with the matching private key', () => {
    const sealed = sealSecret(secret, recipient.publicKey)
    expect(JSON.stringify(sealed)).not.toContain(secret)
    expect(openSecret(sealed, recipient.privateKey)).toBe(secret)
  })

  it('does not open with another key', () => {
    expect(() => openSecret(sealSecret(secret, recipient.publicKey), other.privateKey)).toThrow(SealError)
  })

  it.each(['ciphertext', 'iv', 'tag', 'encryptedKey'] as const)('refuses a tampered %s', (field) => {
    const sealed = sealSecret(secret, recipient.publicKey)
    const bytes = Buffer.from(sealed[field], 'base64')
    bytes[0] = bytes[0]! ^ 1
    expect(() => openSecret({ ...sealed, [field]: bytes.toString('base64') }, recipient.privateKey)).toThrow()
  })

  it('seals differently every time', () => {
    expect(sealSecret(secret, recipient.publicKey).ciphertext).not.toBe(
      sealSecret(secret, recipient.publicKey).ciphertext,
    )
  })
})

describe('recipient keys it refuses', () => {
  it.each([
    ['a 1024-bit RSA key', () => pem('rsa', 1024).publicKey, /at least 2048 bits/],
    ['a P-256 key', () => pem('ec').publicKey, /RSA or X25519/],
    ['something that is not a key', () => 'not a key', /not a PEM public key/],
  ])('%s', (_name, key, message) => {
    expect(() => sealSecret('x', key())).toThrow(message)
  })
})
