import { describe, expect, it } from 'vitest'
import { adviceFor, fixFor } from '../../src-main/core/diagnosis/advice.js'
import { REASON_CODES } from '../../src-main/core/checks/types.js'
import type { ConnectionSettings } from '../../src-main/core/connection/settings.js'
import { Secret } from '../../src-main/core/secrets/secret.js'
import type { WriteFinding } from '../../src-main/core/checks/write-paths.js'

const PASSWORD = 'Zq7-never-in-advice'
const settings: ConnectionSettings = {
  host: 'db.example.com',
  port: 5432,
  database: 'My Analytics',
  schema: 'Sales',
  username: 'klairr_reader',
  password: new Secret(PASSWORD),
  sslMode: 'verify-full',
  sslRootCert: '/etc/ssl/ca.pem',
  privateNetwork: false,
  allowWritableRole: false,
}

describe('the advice table', () => {
  it.each(REASON_CODES)('%s has advice an admin can act on, without the password', (reason) => {
    const advice = adviceFor({ reason, evidence: { clientAddress: '203.0.113.9', findings: [] } }, settings)
    expect(advice).not.toBeNull()
    expect(advice!.meaning.length).toBeGreaterThan(10)
    expect(advice!.steps.length).toBeGreaterThan(0)
    expect(JSON.stringify(advice)).not.toContain(PASSWORD)
  })

  it('quotes identifiers that need it in the commands it suggests', () => {
    const advice = adviceFor({ reason: 'no_schema_usage', evidence: {} }, settings)!
    expect(advice.commands[0]!.command).toContain('GRANT USAGE ON SCHEMA "Sales" TO klairr_reader;')
    const db = adviceFor({ reason: 'connect_privilege_missing', evidence: {} }, settings)!
    expect(db.commands[0]!.command).toBe('GRANT CONNECT ON DATABASE "My Analytics" TO klairr_reader;')
  })

  it('gives the pg_hba.conf line for the address the server saw', () => {
    const advice = adviceFor(
      { reason: 'pg_hba_rejected', evidence: { clientAddress: '203.0.113.9' } },
      settings,
    )!
    expect(advice.commands[0]!.command).toBe(
      'hostssl  "My Analytics"  klairr_reader  203.0.113.9/32  scram-sha-256',
    )
  })

  it('reproduces TLS failures with openssl and psql, never with a password', () => {
    const advice = adviceFor({ reason: 'cert_untrusted', evidence: {} }, settings)!
    const text = advice.commands.map((c) => c.command).join('\n')
    expect(text).toContain(
      'openssl s_client -starttls postgres -connect db.example.com:5432 -servername db.example.com -showcerts </dev/null',
    )
    // The libpq string is one shell word: single-quoted whole, its own quotes written '\''.
    expect(text).toContain(
      `psql 'host=db.example.com port=5432 dbname='\\''My Analytics'\\'' user=klairr_reader sslmode=verify-full sslrootcert=/etc/ssl/ca.pem'`,
    )
  })
})

describe('fixFor', () => {
  const f = (over: Partial<WriteFinding>): WriteFinding => ({
    kind: 'relation_privilege',
    object: 'public.orders',
    column: null,
    privilege: 'INSERT',
    cause: 'direct',
    via: ['r'],
    writable: true,
    ...over,
  })
  it.each([
    [f({}), 'REVOKE INSERT ON public.orders FROM r;'],
    [f({ cause: 'public', via: ['PUBLIC'] }), 'REVOKE INSERT ON public.orders FROM PUBLIC;'],
    [
      f({ kind: 'column_privilege', privilege: 'UPDATE', column: 'total' }),
      'REVOKE UPDATE (total) ON public.orders FROM r;',
    ],
    [f({ cause: 'membership', via: ['r', 'writers', 'app'] }), 'REVOKE writers FROM r;'],
    [
      f({ kind: 'attribute', object: null, privilege: 'SUPERUSER', cause: 'attribute' }),
      'ALTER ROLE r NOSUPERUSER;',
    ],
    [
      f({
        kind: 'membership',
        object: 'pg_write_all_data',
        privilege: null,
        via: ['r', 'pg_write_all_data'],
        cause: 'membership',
      }),
      'REVOKE pg_write_all_data FROM r;',
    ],
    [
      f({ kind: 'schema_create', object: 'public', privilege: 'CREATE', cause: 'public', via: ['PUBLIC'] }),
      'REVOKE CREATE ON SCHEMA public FROM PUBLIC;',
    ],
  ])('%j', (finding, fix) => {
    expect(fixFor(finding, 'r').startsWith(fix)).toBe(true)
  })

  it('says plainly that no REVOKE removes ownership', () => {
    expect(fixFor(f({ kind: 'ownership', privilege: 'r' }), 'r')).toMatch(
      /no REVOKE removes an owner's rights[\s\S]*ALTER TABLE public.orders OWNER TO/,
    )
  })
})

describe('read and write failures point to the audit', () => {
  it.each([
    'no_schema_usage',
    'no_select_privilege',
    'partial_select',
    'no_tables_visible',
    'writable_role',
    'schema_create_privilege',
  ] as const)('%s', (reason) => {
    const advice = adviceFor({ reason, evidence: { findings: [] } }, settings)!
    const audit = advice.commands.find((c) => c.command.startsWith('klairr-companion audit '))
    expect(audit?.command).toBe(
      `klairr-companion audit 'host=db.example.com port=5432 dbname='\\''My Analytics'\\'' user=klairr_reader sslmode=verify-full sslrootcert=/etc/ssl/ca.pem' --schema=Sales`,
    )
    expect(audit?.kind).toBe('shell')
  })
})

describe('rls_hides_rows names the tables the server listed, only in the shape it quotes them', () => {
  const policyFor = (rlsHidden: unknown) =>
    adviceFor({ reason: 'rls_hides_rows', evidence: { rlsHidden } }, settings)!.commands[0]!.command

  it('one policy per listed table, quoted names kept as the server quoted them', () => {
    expect(policyFor(['rls_none.sales', '"My Schema"."t""x"']).split('\n')).toEqual([
      'CREATE POLICY klairr_read ON rls_none.sales FOR SELECT TO klairr_reader USING (true);',
      'CREATE POLICY klairr_read ON "My Schema"."t""x" FOR SELECT TO klairr_reader USING (true);',
    ])
  })

  it.each([['x; DROP TABLE y'], ['a.b; DROP TABLE c'], ['"a".b\nDROP'], [42], [null]])(
    '%j, not in the %%I.%%I shape: the placeholder stays (the script is pasted as a superuser)',
    (name) => {
      expect(policyFor([name])).toBe(
        'CREATE POLICY klairr_read ON <schema.table> FOR SELECT TO klairr_reader USING (true);',
      )
    },
  )
})
