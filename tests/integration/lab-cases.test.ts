import { describe, expect, it } from 'vitest'
import type { CheckId, ReasonCode, TroubleshootingCode } from '../../src-main/core/checks/types.js'
import type { SettingsInput } from '../../src-main/core/connection/resolve-settings.js'
import type { Variant } from '../lab/lab.js'
import { SUPPORTED_MAJORS } from '../lab/server.js'
import { check, lab, labSettings, statusLine } from './helpers.js'

interface Case {
  name: string
  variant?: Variant
  settings: SettingsInput | (() => SettingsInput)
  /** Statuses in check order, e.g. `PPPPPP`; a function when PostgreSQL 12 differs (PUBLIC may CREATE in public before 15). */
  statuses: string | ((major: number) => string)
  /** The check that decides the case, with its exact codes. */
  decisive?: Decisive | ((major: number) => Decisive)
}

interface Decisive {
  id: CheckId
  reason: ReasonCode | null
  troubleshooting: TroubleshootingCode | null
}

/** On 12, every role also inherits CREATE on public from PUBLIC: write_probe warns where 18 passes. */
const createWarnOn12 = (line: string) => (major: number) =>
  major < 15 ? line.slice(0, 4) + 'W' + line.slice(5) : line
const ca = () => lab().caCert

const CASES: Case[] = [
  {
    name: 'the guide’s strict role',
    settings: { username: 'klairr_reader' },
    statuses: createWarnOn12('PPPPPP'),
    decisive: (major) =>
      major < 15
        ? { id: 'write_probe', reason: 'schema_create_privilege', troubleshooting: 'credentials_grant_write' }
        : { id: 'write_probe', reason: null, troubleshooting: null },
  },
  {
    name: 'no USAGE on the schema',
    settings: { username: 'r_no_usage', schema: 'sales' },
    statuses: createWarnOn12('PPPFPF'),
    decisive: { id: 'read_access', reason: 'no_schema_usage', troubleshooting: 'schema_introspection_empty' },
  },
  {
    name: 'USAGE without SELECT',
    settings: { username: 'r_usage_no_select', schema: 'sales' },
    statuses: createWarnOn12('PPPFPF'),
    decisive: { id: 'read_access', reason: 'no_select_privilege', troubleshooting: 'permission_denied' },
  },
  {
    name: 'SELECT on only some tables',
    settings: { username: 'r_partial', schema: 'sales' },
    statuses: createWarnOn12('PPPWPP'),
    decisive: { id: 'read_access', reason: 'partial_select', troubleshooting: 'permission_denied' },
  },
  {
    name: 'a schema that does not exist',
    settings: { username: 'klairr_reader', schema: 'nope' },
    statuses: createWarnOn12('PPPFPF'),
    decisive: {
      id: 'read_access',
      reason: 'schema_not_found',
      troubleshooting: 'schema_introspection_empty',
    },
  },
  {
    name: 'writable: INSERT on one table of many',
    settings: { username: 'r_insert_one' },
    statuses: 'PPPPFP',
    decisive: { id: 'write_probe', reason: 'writable_role', troubleshooting: 'credentials_grant_write' },
  },
  {
    name: 'writable: a column grant',
    settings: { username: 'r_column' },
    statuses: 'PPPPFP',
    decisive: { id: 'write_probe', reason: 'writable_role', troubleshooting: 'credentials_grant_write' },
  },
  {
    name: 'writable: membership (two levels)',
    settings: { username: 'r_member' },
    statuses: 'PPPPFP',
    decisive: { id: 'write_probe', reason: 'writable_role', troubleshooting: 'credentials_grant_write' },
  },
  {
    name: 'writable: pg_write_all_data (a writer role on 12)',
    settings: { username: 'r_write_all' },
    statuses: 'PPPPFP',
    decisive: { id: 'write_probe', reason: 'writable_role', troubleshooting: 'credentials_grant_write' },
  },
  {
    name: 'writable: ownership',
    settings: { username: 'r_owner' },
    statuses: 'PPPPFP',
    decisive: { id: 'write_probe', reason: 'writable_role', troubleshooting: 'credentials_grant_write' },
  },
  {
    name: 'writable: superuser',
    settings: { username: 'r_super' },
    statuses: 'PPPPFP',
    decisive: { id: 'write_probe', reason: 'writable_role', troubleshooting: 'credentials_grant_write' },
  },
  {
    // BYPASSRLS lets a role read more, never write: a read-side fact in read_access (issue 15).
    name: 'BYPASSRLS is not a write path',
    settings: { username: 'r_bypassrls' },
    statuses: createWarnOn12('PPPPPP'),
    decisive: (major) =>
      major < 15
        ? { id: 'write_probe', reason: 'schema_create_privilege', troubleshooting: 'credentials_grant_write' }
        : { id: 'write_probe', reason: null, troubleshooting: null },
  },
  {
    name: 'writable despite default_transaction_read_only = on',
    settings: { username: 'r_readonly_default' },
    statuses: 'PPPPFP',
    decisive: { id: 'write_probe', reason: 'writable_role', troubleshooting: 'credentials_grant_write' },
  },
  {
    name: 'writable, acknowledged',
    settings: { username: 'r_insert_one', allowWritableRole: true },
    statuses: 'PPPPWP',
    decisive: { id: 'write_probe', reason: 'writable_role', troubleshooting: 'credentials_grant_write' },
  },
  {
    name: 'CREATE on the schema',
    settings: { username: 'r_create' },
    statuses: 'PPPPWP',
    decisive: {
      id: 'write_probe',
      reason: 'schema_create_privilege',
      troubleshooting: 'credentials_grant_write',
    },
  },
  {
    name: 'pg_hba rejects the role',
    settings: { username: 'r_rejected' },
    statuses: 'PPF---',
    decisive: { id: 'auth', reason: 'pg_hba_rejected', troubleshooting: 'authentication_failed' },
  },
  {
    name: 'pg_hba requires TLS (sslmode=disable)',
    settings: { username: 'r_tls_only', sslMode: 'disable' },
    statuses: 'PFF---',
    decisive: { id: 'auth', reason: 'pg_hba_requires_tls', troubleshooting: 'authentication_failed' },
  },
  {
    name: 'pg_hba requires TLS (sslmode=require)',
    settings: { username: 'r_tls_only' },
    statuses: createWarnOn12('PPPPPP'),
  },
  {
    name: 'sslmode=disable still runs the other checks',
    settings: { username: 'klairr_reader', sslMode: 'disable' },
    statuses: createWarnOn12('PFPPPP'),
    decisive: { id: 'tls', reason: 'tls_disabled', troubleshooting: 'tls_handshake_failed' },
  },
  {
    name: 'sslmode=prefer is refused but diagnosed over TLS',
    settings: { username: 'klairr_reader', sslMode: 'prefer' },
    statuses: createWarnOn12('PFPPPP'),
    decisive: { id: 'tls', reason: 'tls_disabled', troubleshooting: 'tls_handshake_failed' },
  },
  {
    name: 'NOLOGIN role',
    settings: { username: 'r_nologin' },
    statuses: 'PPF---',
    decisive: { id: 'auth', reason: 'role_cannot_login', troubleshooting: 'authentication_failed' },
  },
  {
    name: 'connection limit reached',
    settings: { username: 'r_conn_limit' },
    statuses: 'PPF---',
    decisive: { id: 'auth', reason: 'too_many_connections', troubleshooting: 'authentication_failed' },
  },
  {
    name: 'wrong password',
    settings: { username: 'klairr_reader', password: 'not-the-password' },
    statuses: 'PPF---',
    decisive: { id: 'auth', reason: 'password_invalid', troubleshooting: 'authentication_failed' },
  },
  {
    name: 'no password',
    settings: () => ({ username: 'klairr_reader', password: undefined }),
    statuses: 'PPF---',
    decisive: { id: 'auth', reason: 'password_missing', troubleshooting: 'authentication_failed' },
  },
  {
    name: 'unknown database',
    settings: { username: 'klairr_reader', database: 'nope' },
    statuses: 'PPF---',
    decisive: { id: 'auth', reason: 'database_not_found', troubleshooting: 'authentication_failed' },
  },
  {
    name: 'no CONNECT on the database',
    settings: { username: 'klairr_reader', database: 'restricted' },
    statuses: 'PPF---',
    decisive: { id: 'auth', reason: 'connect_privilege_missing', troubleshooting: 'authentication_failed' },
  },
  {
    name: 'public address flag contradicts loopback',
    settings: { username: 'klairr_reader', privateNetwork: false },
    statuses: createWarnOn12('WPPPPP'),
    decisive: { id: 'network', reason: 'address_class_mismatch', troubleshooting: 'connection_refused' },
  },
  {
    name: 'hot standby, strict role',
    variant: 'standby',
    settings: { username: 'klairr_reader' },
    statuses: 'PPPPPP',
    decisive: { id: 'write_probe', reason: 'read_replica', troubleshooting: null },
  },
  {
    name: 'hot standby, writable role',
    variant: 'standby',
    settings: { username: 'r_insert_one' },
    statuses: 'PPPPWP',
    decisive: { id: 'write_probe', reason: 'read_replica', troubleshooting: 'credentials_grant_write' },
  },
  {
    name: 'TLS off on the server',
    variant: 'noTls',
    settings: { username: 'klairr_reader' },
    statuses: 'PF----',
    decisive: { id: 'tls', reason: 'tls_not_supported', troubleshooting: 'tls_handshake_failed' },
  },
  {
    name: 'server limited to TLS 1.0–1.1',
    variant: 'oldTls',
    settings: { username: 'klairr_reader' },
    statuses: 'PF----',
    decisive: { id: 'tls', reason: 'tls_version_unsupported', troubleshooting: 'tls_handshake_failed' },
  },
  {
    name: 'wrong host name, verify-full',
    variant: 'wrongHost',
    settings: () => ({ username: 'klairr_reader', sslMode: 'verify-full', sslRootCert: ca() }),
    statuses: 'PF----',
    decisive: { id: 'tls', reason: 'cert_hostname_mismatch', troubleshooting: 'tls_handshake_failed' },
  },
  {
    name: 'wrong host name, verify-ca passes',
    variant: 'wrongHost',
    settings: () => ({ username: 'klairr_reader', sslMode: 'verify-ca', sslRootCert: ca() }),
    statuses: createWarnOn12('PPPPPP'),
  },
  {
    name: 'expired certificate, verify-ca',
    variant: 'expired',
    settings: () => ({ username: 'klairr_reader', sslMode: 'verify-ca', sslRootCert: ca() }),
    statuses: 'PF----',
    decisive: { id: 'tls', reason: 'cert_expired', troubleshooting: 'tls_handshake_failed' },
  },
  {
    name: 'expired certificate, require warns',
    variant: 'expired',
    settings: { username: 'klairr_reader' },
    statuses: createWarnOn12('PWPPPP'),
    decisive: { id: 'tls', reason: 'cert_expired', troubleshooting: 'tls_handshake_failed' },
  },
  {
    name: 'certificate not yet valid, verify-full',
    variant: 'notYetValid',
    settings: () => ({ username: 'klairr_reader', sslMode: 'verify-full', sslRootCert: ca() }),
    statuses: 'PF----',
    decisive: { id: 'tls', reason: 'cert_not_yet_valid', troubleshooting: 'tls_handshake_failed' },
  },
  {
    name: 'self-signed certificate, verify-ca',
    variant: 'selfSigned',
    settings: () => ({ username: 'klairr_reader', sslMode: 'verify-ca', sslRootCert: ca() }),
    statuses: 'PF----',
    decisive: { id: 'tls', reason: 'cert_untrusted', troubleshooting: 'tls_handshake_failed' },
  },
  {
    name: 'self-signed certificate, require passes (the guide’s advice)',
    variant: 'selfSigned',
    settings: { username: 'klairr_reader' },
    statuses: createWarnOn12('PPPPPP'),
  },
  {
    name: 'lab CA not in the system store, verify-full',
    settings: { username: 'klairr_reader', sslMode: 'verify-full', sslRootCert: 'system' },
    statuses: 'PF----',
    decisive: { id: 'tls', reason: 'cert_untrusted', troubleshooting: 'tls_handshake_failed' },
  },
  {
    name: 'verify-full by DNS name with the lab CA',
    settings: () => ({
      host: 'localhost',
      username: 'klairr_reader',
      sslMode: 'verify-full',
      sslRootCert: ca(),
    }),
    statuses: createWarnOn12('PPPPPP'),
  },
]

/** The codes of a check that is not the one a case is about. */
const SECONDARY: Record<string, Omit<Decisive, 'id'>> = {
  'network:warn': { reason: 'address_class_mismatch', troubleshooting: 'connection_refused' },
  'tls:fail': { reason: 'tls_disabled', troubleshooting: 'tls_handshake_failed' },
  'write_probe:warn': { reason: 'schema_create_privilege', troubleshooting: 'credentials_grant_write' },
  'introspection:fail': { reason: 'no_tables_visible', troubleshooting: 'schema_introspection_empty' },
  'auth:skip': { reason: 'earlier_check_failed', troubleshooting: null },
  'read_access:skip': { reason: 'earlier_check_failed', troubleshooting: null },
  'write_probe:skip': { reason: 'earlier_check_failed', troubleshooting: null },
  'introspection:skip': { reason: 'earlier_check_failed', troubleshooting: null },
  'tls:skip': { reason: 'earlier_check_failed', troubleshooting: null },
}

describe.each(SUPPORTED_MAJORS)('PostgreSQL %i', (major) => {
  it.each(CASES)('$name', async (c) => {
    const over = typeof c.settings === 'function' ? c.settings() : c.settings
    const settings = labSettings(major, c.variant ?? 'main', over)
    if ('password' in over && over.password === undefined) delete settings.password
    const report = await check(settings)
    const expected = typeof c.statuses === 'function' ? c.statuses(major) : c.statuses
    expect(statusLine(report), JSON.stringify(report.checks.map((x) => [x.id, x.reason, x.summary]))).toBe(
      expected,
    )
    const want = typeof c.decisive === 'function' ? c.decisive(major) : c.decisive
    if (want) {
      const got = report.checks.find((x) => x.id === want.id)
      expect({ reason: got?.reason, troubleshooting: got?.troubleshooting }).toEqual({
        reason: want.reason,
        troubleshooting: want.troubleshooting,
      })
    }
    // Every other check's codes are fixed too: what each status means when it is not the decisive one.
    for (const got of report.checks.filter((x) => x.id !== want?.id)) {
      const codes = SECONDARY[`${got.id}:${got.status}`] ?? { reason: null, troubleshooting: null }
      expect({ id: got.id, reason: got.reason, troubleshooting: got.troubleshooting }).toEqual({
        id: got.id,
        ...codes,
      })
    }
    // The lab is loopback with its own CA: no managed provider, whatever the case.
    expect(report.provider).toBeNull()
    const failed = expected.includes('F') || expected.includes('-')
    expect(report.verdict).toBe(failed ? 'blocked' : expected.includes('W') ? 'ready_with_warnings' : 'ready')
  })
})

describe('PostgreSQL 11 (unsupported)', () => {
  it('logs in and warns that the version is unsupported', async () => {
    const report = await check(labSettings(11, 'main', { username: 'klairr_reader' }))
    const auth = report.checks.find((c) => c.id === 'auth')
    expect(auth?.status).toBe('warn')
    expect(auth?.reason).toBe('server_version_unsupported')
    expect(report.server?.supported).toBe(false)
    expect(report.server?.versionNumber).toBeLessThan(120000)
  })
})
