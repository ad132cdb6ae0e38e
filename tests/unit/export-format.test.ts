import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseExport } from '../../src-main/core/export/validate-export.js'
import { buildExport, EXPORT_SCHEMA } from '../../src-main/core/export/export-document.js'
import type { CheckReport } from '../../src-main/core/checks/types.js'
import type { ConnectionSettings } from '../../src-main/core/connection/settings.js'

// A loosely typed document: the tests break it on purpose.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = Record<string, any>

const FP = Array.from({ length: 32 }, () => 'AB').join(':')
const check = (id: string) => ({
  id,
  status: 'pass',
  reason: null,
  troubleshooting: null,
  summary: 'ok',
  evidence: {},
})

/** A valid export, as `export` writes it. */
function valid(): Doc {
  return {
    format: 'klairr.connector.postgresql/v1',
    connector: {
      host: 'db.example.com',
      port: 5432,
      database: 'analytics',
      schema: 'public',
      username: 'klairr_reader',
      sslMode: 'verify-full',
      privateNetwork: false,
      allowWritableRole: false,
    },
    guard: { allowFunctions: ['public.my_fn', '"Sales"."NetTotal"', 'public."select"'] },
    verification: {
      at: '2026-11-24T10:00:00.000Z',
      tool: 'klairr-companion/0.1.0',
      verdict: 'ready',
      checks: ['network', 'tls', 'auth', 'read_access', 'write_probe', 'introspection'].map(check),
      server: { versionString: '18.4', versionNumber: 180004, inRecovery: false },
      tls: { protocol: 'TLSv1.3', certificateSha256: FP },
      introspection: { relations: 4, columns: 20 },
    },
  }
}

describe('the published schema', () => {
  it('is the file in resources/', () => {
    expect(
      JSON.parse(
        readFileSync(new URL('../../resources/klairr-connector.schema.json', import.meta.url), 'utf8'),
      ),
    ).toEqual(EXPORT_SCHEMA)
  })

  it('accepts what export writes', async () => {
    expect(await parseExport(JSON.stringify(valid()))).toMatchObject({ ok: true })
  })

  it('accepts a file without guard (none allowed by name), and an empty list', async () => {
    const without = valid()
    delete without.guard
    expect(await parseExport(JSON.stringify(without))).toMatchObject({ ok: true })
    const empty = valid()
    empty.guard.allowFunctions = []
    expect(await parseExport(JSON.stringify(empty))).toMatchObject({ ok: true })
  })
})

describe('the writer records the functions allowed by name', () => {
  const settings: ConnectionSettings = {
    host: 'db.example.com',
    port: 5432,
    database: 'analytics',
    schema: 'public',
    username: 'klairr_reader',
    sslMode: 'verify-full',
    privateNetwork: false,
    allowWritableRole: false,
  }
  const doc = valid()
  const report = {
    verdict: 'ready',
    cancelled: false,
    checks: doc.verification.checks.map((c: Doc) => ({ ...c, evidence: {} })),
    server: doc.verification.server,
    tls: { protocol: 'TLSv1.3', chain: [{ fingerprint256: FP }] },
  } as unknown as CheckReport
  const opts = {
    tool: 'klairr-companion/0.1.0',
    now: new Date('2026-11-24T10:00:00Z'),
    acknowledgedBy: 'ana',
  }

  it('each quoted only where PostgreSQL needs it, and the file passes import', async () => {
    const written = buildExport(settings, report, {
      ...opts,
      allowFunctions: [
        { schema: 'public', name: 'my_fn' },
        { schema: 'Sales', name: 'NetTotal' },
        { schema: 'public', name: 'select' },
      ],
    })
    expect(written.guard).toEqual({
      allowFunctions: ['public.my_fn', '"Sales"."NetTotal"', 'public."select"'],
    })
    expect(await parseExport(JSON.stringify(written))).toMatchObject({ ok: true })
  })

  it('none given: an empty list, said explicitly', () => {
    expect(buildExport(settings, report, opts).guard).toEqual({ allowFunctions: [] })
  })
})

describe('import refuses every tampering, field by field, with a clear line', () => {
  const cases: [string, (d: Doc) => void, RegExp][] = [
    [
      'an unknown format version',
      (d) => (d.format = 'klairr.connector.postgresql/v2'),
      /\/format: must be "klairr.connector.postgresql\/v1"/,
    ],
    ['a port given as a string', (d) => (d.connector.port = '5432'), /\/connector\/port: must be integer/],
    ['a port out of range', (d) => (d.connector.port = 70000), /\/connector\/port: must be <= 65535/],
    ['a missing host', (d) => delete d.connector.host, /\/connector: missing field "host"/],
    [
      'an empty username',
      (d) => (d.connector.username = ''),
      /\/connector\/username: must NOT have fewer than 1 characters/,
    ],
    [
      'an sslmode Klairr refuses',
      (d) => (d.connector.sslMode = 'disable'),
      /\/connector\/sslMode: must be one of "require", "verify-ca", "verify-full"/,
    ],
    [
      'a password slipped into the connector',
      (d) => (d.connector.password = 'x'),
      /\/connector: unknown field "password"/,
    ],
    ['an unknown top-level field', (d) => (d.extra = 1), /\(the document\): unknown field "extra"/],
    [
      'a blocked verdict',
      (d) => (d.verification.verdict = 'blocked'),
      /\/verification\/verdict: must be one of/,
    ],
    [
      'a failed check',
      (d) => (d.verification.checks[4].status = 'fail'),
      /\/verification\/checks\/4\/status: must be one of "pass", "warn"/,
    ],
    [
      'a missing check',
      (d) => d.verification.checks.pop(),
      /\/verification\/checks: must NOT have fewer than 6 items/,
    ],
    [
      'a malformed fingerprint',
      (d) => (d.verification.tls.certificateSha256 = 'abc'),
      /\/verification\/tls\/certificateSha256: must match pattern/,
    ],
    [
      'TLS 1.1',
      (d) => (d.verification.tls.protocol = 'TLSv1.1'),
      /\/verification\/tls\/protocol: must be one of "TLSv1.2", "TLSv1.3"/,
    ],
    [
      'a bad date',
      (d) => (d.verification.at = 'yesterday'),
      /\/verification\/at: must match format "date-time"/,
    ],
    [
      'an acknowledgement without its author',
      (d) => (d.connector.writableRoleAcknowledgement = { at: '2026-11-24T10:00:00Z' }),
      /\/connector\/writableRoleAcknowledgement: missing field "by"/,
    ],
    [
      'an unknown sealing algorithm',
      (d) =>
        (d.secret = {
          alg: 'ROT13',
          recipientKeySha256: 'a'.repeat(64),
          encryptedKey: '',
          iv: '',
          ciphertext: '',
          tag: '',
        }),
      /\/secret\/alg: must be one of/,
    ],
    [
      'a tool that is not klairr-companion',
      (d) => (d.verification.tool = 'hand-written'),
      /\/verification\/tool: must match pattern/,
    ],
  ]
  const allowed = (list: unknown) => (d: Doc) => (d.guard.allowFunctions = list)
  cases.push(
    [
      'allowed functions that are not a list',
      allowed('public.my_fn'),
      /\/guard\/allowFunctions: must be array/,
    ],
    [
      'an unknown field beside them',
      (d) => (d.guard.denyFunctions = []),
      /\/guard: unknown field "denyFunctions"/,
    ],
    [
      'a guard without its list',
      (d) => delete d.guard.allowFunctions,
      /\/guard: missing field "allowFunctions"/,
    ],
    ['a name without its schema', allowed(['my_fn']), /\/guard\/allowFunctions\/0: the schema is missing/],
    [
      'three parts',
      allowed(['db.public.my_fn']),
      /\/guard\/allowFunctions\/0: 3 parts where two are expected/,
    ],
    ['arguments', allowed(['public.f(int)']), /\/guard\/allowFunctions\/0: give the name without arguments/],
    [
      'a name not spelled as export writes it',
      allowed(['public.my_fn', 'Public.Other']),
      /\/guard\/allowFunctions\/1: not written as export writes it \(public\.other\)/,
    ],
    [
      'a quoted name that needs no quotes',
      allowed(['"public"."my_fn"']),
      /\/guard\/allowFunctions\/0: not written as export writes it \(public\.my_fn\)/,
    ],
    [
      'a name PostgreSQL would cut',
      allowed([`public."${'é'.repeat(32)}"`]),
      /\/guard\/allowFunctions\/0: a name of 64 bytes is too long/,
    ],
    [
      'a control character in a quoted name',
      allowed(['public."a\u0007b"']),
      /\/guard\/allowFunctions\/0: control character U\+0007/,
    ],
    [
      'a bidirectional override in a quoted name',
      allowed(['public."a\u202eb"']),
      /\/guard\/allowFunctions\/0: bidirectional control character U\+202E/,
    ],
    [
      'the same name twice',
      allowed(['public.f', 'public.f']),
      /\/guard\/allowFunctions: must NOT have duplicate items/,
    ],
    [
      'more than 100',
      allowed(Array.from({ length: 101 }, (_, i) => `public.f${i}`)),
      /\/guard\/allowFunctions: must NOT have more than 100 items/,
    ],
  )

  it.each(cases)('%s', async (_name, tamper, message) => {
    const doc = valid()
    tamper(doc)
    const result = await parseExport(JSON.stringify(doc))
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.errors.join('\n')).toMatch(message)
  })

  it('not JSON at all', async () => {
    expect(await parseExport('{"format":')).toMatchObject({
      ok: false,
      errors: [expect.stringMatching(/^not JSON/)],
    })
  })
})
