import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseExport } from '../../src-main/core/export/validate-export.js'
import { EXPORT_SCHEMA } from '../../src-main/core/export/export-document.js'

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
