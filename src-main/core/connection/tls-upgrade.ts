import type { TLSSocket } from 'node:tls'
import { isIP, type Socket } from 'node:net'
import { homedir } from 'node:os'
import { join } from 'node:path'
import type { SslMode, TlsVersion } from './settings.js'
import { tlsModule } from './lazy-modules.js'
import { peerChain, type CertificateFacts, type TlsEvidence } from './tls-evidence.js'
import { bounded } from '../time.js'
import { readSmallFile, SmallFileError } from '../small-file.js'
import { isPemKey, looksLikePem } from './root-cert-text.js'
import type { Secret } from '../secrets/secret.js'
import { createPrivateKey, X509Certificate } from 'node:crypto'

export interface TrustAnchors {
  ca?: string | string[]
  trust: TlsEvidence['trust']
}

export class RootCertError extends Error {
  override readonly name = 'RootCertError'
}

/**
 * Resolves sslrootcert as libpq does: PEM text or a file; `system` for the trust store; when absent,
 * `~/.postgresql/root.crt` if it exists. For verify-ca/verify-full without any of those, the system
 * store (the guide: "the cert validates against the system root store").
 */
export async function loadTrustAnchors(
  sslMode: SslMode,
  sslRootCert: string | undefined,
  signal?: AbortSignal,
): Promise<TrustAnchors> {
  if (sslRootCert === 'system') return { ca: [...tlsModule().rootCertificates], trust: 'system' }
  if (sslRootCert && looksLikePem(sslRootCert)) return { ca: sslRootCert, trust: 'pem' }
  const read = (path: string) => readSmallFile(path, { what: 'sslrootcert', ...(signal ? { signal } : {}) })
  if (sslRootCert) {
    try {
      return { ca: await read(sslRootCert), trust: 'file' }
    } catch (e) {
      throw e instanceof SmallFileError ? new RootCertError(e.message) : e
    }
  }
  const verifies = sslMode === 'verify-ca' || sslMode === 'verify-full'
  const defaultFile = join(homedir(), '.postgresql', 'root.crt')
  const fromHome = await read(defaultFile).catch((e: unknown) => {
    // libpq reads the default file only when it exists; one that exists but cannot be read is an error.
    if (e instanceof SmallFileError && e.kind === 'missing') return null
    throw e instanceof SmallFileError ? new RootCertError(e.message) : e
  })
  if (fromHome) return { ca: fromHome, trust: 'file' }
  return verifies ? { ca: [...tlsModule().rootCertificates], trust: 'system' } : { trust: 'none' }
}

/** The client certificate sent in the handshake (libpq sslcert, sslkey, sslpassword). */
export interface ClientCertificate {
  cert: string
  key: string
  passphrase?: Secret
}

/** sslcert or sslkey cannot be read, or the key does not open with sslpassword or fit the certificate. */
export class ClientCertError extends Error {
  override readonly name = 'ClientCertError'
}

/**
 * Reads sslcert and sslkey (PEM files, or PEM text) and proves before any connection that the key opens
 * with sslpassword and belongs to the certificate: a wrong passphrase is named here, never as a TLS
 * failure. Null when neither is given. The errors never quote the passphrase or the key.
 */
export async function loadClientCertificate(
  s: { sslCert?: string; sslKey?: string; sslPassword?: Secret },
  signal?: AbortSignal,
): Promise<ClientCertificate | null> {
  if (!s.sslCert && !s.sslKey) return null
  if (!s.sslCert || !s.sslKey)
    throw new ClientCertError(
      s.sslCert ? 'sslcert is given without sslkey' : 'sslkey is given without sslcert',
    )
  const read = async (value: string, what: 'sslcert' | 'sslkey') => {
    // PEM text as pasted, a key's too: never read as a path, whose error would quote it.
    if (looksLikePem(value) || isPemKey(value)) return value
    try {
      return await readSmallFile(value, { what, ...(signal ? { signal } : {}) })
    } catch (e) {
      throw e instanceof SmallFileError ? new ClientCertError(e.message) : e
    }
  }
  const cert = await read(s.sslCert, 'sslcert')
  const key = await read(s.sslKey, 'sslkey')
  let certificate: X509Certificate
  try {
    certificate = new X509Certificate(cert)
  } catch {
    throw new ClientCertError('sslcert is not a PEM certificate')
  }
  let privateKey
  try {
    privateKey = createPrivateKey({ key, format: 'pem', passphrase: s.sslPassword?.reveal() ?? '' })
  } catch {
    throw new ClientCertError(
      s.sslPassword
        ? 'sslkey does not open with the sslpassword given (or is not a PEM private key)'
        : 'sslkey is encrypted and no sslpassword was given (or it is not a PEM private key)',
    )
  }
  if (!certificate.checkPrivateKey(privateKey))
    throw new ClientCertError('sslkey is not the private key of the certificate in sslcert')
  return { cert, key, ...(s.sslPassword ? { passphrase: s.sslPassword } : {}) }
}

export type TlsJudgement =
  | { ok: true; evidence: TlsEvidence; expired: boolean }
  | {
      ok: false
      evidence: TlsEvidence
      reason:
        'cert_untrusted' | 'cert_hostname_mismatch' | 'cert_expired' | 'cert_not_yet_valid' | 'cert_revoked'
      detail: string
    }

/** A SHA-256 fingerprint as Node writes it (`AB:CD:…`), whatever case or separators it was given with. */
export function normalizeFingerprint(fingerprint: string): string {
  const hex = fingerprint.replace(/[^0-9a-f]/gi, '').toUpperCase()
  return hex.match(/../g)?.join(':') ?? ''
}

/** The server presented another certificate than the connector's pinned one: nothing was sent over it. */
export class PinMismatchError extends Error {
  override readonly name = 'PinMismatchError'
  constructor(
    readonly pinned: string,
    readonly presented: string,
    readonly protocol: string | null,
    readonly cipher: string | null,
    readonly chain: CertificateFacts[],
  ) {
    super(`the server's certificate (${presented}) is not the pinned one (${pinned})`)
  }
}

/**
 * The key exchange groups offered, P-256 first: a TLS 1.3 client sends a key share for its first group
 * only (OpenSSL 3.0), and PostgreSQL before 18 accepts prime256v1 alone by default (ssl_ecdh_curve), so
 * Node's default (X25519 first) costs a HelloRetryRequest, a second round trip, on 12–17. 18's default
 * (ssl_groups, X25519:prime256v1) takes the P-256 share at once too. The others stay offered.
 */
const KEY_SHARE_GROUPS = 'P-256:X25519:P-384:P-521'

/** What libpq's TLS keywords change in the handshake (fe-secure-openssl.c, initialize_SSL and open_client_SSL). */
export interface TlsDialOptions {
  /** sslsni (default on): the host name sent as SNI; libpq never sends an IP address. */
  sni?: boolean
  /** ssl_min_protocol_version (libpq's default TLSv1.2) and ssl_max_protocol_version (none: the library's). */
  minVersion?: TlsVersion
  maxVersion?: TlsVersion
  /** sslcrl as PEM text: OpenSSL then checks the leaf against it while verifying the chain. */
  crl?: string
  /** sslnegotiation=direct: ALPN `postgresql`, which a PostgreSQL 17+ server requires on direct TLS. */
  alpn?: boolean
}

/** sslcrl cannot be read, or holds no PEM CRL. */
export class CrlError extends Error {
  override readonly name = 'CrlError'
}

/** PEM text for sslcrl, read from its file when it is a path (libpq: a file of PEM CRLs). */
export async function loadCrl(sslCrl: string | undefined, signal?: AbortSignal): Promise<string | undefined> {
  if (!sslCrl) return undefined
  if (sslCrl.includes('-----BEGIN X509 CRL-----')) return sslCrl
  try {
    const text = await readSmallFile(sslCrl, { what: 'sslcrl', ...(signal ? { signal } : {}) })
    if (!text.includes('-----BEGIN X509 CRL-----')) throw new CrlError(`sslcrl ${sslCrl} holds no PEM CRL`)
    return text
  } catch (e) {
    throw e instanceof SmallFileError ? new CrlError(e.message) : e
  }
}

/**
 * Upgrades a socket that answered `S` to TLS 1.2+, keeping certificate judgement for `judgeTls`. With a
 * pin, the leaf certificate is compared as the handshake completes, before the socket is handed to
 * anything that writes: a mismatch destroys it and rejects with `PinMismatchError`, so no
 * StartupMessage or password is ever written to that server.
 */
export async function upgradeToTls(
  socket: Socket,
  host: string,
  anchors: TrustAnchors,
  timeoutMs: number,
  signal?: AbortSignal,
  pinnedSha256?: string,
  client?: ClientCertificate | null,
  dial: TlsDialOptions = {},
): Promise<TLSSocket> {
  const tlsSocket = tlsModule().connect({
    socket,
    // sslsni=0 sends no SNI; `host` (never hostaddr) is the name sent, as libpq.
    servername: isIP(host) || dial.sni === false ? undefined : host,
    // No anchors (require without a root): an empty list, so Node does not load its whole CA store for nothing.
    ca: anchors.ca ?? [],
    minVersion: dial.minVersion ?? 'TLSv1.2',
    ...(dial.maxVersion ? { maxVersion: dial.maxVersion } : {}),
    ...(dial.crl ? { crl: dial.crl } : {}),
    ...(dial.alpn ? { ALPNProtocols: ['postgresql'] } : {}),
    ecdhCurve: KEY_SHARE_GROUPS,
    // Judged by judgeTls per sslmode, as libpq does; never by Node's defaults.
    rejectUnauthorized: false,
    ...(client ? { cert: client.cert, key: client.key, passphrase: client.passphrase?.reveal() ?? '' } : {}),
  })
  const ready = new Promise<TLSSocket>((resolve, reject) => {
    tlsSocket.once('secureConnect', () => {
      if (pinnedSha256 !== undefined) {
        const presented = normalizeFingerprint(tlsSocket.getPeerCertificate().fingerprint256 ?? '')
        const pinned = normalizeFingerprint(pinnedSha256)
        if (!pinned || presented !== pinned) {
          const mismatch = new PinMismatchError(
            pinned || pinnedSha256,
            presented || 'none',
            tlsSocket.getProtocol(),
            tlsSocket.getCipher()?.name ?? null,
            peerChain(tlsSocket),
          )
          tlsSocket.destroy()
          reject(mismatch)
          return
        }
      }
      resolve(tlsSocket)
    })
    tlsSocket.once('error', reject)
  })
  try {
    return await bounded(ready, {
      step: 'TLS handshake',
      timeoutMs,
      signal,
      onGiveUp: () => tlsSocket.destroy(),
    })
  } finally {
    tlsSocket.removeAllListeners('error')
    tlsSocket.on('error', () => undefined)
  }
}

const EXPIRED = new Set(['CERT_HAS_EXPIRED'])
const NOT_YET_VALID = new Set(['CERT_NOT_YET_VALID'])

/** Applies libpq's sslmode semantics to an established TLS session. */
export function judgeTls(
  socket: TLSSocket,
  host: string,
  sslMode: SslMode,
  anchors: TrustAnchors,
): TlsJudgement {
  const chain = peerChain(socket)
  const verifyChain = sslMode === 'verify-ca' || sslMode === 'verify-full' || anchors.trust !== 'none'
  const verifyHost = sslMode === 'verify-full'
  // Node folds a host-name mismatch into authorizationError; the host name is judged below, per sslmode.
  const rawError = socket.authorized ? null : String(socket.authorizationError ?? 'unknown')
  const chainError = verifyChain && rawError && rawError !== 'ERR_TLS_CERT_ALTNAME_INVALID' ? rawError : null
  const evidence: TlsEvidence = {
    protocol: socket.getProtocol(),
    cipher: socket.getCipher()?.name ?? null,
    chain,
    trust: anchors.trust,
    chainError,
    hostnameChecked: verifyHost,
  }
  const leaf = chain[0]
  const now = Date.now()
  const expired = leaf ? Date.parse(leaf.validTo) < now : false
  if (chainError) {
    if (EXPIRED.has(chainError)) return { ok: false, evidence, reason: 'cert_expired', detail: chainError }
    if (NOT_YET_VALID.has(chainError))
      return { ok: false, evidence, reason: 'cert_not_yet_valid', detail: chainError }
    if (chainError === 'CERT_REVOKED')
      return { ok: false, evidence, reason: 'cert_revoked', detail: chainError }
    return { ok: false, evidence, reason: 'cert_untrusted', detail: chainError }
  }
  if (verifyHost) {
    const identityError = tlsModule().checkServerIdentity(host, socket.getPeerCertificate())
    if (identityError) {
      return { ok: false, evidence, reason: 'cert_hostname_mismatch', detail: identityError.message }
    }
  }
  return { ok: true, evidence, expired }
}
