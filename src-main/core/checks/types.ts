import type { AddressReport } from '../diagnosis/address-class.js'
import type { TlsEvidence } from '../connection/tls-evidence.js'
import type { ProviderFinding } from '../diagnosis/provider.js'
import type { Timings } from './stages.js'

export const CHECK_IDS = ['network', 'tls', 'auth', 'read_access', 'write_probe', 'introspection'] as const
export type CheckId = (typeof CHECK_IDS)[number]

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip'

/** The guide's six troubleshooting entries. Stable: add, never rename. */
export const TROUBLESHOOTING_CODES = [
  'connection_refused',
  'tls_handshake_failed',
  'authentication_failed',
  'permission_denied',
  'credentials_grant_write',
  'schema_introspection_empty',
] as const
export type TroubleshootingCode = (typeof TROUBLESHOOTING_CODES)[number]

/** Finer stable codes. Stable: add, never rename. Every one has advice in `diagnosis/advice.ts`. */
export const REASON_CODES = [
  // network
  'dns_not_found',
  'dns_timeout',
  'tcp_refused',
  'tcp_timeout',
  'tcp_unreachable',
  'not_postgres',
  'server_timeout',
  'address_class_mismatch',
  /** Several hosts (or target_session_attrs): none was reachable and matched. */
  'no_matching_host',
  // tls
  'tls_not_supported',
  'tls_version_unsupported',
  'tls_handshake_error',
  'cert_untrusted',
  'cert_hostname_mismatch',
  'cert_expired',
  'cert_not_yet_valid',
  'cert_root_unreadable',
  'tls_disabled',
  'cert_pin_mismatch',
  'cert_revoked',
  'cert_crl_unreadable',
  /** sslnegotiation=direct to a server before PostgreSQL 17 (or without ALPN). */
  'direct_tls_unsupported',
  // auth
  'password_invalid',
  'password_missing',
  'pg_hba_rejected',
  'pg_hba_requires_tls',
  'role_cannot_login',
  'database_not_found',
  'connect_privilege_missing',
  'too_many_connections',
  'server_starting',
  'startup_timeout',
  'server_version_unsupported',
  'auth_error',
  'weak_password',
  'client_cert_required',
  'client_cert_rejected',
  'external_auth_failed',
  'auth_method_unsupported',
  'md5_password',
  /** require_auth does not allow what the server asked for (nothing was sent). */
  'auth_method_not_allowed',
  /** channel_binding=require, and the login would not be SCRAM-SHA-256-PLUS. */
  'channel_binding_required',
  /** A pooler (PgBouncer) refused a startup parameter such as options. */
  'startup_parameter_refused',
  // read access
  'schema_not_found',
  'no_schema_usage',
  'no_select_privilege',
  'partial_select',
  'rls_hides_rows',
  'relation_locked',
  // write probe
  'writable_role',
  'schema_create_privilege',
  'read_replica',
  'probe_inconclusive',
  // introspection
  'no_tables_visible',
  // any step
  'query_timeout',
  'query_error',
  'connection_lost',
  'cancelled',
  'earlier_check_failed',
] as const
export type ReasonCode = (typeof REASON_CODES)[number]

export interface CheckResult {
  id: CheckId
  status: CheckStatus
  durationMs: number
  summary: string
  reason: ReasonCode | null
  troubleshooting: TroubleshootingCode | null
  evidence: Record<string, unknown>
}

export interface ServerFacts {
  versionString: string
  versionNumber: number
  /** 12 or newer, as the guide supports. */
  supported: boolean
  inRecovery: boolean
  transactionReadOnly: boolean
}

export type Verdict = 'ready' | 'ready_with_warnings' | 'blocked'

export interface CheckReport {
  verdict: Verdict
  checks: CheckResult[]
  server: ServerFacts | null
  tls: TlsEvidence | null
  network: AddressReport | null
  /** The managed service the host belongs to, when its name or certificate says so; null otherwise. */
  provider: ProviderFinding | null
  cancelled: boolean
  /** The waterfall of the run's stages and the estimated RTT (stages.ts); absent in reports made before it. */
  timings?: Timings
}

export type ProgressEvent =
  { type: 'check_started'; id: CheckId } | { type: 'check_finished'; result: CheckResult }
