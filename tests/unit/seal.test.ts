import {
  createCipheriv,
  createHash,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  constants,
  publicEncrypt,
  type KeyObject,
} from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  associatedData,
  openSecret,
  parseRecipient,
  SEAL_FORMAT,
  sealSecret,
  SealError,
  V1_WARNING,
  type SealBinding,
  type SealedSecret,
} from '../../src-main/core/export/seal.js'

const pem = (kind: 'rsa' | 'x25519' | 'ec', bits = 2048, publicExponent = 65537) => {
  const pair =
    kind === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: bits, publicExponent })
      : kind === 'x25519'
        ? generateKeyPairSync('x25519')
        : generateKeyPairSync('ec', { namedCurve: 'P-256' })
  return {
    publicKey: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKey: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  }
}

const FP = Array.from({ length: 32 }, () => 'AB').join(':')
const BINDING: SealBinding = {
  host: 'db.example.com',
  port: 5432,
  database: 'analytics',
  role: 'klairr_reader',
  sslMode: 'verify-full',
  certificateSha256: FP,
}

/** A v1 seal, as files written before v2 hold it: bound to the recipient key only, no padding. */
function sealV1(secret: string, recipientPem: string): SealedSecret {
  const recipient = createPublicKey(recipientPem)
  const recipientKeySha256 = createHash('sha256')
    .update(recipient.export({ type: 'spki', format: 'der' }))
    .digest('hex')
  const key = randomBytes(32)
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  cipher.setAAD(Buffer.from(recipientKeySha256))
  const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()])
  return {
    alg: 'RSA-OAEP-256+A256GCM',
    recipientKeySha256,
    encryptedKey: publicEncrypt(
      { key: recipient, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      key,
    ).toString('base64'),
    iv: iv.toString('base64'),
    ciphertext: ciphertext.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
  }
}

describe.each(['rsa', 'x25519'] as const)('sealing to a %s key (v2)', (kind) => {
  const recipient = pem(kind)
  const other = pem(kind)
  const secret = 'Zq7-sealed-ü-secret'

  it('opens with the matching private key, for the same connector, without a warning', () => {
    const sealed = sealSecret(secret, recipient.publicKey, BINDING)
    expect(sealed.format).toBe(SEAL_FORMAT)
    expect(JSON.stringify(sealed)).not.toContain(secret)
    expect(openSecret(sealed, recipient.privateKey, { ...BINDING })).toEqual({ secret, warning: null })
  })

  it('does not open with another key', () => {
    expect(() =>
      openSecret(sealSecret(secret, recipient.publicKey, BINDING), other.privateKey, BINDING),
    ).toThrow(SealError)
  })

  it.each([
    ['host', { host: 'db2.example.com' }],
    ['host (case)', { host: 'DB.example.com' }],
    ['port', { port: 5433 }],
    ['database', { database: 'analytics2' }],
    ['role', { role: 'klairr_admin' }],
    ['sslMode', { sslMode: 'require' }],
    ['fingerprint', { certificateSha256: FP.replace(/^AB/, 'AC') }],
  ] as [string, Partial<SealBinding>][])('fails to open once the %s changes', (_field, change) => {
    const sealed = sealSecret(secret, recipient.publicKey, BINDING)
    expect(() => openSecret(sealed, recipient.privateKey, { ...BINDING, ...change })).toThrow(
      /belongs to another connector/,
    )
  })

  it('fails to open when the format or the algorithm is changed', () => {
    const sealed = sealSecret(secret, recipient.publicKey, BINDING)
    const { format: _format, ...asV1 } = sealed
    expect(() => openSecret(asV1, recipient.privateKey, BINDING)).toThrow(SealError)
    const otherAlg =
      sealed.alg === 'RSA-OAEP-256+A256GCM' ? 'ECDH-ES-X25519+HKDF-SHA256+A256GCM' : 'RSA-OAEP-256+A256GCM'
    expect(() => openSecret({ ...sealed, alg: otherAlg }, recipient.privateKey, BINDING)).toThrow(SealError)
  })

  it.each(['ciphertext', 'iv', 'tag', 'encryptedKey'] as const)('refuses a tampered %s', (field) => {
    const sealed = sealSecret(secret, recipient.publicKey, BINDING)
    const bytes = Buffer.from(sealed[field], 'base64')
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 1
    expect(() =>
      openSecret({ ...sealed, [field]: bytes.toString('base64') }, recipient.privateKey, BINDING),
    ).toThrow(SealError)
  })

  it('refuses a 4-byte tag, a 16-byte tag cut short, and an IV that is not 12 bytes, before decrypting', () => {
    const sealed = sealSecret(secret, recipient.publicKey, BINDING)
    const tag = Buffer.from(sealed.tag, 'base64')
    expect(() =>
      openSecret({ ...sealed, tag: tag.subarray(0, 4).toString('base64') }, recipient.privateKey, BINDING),
    ).toThrow(/secret\.tag must be 16 bytes, not 4/)
    expect(() =>
      openSecret({ ...sealed, tag: tag.subarray(0, 12).toString('base64') }, recipient.privateKey, BINDING),
    ).toThrow(/secret\.tag must be 16 bytes, not 12/)
    const iv = Buffer.concat([Buffer.from(sealed.iv, 'base64'), Buffer.alloc(4)])
    expect(() => openSecret({ ...sealed, iv: iv.toString('base64') }, recipient.privateKey, BINDING)).toThrow(
      /secret\.iv must be 12 bytes, not 16/,
    )
    expect(() =>
      openSecret({ ...sealed, iv: iv.subarray(0, 8).toString('base64') }, recipient.privateKey, BINDING),
    ).toThrow(/secret\.iv must be 12 bytes, not 8/)
    expect(() => openSecret({ ...sealed, tag: `${sealed.tag}!` }, recipient.privateKey, BINDING)).toThrow(
      /secret\.tag is not base64/,
    )
  })

  it('seals differently every time', () => {
    expect(sealSecret(secret, recipient.publicKey, BINDING).ciphertext).not.toBe(
      sealSecret(secret, recipient.publicKey, BINDING).ciphertext,
    )
  })

  it('pads: the ciphertext is a multiple of 64 bytes and hides the password’s length', () => {
    const size = (s: string) =>
      Buffer.from(sealSecret(s, recipient.publicKey, BINDING).ciphertext, 'base64').length
    expect(new Set([size(''), size('a'), size('x'.repeat(30)), size('x'.repeat(62))])).toEqual(new Set([64]))
    expect(size('x'.repeat(63))).toBe(128)
    for (const s of ['', 'a', 'x'.repeat(62), 'x'.repeat(63), 'é'.repeat(200)])
      expect(
        openSecret(sealSecret(s, recipient.publicKey, BINDING), recipient.privateKey, BINDING).secret,
      ).toBe(s)
    expect(() => sealSecret('x'.repeat(1025), recipient.publicKey, BINDING)).toThrow(/longer than 1024 bytes/)
  })
})

describe('v1 seals (files written before v2)', () => {
  const recipient = pem('rsa')

  it('still open, with a warning that they are not bound to the connector', () => {
    const opened = openSecret(sealV1('old-secret', recipient.publicKey), recipient.privateKey, BINDING)
    expect(opened).toEqual({ secret: 'old-secret', warning: V1_WARNING })
    expect(opened.warning).toMatch(/v1.*not to this connector/)
  })

  it('refuse a short tag and a wrong IV as well', () => {
    const sealed = sealV1('old-secret', recipient.publicKey)
    const tag4 = Buffer.from(sealed.tag, 'base64').subarray(0, 4).toString('base64')
    expect(() => openSecret({ ...sealed, tag: tag4 }, recipient.privateKey, BINDING)).toThrow(
      /tag must be 16 bytes/,
    )
    expect(() =>
      openSecret({ ...sealed, iv: randomBytes(16).toString('base64') }, recipient.privateKey, BINDING),
    ).toThrow(/iv must be 12 bytes/)
  })
})

describe('the associated data', () => {
  it('binds every field, in an encoding where no two bindings collide', () => {
    const a = associatedData('RSA-OAEP-256+A256GCM', 'a'.repeat(64), {
      ...BINDING,
      host: 'a',
      database: 'b,c',
    })
    const b = associatedData('RSA-OAEP-256+A256GCM', 'a'.repeat(64), {
      ...BINDING,
      host: 'a,b',
      database: 'c',
    })
    expect(a.equals(b)).toBe(false)
    expect(JSON.parse(a.toString())).toEqual([
      SEAL_FORMAT,
      'RSA-OAEP-256+A256GCM',
      'a',
      5432,
      'b,c',
      'klairr_reader',
      'verify-full',
      FP,
      'a'.repeat(64),
    ])
  })
})

/** An RSA public key with the given exponent and a real 2048-bit modulus (OpenSSL will not make e = 1). */
function rsaWithExponent(e: number): string {
  const n = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' }).n!
  const eB64 = Buffer.from(
    e
      .toString(16)
      .padStart(2, '0')
      .replace(/^(.(..)*)$/, '0$1'),
    'hex',
  ).toString('base64url')
  return (createPublicKey({ key: { kty: 'RSA', n, e: eB64 }, format: 'jwk' }) as KeyObject)
    .export({ type: 'spki', format: 'pem' })
    .toString()
}

describe('recipient keys it refuses', () => {
  it.each([
    ['a 1024-bit RSA key', () => pem('rsa', 1024).publicKey, /at least 2048 bits \(it has 1024\)/],
    ['an RSA key with e = 3', () => pem('rsa', 2048, 3).publicKey, /public exponent 65537 \(it has 3\)/],
    ['an RSA key with e = 1', () => rsaWithExponent(1), /public exponent 65537 \(it has 1\)/],
    ['an RSA private key (PKCS#8)', () => pem('rsa').privateKey, /is a private key/],
    [
      'an RSA private key (PKCS#1)',
      () =>
        generateKeyPairSync('rsa', { modulusLength: 2048 })
          .privateKey.export({ type: 'pkcs1', format: 'pem' })
          .toString(),
      /is a private key/,
    ],
    ['an X25519 private key', () => pem('x25519').privateKey, /is a private key/],
    ['a P-256 key', () => pem('ec').publicKey, /RSA or X25519/],
    ['something that is not a key', () => 'not a key', /not a PEM public key/],
  ])('%s', (_name, key, message) => {
    expect(() => sealSecret('x', key(), BINDING)).toThrow(message)
    expect(() => parseRecipient(key())).toThrow(SealError)
  })

  it('a private KeyObject given directly', () => {
    expect(() => sealSecret('x', generateKeyPairSync('x25519').privateKey, BINDING)).toThrow(/public key/)
  })

  it('accepts RSA 2048 with e = 65537 and X25519', () => {
    expect(parseRecipient(pem('rsa').publicKey).asymmetricKeyType).toBe('rsa')
    expect(parseRecipient(pem('x25519').publicKey).asymmetricKeyType).toBe('x25519')
  })
})
