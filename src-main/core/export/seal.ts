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
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  type KeyObject,
} from 'node:crypto'

/** A secret sealed to a recipient's public key: hybrid encryption from Node's crypto, no home-made cipher. */
export interface SealedSecret {
  alg: 'RSA-OAEP-256+A256GCM' | 'ECDH-ES-X25519+HKDF-SHA256+A256GCM'
  /** SHA-256 of the recipient's public key (SPKI DER), so the right private key can be found. */
  recipientKeySha256: string
  /** RSA: the AES key wrapped with OAEP. X25519: the ephemeral public key (SPKI DER). */
  encryptedKey: string
  iv: string
  ciphertext: string
  tag: string
}

export class SealError extends Error {
  override readonly name = 'SealError'
}

const INFO = Buffer.from('klairr.connector.postgresql/v1 secret')

function fingerprint(key: KeyObject): string {
  return createHash('sha256')
    .update(key.export({ type: 'spki', format: 'der' }))
    .digest('hex')
}

function aesSeal(key: Buffer, plaintext: string, aad: string) {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  cipher.setAAD(Buffer.from(aad))
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
  return {
    iv: iv.toString('base64'),
    ciphertext: ciphertext.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
  }
}

/** Seals a secret to an RSA (≥ 2048 bits) or X25519 public key given as PEM. */
export function sealSecret(secret: string, recipientPublicKeyPem: string): SealedSecret {
  let recipient: KeyObject
  try {
    recipient = createPublicKey(recipientPublicKeyPem)
  } catch {
    throw new SealError('the recipient key is not a PEM public key')
  }
  const recipientKeySha256 = fingerprint(recipient)
  if (recipient.asymmetricKeyType === 'rsa') {
    if ((recipient.asymmetricKeyDetails?.modulusLength ?? 0) < 2048)
      throw new SealError('the recipient RSA key must have at least 2048 bits')
    const key = randomBytes(32)
    const encryptedKey = publicEncrypt(
      { key: recipient, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      key,
    )
    return {
      alg: 'RSA-OAEP-256+A256GCM',
      recipientKeySha256,
      encryptedKey: encryptedKey.toString('base64'),
      ...aesSeal(key, secret, recipientKeySha256),
    }
  }
  if (recipient.asymmetricKeyType === 'x25519') {
    const ephemeral = generateKeyPairSync('x25519')
    const shared = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: recipient })
    const ephemeralDer = ephemeral.publicKey.export({ type: 'spki', format: 'der' })
    const key = Buffer.from(hkdfSync('sha256', shared, ephemeralDer, INFO, 32))
    return {
      alg: 'ECDH-ES-X25519+HKDF-SHA256+A256GCM',
      recipientKeySha256,
      encryptedKey: ephemeralDer.toString('base64'),
      ...aesSeal(key, secret, recipientKeySha256),
    }
  }
  throw new SealError(`recipient keys must be RSA or X25519, not ${recipient.asymmetricKeyType ?? 'unknown'}`)
}

/** Opens a sealed secret with the matching private key (PEM); any other key, or any tampering, throws. */
export function openSecret(sealed: SealedSecret, privateKeyPem: string): string {
  const privateKey = createPrivateKey(privateKeyPem)
  if (fingerprint(createPublicKey(privateKey)) !== sealed.recipientKeySha256)
    throw new SealError('this private key is not the one the secret was sealed to')
  let key: Buffer
  if (sealed.alg === 'RSA-OAEP-256+A256GCM') {
    key = privateDecrypt(
      { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      Buffer.from(sealed.encryptedKey, 'base64'),
    )
  } else {
    const ephemeralDer = Buffer.from(sealed.encryptedKey, 'base64')
    const shared = diffieHellman({
      privateKey,
      publicKey: createPublicKey({ key: ephemeralDer, format: 'der', type: 'spki' }),
    })
    key = Buffer.from(hkdfSync('sha256', shared, ephemeralDer, INFO, 32))
  }
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'))
  decipher.setAAD(Buffer.from(sealed.recipientKeySha256))
  decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'))
  try {
    return Buffer.concat([
      decipher.update(Buffer.from(sealed.ciphertext, 'base64')),
      decipher.final(),
    ]).toString('utf8')
  } catch {
    throw new SealError('the sealed secret was altered or does not belong to this key')
  }
}
