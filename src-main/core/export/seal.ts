import {
  constants,
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  KeyObject,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
} from 'node:crypto'

export type SealAlgorithm = 'RSA-OAEP-256+A256GCM' | 'ECDH-ES-X25519+HKDF-SHA256+A256GCM'

/** The seal format this tool writes: bound to its connector. */
export const SEAL_FORMAT = 'klairr.sealed-secret/v2'

/**
 * A secret sealed to a recipient's public key: hybrid encryption from Node's crypto, no home-made cipher.
 * v2 (with `format`) is bound to its connector; v1 (no `format`, files written before) only to the key.
 */
export interface SealedSecret {
  /** Absent in v1 files. */
  format?: typeof SEAL_FORMAT
  alg: SealAlgorithm
  /** SHA-256 of the recipient's public key (SPKI DER), so the right private key can be found. */
  recipientKeySha256: string
  /** RSA: the AES key wrapped with OAEP. X25519: the ephemeral public key (SPKI DER). */
  encryptedKey: string
  /** 12 bytes. */
  iv: string
  /** v2: a 2-byte length, the password and zeros up to a multiple of 64 bytes, so its length is hidden. */
  ciphertext: string
  /** 16 bytes. */
  tag: string
}

/** What a v2 secret is bound to: the connector as the file states it, and the pinned certificate. */
export interface SealBinding {
  host: string
  port: number
  database: string
  role: string
  sslMode: string
  certificateSha256: string
}

export class SealError extends Error {
  override readonly name = 'SealError'
}

const V1_INFO = Buffer.from('klairr.connector.postgresql/v1 secret')
const PAD = 64
/** The longest password sealed: PostgreSQL has no limit, but a longer one is no password. */
export const MAX_SECRET_BYTES = 1024
const MIN_RSA_BITS = 2048
const MAX_RSA_BITS = 16384

function keyHash(key: KeyObject): string {
  return createHash('sha256')
    .update(key.export({ type: 'spki', format: 'der' }))
    .digest('hex')
}

/**
 * The associated data of a v2 seal (and, for X25519, the HKDF info): the seal format, the algorithm, the
 * connector (host, port, database, role, sslMode), the pinned fingerprint and the recipient key's hash,
 * as a JSON array, so no two bindings share an encoding.
 */
export function associatedData(alg: SealAlgorithm, recipientKeySha256: string, b: SealBinding): Buffer {
  return Buffer.from(
    JSON.stringify([
      SEAL_FORMAT,
      alg,
      b.host,
      b.port,
      b.database,
      b.role,
      b.sslMode,
      b.certificateSha256,
      recipientKeySha256,
    ]),
    'utf8',
  )
}

/** Refuses what must never be a recipient: private keys, weak RSA keys, any other kind of key. */
function checkRecipient(key: KeyObject): KeyObject {
  if (key.type !== 'public') throw new SealError('the recipient key must be a public key, not a private one')
  if (key.asymmetricKeyType === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0
    const e = key.asymmetricKeyDetails?.publicExponent
    if (bits < MIN_RSA_BITS || bits > MAX_RSA_BITS)
      throw new SealError(`the recipient RSA key must have at least ${MIN_RSA_BITS} bits (it has ${bits})`)
    if (e !== 65537n)
      throw new SealError(`the recipient RSA key must have the public exponent 65537 (it has ${String(e)})`)
    return key
  }
  if (key.asymmetricKeyType === 'x25519') return key
  throw new SealError(`recipient keys must be RSA or X25519, not ${key.asymmetricKeyType ?? 'unknown'}`)
}

/** Reads a recipient public key (PEM) and checks it: a private key, a weak or unknown key throws SealError. */
export function parseRecipient(pem: string | KeyObject): KeyObject {
  if (pem instanceof KeyObject) return checkRecipient(pem)
  if (/PRIVATE KEY-----/.test(pem))
    throw new SealError(
      'the recipient key is a private key: give the recipient’s public key (and keep that private key secret)',
    )
  let key: KeyObject
  try {
    key = createPublicKey({ key: pem, format: 'pem' })
  } catch {
    throw new SealError('the recipient key is not a PEM public key')
  }
  return checkRecipient(key)
}

function pad(secret: string): Buffer {
  const bytes = Buffer.from(secret, 'utf8')
  if (bytes.length > MAX_SECRET_BYTES)
    throw new SealError(`the password is longer than ${MAX_SECRET_BYTES} bytes`)
  const out = Buffer.alloc(Math.ceil((bytes.length + 2) / PAD) * PAD)
  out.writeUInt16BE(bytes.length, 0)
  bytes.copy(out, 2)
  return out
}

function unpad(padded: Buffer): string {
  const n = padded.length >= 2 ? padded.readUInt16BE(0) : -1
  if (n < 0 || n + 2 > padded.length || padded.subarray(n + 2).some((b) => b !== 0))
    throw new SealError('the sealed secret is not padded as v2 writes it')
  return padded.subarray(2, n + 2).toString('utf8')
}

function aesSeal(key: Buffer, plaintext: Buffer, aad: Buffer) {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 })
  cipher.setAAD(aad)
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()])
  return {
    iv: iv.toString('base64'),
    ciphertext: ciphertext.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
  }
}

function x25519Key(shared: Buffer, ephemeralDer: Buffer, info: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', shared, ephemeralDer, info, 32))
}

/**
 * Seals a secret (v2) to an RSA (≥ 2048 bits, e = 65537) or X25519 public key, bound to its connector:
 * it opens only where host, port, database, role, sslMode and the pinned fingerprint are the same.
 */
export function sealSecret(
  secret: string,
  recipientPublicKey: string | KeyObject,
  binding: SealBinding,
): SealedSecret {
  const recipient = parseRecipient(recipientPublicKey)
  const recipientKeySha256 = keyHash(recipient)
  const plaintext = pad(secret)
  if (recipient.asymmetricKeyType === 'rsa') {
    const alg = 'RSA-OAEP-256+A256GCM' as const
    const key = randomBytes(32)
    const encryptedKey = publicEncrypt(
      { key: recipient, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      key,
    )
    return {
      format: SEAL_FORMAT,
      alg,
      recipientKeySha256,
      encryptedKey: encryptedKey.toString('base64'),
      ...aesSeal(key, plaintext, associatedData(alg, recipientKeySha256, binding)),
    }
  }
  const alg = 'ECDH-ES-X25519+HKDF-SHA256+A256GCM' as const
  const aad = associatedData(alg, recipientKeySha256, binding)
  const ephemeral = generateKeyPairSync('x25519')
  const shared = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: recipient })
  const ephemeralDer = ephemeral.publicKey.export({ type: 'spki', format: 'der' })
  return {
    format: SEAL_FORMAT,
    alg,
    recipientKeySha256,
    encryptedKey: ephemeralDer.toString('base64'),
    ...aesSeal(x25519Key(shared, ephemeralDer, aad), plaintext, aad),
  }
}

/** Strict base64 of exactly (or at most) so many bytes: anything else is tampering. */
function decode(field: string, text: unknown, bytes: { exactly?: number; max?: number }): Buffer {
  if (typeof text !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0)
    throw new SealError(`secret.${field} is not base64`)
  const out = Buffer.from(text, 'base64')
  if (out.toString('base64') !== text) throw new SealError(`secret.${field} is not base64`)
  if (bytes.exactly !== undefined && out.length !== bytes.exactly)
    throw new SealError(`secret.${field} must be ${bytes.exactly} bytes, not ${out.length}`)
  if (bytes.max !== undefined && out.length > bytes.max)
    throw new SealError(`secret.${field} is longer than ${bytes.max} bytes`)
  return out
}

export interface OpenedSecret {
  secret: string
  /** Set for a v1 seal: it opened, but it was bound to the key only, not to this connector. */
  warning: string | null
}

export const V1_WARNING =
  'the password was sealed in format v1, bound to the recipient key only and not to this connector: export again to seal it as v2'

/**
 * Opens a sealed secret with the matching private key (PEM), for the connector it was sealed for. Any
 * other key, another connector, a changed pin, or any tampering throws SealError. v1 opens with a warning.
 */
export function openSecret(sealed: SealedSecret, privateKeyPem: string, binding: SealBinding): OpenedSecret {
  const v2 = sealed.format === SEAL_FORMAT
  if (!v2 && sealed.format !== undefined) throw new SealError('secret.format is not one this tool reads')
  if (sealed.alg !== 'RSA-OAEP-256+A256GCM' && sealed.alg !== 'ECDH-ES-X25519+HKDF-SHA256+A256GCM')
    throw new SealError('secret.alg is not one this tool reads')
  const iv = decode('iv', sealed.iv, { exactly: 12 })
  const tag = decode('tag', sealed.tag, { exactly: 16 })
  const ciphertext = decode('ciphertext', sealed.ciphertext, { max: MAX_SECRET_BYTES + PAD })
  if (v2 && (ciphertext.length === 0 || ciphertext.length % PAD !== 0))
    throw new SealError(`secret.ciphertext must be a multiple of ${PAD} bytes`)
  const encryptedKey = decode('encryptedKey', sealed.encryptedKey, { max: MAX_RSA_BITS / 8 })
  let privateKey: KeyObject
  try {
    privateKey = createPrivateKey(privateKeyPem)
  } catch {
    throw new SealError('the private key is not a PEM private key')
  }
  const publicKey = createPublicKey(privateKey)
  if (keyHash(publicKey) !== sealed.recipientKeySha256)
    throw new SealError('this private key is not the one the secret was sealed to')
  const wanted = sealed.alg === 'RSA-OAEP-256+A256GCM' ? 'rsa' : 'x25519'
  if (privateKey.asymmetricKeyType !== wanted)
    throw new SealError(
      `secret.alg ${sealed.alg} does not fit a ${privateKey.asymmetricKeyType ?? 'unknown'} key`,
    )
  if (v2) checkRecipient(publicKey)
  const aad = v2
    ? associatedData(sealed.alg, sealed.recipientKeySha256, binding)
    : Buffer.from(sealed.recipientKeySha256)
  let key: Buffer
  try {
    if (wanted === 'rsa') {
      key = privateDecrypt(
        { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
        encryptedKey,
      )
    } else {
      const shared = diffieHellman({
        privateKey,
        publicKey: createPublicKey({ key: encryptedKey, format: 'der', type: 'spki' }),
      })
      key = x25519Key(shared, encryptedKey, v2 ? aad : V1_INFO)
    }
  } catch {
    throw new SealError('the sealed secret was altered or does not belong to this key')
  }
  if (key.length !== 32) throw new SealError('the sealed secret was altered or does not belong to this key')
  let plaintext: Buffer
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: 16 })
    decipher.setAAD(aad)
    decipher.setAuthTag(tag)
    plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()])
  } catch {
    throw new SealError(
      v2
        ? 'the sealed secret was altered, or belongs to another connector (host, port, database, role, sslmode or pinned certificate) or key'
        : 'the sealed secret was altered or does not belong to this key',
    )
  }
  return v2
    ? { secret: unpad(plaintext), warning: null }
    : { secret: plaintext.toString('utf8'), warning: V1_WARNING }
}

/** What a document's secret is bound to. */
export function bindingOf(doc: {
  connector: { host: string; port: number; database: string; username: string; sslMode: string }
  verification: { tls: { certificateSha256: string } }
}): SealBinding {
  return {
    host: doc.connector.host,
    port: doc.connector.port,
    database: doc.connector.database,
    role: doc.connector.username,
    sslMode: doc.connector.sslMode,
    certificateSha256: doc.verification.tls.certificateSha256,
  }
}
