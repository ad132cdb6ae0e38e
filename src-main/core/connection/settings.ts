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
  /**
   * libpq's other connection keywords, each with libpq's meaning and default when absent (see
   * fields.ts for where each comes from, and which keywords are refused instead).
   */
  /** hostaddr: the address dialled; `host` stays the name verified in the certificate and sent as SNI. */
  hostaddr?: string
  /** Further hosts of `host=a,b` (with their ports and hostaddrs), tried in order after host/port. */
  moreHosts?: HostTarget[]
  /** target_session_attrs (default any): which of the hosts counts as the one to judge. */
  targetSessionAttrs?: TargetSessionAttrs
  /** load_balance_hosts=random (PostgreSQL 16's libpq): the hosts are tried in a random order. */
  loadBalanceHosts?: boolean
  /** sslcrl: a certificate revocation list (a path to a PEM file, or PEM text). */
  sslCrl?: string
  /** sslsni (default on): send the host name as TLS SNI. */
  sslSni?: boolean
  /** ssl_min_protocol_version (libpq's default TLSv1.2) and ssl_max_protocol_version. */
  sslMinProtocolVersion?: TlsVersion
  sslMaxProtocolVersion?: TlsVersion
  /** channel_binding (default prefer): `require` means SCRAM-SHA-256-PLUS or fail, as libpq. */
  channelBinding?: ChannelBinding
  /** require_auth, as libpq writes it: `scram-sha-256`, `!md5`, `password,md5`, `none`, … */
  requireAuth?: string
  /** connect_timeout, in seconds (libpq: at least 2; 0 or absent waits the default bounds). */
  connectTimeoutSeconds?: number
  /** application_name (the app's own name when absent) and fallback_application_name. */
  applicationName?: string
  /** options: command-line options sent at startup (`-c name=value`, Neon's `endpoint=`). */
  options?: string
  /** sslnegotiation=direct (PostgreSQL 17+): TLS at once, without the SSLRequest round trip. */
  sslNegotiation?: 'postgres' | 'direct'
  /** The pg_service.conf entry the settings came from (service=), for the report. */
  service?: string
  /** servicefile (libpq 18; PGSERVICEFILE): the per-user service file that entry was read from. */
  serviceFile?: string
  /** passfile (PGPASSFILE): the password file passwordFromPgpass reads instead of ~/.pgpass. */
  passFile?: string
  /**
   * keepalives and keepalives_idle, as libpq: TCP keepalives are on unless keepalives=0; idleSeconds
   * (absent: the system's default) is the idle time before the first probe (net.Socket.setKeepAlive).
   */
  keepalives?: { enabled: boolean; idleSeconds?: number }
}

export interface HostTarget {
  host: string
  port: number
  hostaddr?: string
}

export const TARGET_SESSION_ATTRS = [
  'any',
  'read-write',
  'read-only',
  'primary',
  'standby',
  'prefer-standby',
] as const
export type TargetSessionAttrs = (typeof TARGET_SESSION_ATTRS)[number]

export const TLS_VERSIONS = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const
export type TlsVersion = (typeof TLS_VERSIONS)[number]

export const CHANNEL_BINDINGS = ['disable', 'prefer', 'require'] as const
export type ChannelBinding = (typeof CHANNEL_BINDINGS)[number]

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
