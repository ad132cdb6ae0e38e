import { describe, expect, it } from 'vitest'
import { authReason } from '../../src-main/core/checks/auth.js'
import { verdictOf } from '../../src-main/core/checks/run.js'
import { checkResult } from '../../src-main/core/checks/result.js'
import { probeStatement, toFindings, type WritePathRow } from '../../src-main/core/checks/write-paths.js'
import { conninfoString, quoteIdent } from '../../src-main/core/sql-ident.js'
import { REASON_CODES } from '../../src-main/core/checks/types.js'
import { SSL_MODES, sslModeAtLeast } from '../../src-main/core/connection/settings.js'
import { normalizeFingerprint } from '../../src-main/core/connection/tls-upgrade.js'

describe('auth failures map by SQLSTATE, then by PostgreSQL’s wording', () => {
  it.each([
    [{ code: '28P01', message: 'password authentication failed for user "x"' }, 'password_invalid'],
    [{ code: '28000', message: 'role "x" is not permitted to log in' }, 'role_cannot_login'],
    [
      {
        code: '28000',
        message: 'no pg_hba.conf entry for host "1.2.3.4", user "x", database "d", no encryption',
      },
      'pg_hba_requires_tls',
    ],
    [
      { code: '28000', message: 'no pg_hba.conf entry for host "1.2.3.4", user "x", database "d", SSL off' },
      'pg_hba_requires_tls',
    ],
    [
      {
        code: '28000',
        message: 'pg_hba.conf rejects connection for host "1.2.3.4", user "x", database "d", SSL encryption',
      },
      'pg_hba_rejected',
    ],
    [{ code: '3D000', message: 'database "d" does not exist' }, 'database_not_found'],
    [{ code: '42501', message: 'permission denied for database d' }, 'connect_privilege_missing'],
    [{ code: '53300', message: 'too many connections for role "x"' }, 'too_many_connections'],
    [{ code: '57P03', message: 'the database system is starting up' }, 'server_starting'],
    [{ code: '08P01', message: 'unsupported startup parameter: options' }, 'startup_parameter_refused'],
    [{ code: '08P01', message: 'invalid startup packet layout' }, 'auth_error'],
    [{ code: 'XX000', message: 'something else' }, 'auth_error'],
  ])('%j → %s', (error, reason) => {
    expect(authReason(error)).toBe(reason)
  })
})

describe('verdict', () => {
  const r = (status: 'pass' | 'warn' | 'fail' | 'skip') => checkResult('network', 0, 0, status, '')
  it.each([
    [['pass', 'pass'], 'ready'],
    [['pass', 'warn'], 'ready_with_warnings'],
    [['warn', 'fail'], 'blocked'],
    [['pass', 'skip'], 'blocked'],
  ] as const)('%j → %s', (statuses, verdict) => {
    expect(verdictOf(statuses.map(r))).toBe(verdict)
  })
})

describe('write paths', () => {
  const row = (over: Partial<WritePathRow>): WritePathRow => ({
    kind: 'relation_privilege',
    object: 'public.t',
    privilege: 'INSERT',
    via: ['me'],
    col: null,
    ...over,
  })
  it('drops an owner’s own ACL entries: ownership already says it all', () => {
    const findings = toFindings([
      row({ kind: 'ownership', privilege: 'r' }),
      row({}),
      row({ object: 'public.other' }),
    ])
    expect(findings.map((f) => `${f.kind}:${f.object}`)).toEqual([
      'ownership:public.t',
      'relation_privilege:public.other',
    ])
  })
  it('classifies causes', () => {
    const [direct, pub, member] = toFindings([
      row({}),
      row({ via: ['PUBLIC'] }),
      row({ via: ['me', 'writers'] }),
    ])
    expect([direct?.cause, pub?.cause, member?.cause]).toEqual(['direct', 'public', 'membership'])
  })
  it.each([
    [[row({ privilege: 'DELETE' })], 'EXPLAIN DELETE FROM public.t WHERE false'],
    [[row({})], 'EXPLAIN INSERT INTO public.t DEFAULT VALUES'],
    [
      [row({ kind: 'column_privilege', privilege: 'UPDATE', col: 'Total' })],
      'EXPLAIN UPDATE public.t SET "Total" = DEFAULT WHERE false',
    ],
    [
      [row({ kind: 'column_privilege', privilege: 'INSERT', col: 'c' })],
      'EXPLAIN INSERT INTO public.t ("c") VALUES (DEFAULT)',
    ],
    [[row({ privilege: 'TRUNCATE' })], 'EXPLAIN DELETE FROM public.fallback WHERE false'],
    [[], 'EXPLAIN DELETE FROM public.fallback WHERE false'],
  ])('plans %j as %s: never executes, never TRUNCATE', (rows, sql) => {
    expect(probeStatement(rows, 'public.fallback')?.sql).toBe(sql)
  })
})

describe('quoting for people', () => {
  it.each([
    ['public', 'public'],
    ['Sales', '"Sales"'],
    ['my schema', '"my schema"'],
    ['user', '"user"'],
    ['we"ird', '"we""ird"'],
    ['données', '"données"'],
  ])('%s → %s', (name, quoted) => {
    expect(quoteIdent(name)).toBe(quoted)
  })
  it('writes libpq conninfo values quoted where needed', () => {
    expect(conninfoString({ host: 'h', dbname: "o'brien db", port: 5432 })).toBe(
      "host=h dbname='o\\'brien db' port=5432",
    )
  })
})

describe('the pin and the strength of a TLS setting', () => {
  it('cert_pin_mismatch is a stable reason', () => {
    expect(REASON_CODES).toContain('cert_pin_mismatch')
  })
  it('orders sslmodes as libpq does: disable < allow < prefer < require < verify-ca < verify-full', () => {
    expect(SSL_MODES).toEqual(['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'])
    for (const [i, a] of SSL_MODES.entries())
      for (const [j, b] of SSL_MODES.entries()) expect(sslModeAtLeast(a, b)).toBe(i >= j)
  })
  it('compares fingerprints whatever their case or separators', () => {
    const node = Array.from({ length: 32 }, (_, i) =>
      (i * 7).toString(16).padStart(2, '0').toUpperCase(),
    ).join(':')
    expect(normalizeFingerprint(node)).toBe(node)
    expect(normalizeFingerprint(node.toLowerCase().replace(/:/g, ''))).toBe(node)
    expect(normalizeFingerprint('')).toBe('')
  })
})
