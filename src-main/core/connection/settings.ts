import type { Secret } from '../secrets/secret.js'

/** The connector form of Klairr's guide, plus the diagnostic sslmodes libpq knows. */

export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const
export type SslMode = (typeof SSL_MODES)[number]

/** sslmodes Klairr accepts; the others exist only to diagnose, and make the TLS check fail. */
export const KLAIRR_SSL_MODES: readonly SslMode[] = ['require', 'verify-ca', 'verify-full']

export interface ConnectionSettings {
  host: string
  port: number
  database: string
  schema: string
  username: string
  /** A Secret: prints as `[redacted]`; `reveal()` only where it goes to the wire, the vault or sealing. */
  password?: Secret
  sslMode: SslMode
  /** PEM text, a path to a PEM file, or `system` for Node's trust store (libpq 16+ semantics). */
  sslRootCert?: string
  /** The client certificate (libpq sslcert): a path to a PEM file, or PEM text. */
  sslCert?: string
  /** Its private key (libpq sslkey): a path to a PEM file, or PEM text. */
  sslKey?: string
  /** The key's passphrase (libpq sslpassword), when the key is encrypted. */
  sslPassword?: Secret
  privateNetwork: boolean
  allowWritableRole: boolean
}

export const DEFAULT_PORT = 5432
export const DEFAULT_SCHEMA = 'public'
export const DEFAULT_SSL_MODE: SslMode = 'require'

/** Bounds for every wait, in milliseconds (the contract's defaults). */
export interface Timeouts {
  dns: number
  tcp: number
  /** TLS handshake plus startup and authentication. */
  startup: number
  query: number
  /** How long the read and write probes may wait for a table lock before giving up. */
  lock: number
}

export const DEFAULT_TIMEOUTS: Timeouts = { dns: 5000, tcp: 5000, startup: 10000, query: 10000, lock: 1000 }

/**
 * Whether `mode` verifies at least as strictly as `than`, in libpq's order: disable < allow < prefer <
 * require < verify-ca < verify-full (SSL_MODES is written in that order).
 */
export function sslModeAtLeast(mode: SslMode, than: SslMode): boolean {
  return SSL_MODES.indexOf(mode) >= SSL_MODES.indexOf(than)
}

export function isSslMode(value: string): value is SslMode {
  return (SSL_MODES as readonly string[]).includes(value)
}
