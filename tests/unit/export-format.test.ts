import { execFileSync } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { importCommand } from '../../src-main/cli/import-command.js'
import { bindingOf, openSecret, sealSecret } from '../../src-main/core/export/seal.js'
import { Secret } from '../../src-main/core/secrets/secret.js'
import { EXPORT_MAX_BYTES, parseExport } from '../../src-main/core/export/validate-export.js'
import { UNSAFE_CHARACTERS } from '../../src-main/core/printable.js'
import { buildExport, EXPORT_SCHEMA } from '../../src-main/core/export/export-document.js'
import type { CheckReport } from '../../src-main/core/checks/types.js'
import { detectProvider, PROVIDER_IDS } from '../../src-main/core/diagnosis/provider.js'
import type { ConnectionSettings } from '../../src-main/core/connection/settings.js'
import { exampleSettings } from '../support/example-settings.js'
import { fakeIo } from '../support/fake-io.js'

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
    // The connector's fields are the settings' own, password aside.
    connector: { ...exampleSettings() },
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

/** A finished run as the writer takes it: every check passed, TLS 1.3, the provider given. */
function passedRun(provider: CheckReport['provider'] = null): CheckReport {
  const doc = valid()
  return {
    verdict: 'ready',
    cancelled: false,
    checks: doc.verification.checks.map((c: Doc) => ({ ...c, evidence: {} })),
    server: doc.verification.server,
    tls: { protocol: 'TLSv1.3', chain: [{ fingerprint256: FP, issuer: 'CN=x' }] },
    provider,
  } as unknown as CheckReport
}

describe('the writer records the functions allowed by name', () => {
  const settings = exampleSettings()
  const report = passedRun()
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

  it('a run with several hosts, or with startup options, is not the connection Klairr makes: refused in one line', () => {
    const several = { ...settings, moreHosts: [{ host: 'replica.example', port: 5432 }] }
    expect(() => buildExport(several, report, opts)).toThrow(/holds one host, and this run was given 2/)
    expect(() => buildExport({ ...settings, options: 'endpoint=ep-cool-1' }, report, opts)).toThrow(
      /sends no startup options/,
    )
  })

  it('none given: an empty list, said explicitly', () => {
    expect(buildExport(settings, report, opts).guard).toEqual({ allowFunctions: [] })
  })

  it('a client certificate: recorded as needed (clientCertificate: true), never the key or its passphrase', async () => {
    const withCert: ConnectionSettings = {
      ...settings,
      sslCert: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----',
      sslKey: '-----BEGIN PRIVATE KEY-----\nKEY-never-exported\n-----END PRIVATE KEY-----',
      sslPassword: new Secret('passphrase-never-exported'),
    }
    const written = buildExport(withCert, report, opts)
    expect(written.connector.clientCertificate).toBe(true)
    const text = JSON.stringify(written)
    for (const secret of ['KEY-never-exported', 'passphrase-never-exported', 'BEGIN'])
      expect(text).not.toContain(secret)
    expect(await parseExport(text)).toMatchObject({ ok: true })
    expect(buildExport(settings, report, opts).connector).not.toHaveProperty('clientCertificate')
  })
})

describe('the export records the managed provider the run recognised', () => {
  const settings = exampleSettings({ host: 'db1.abcdefghijkl.us-east-1.rds.amazonaws.com' })
  const reportWith = passedRun
  const opts = {
    tool: 'klairr-companion/0.1.0',
    now: new Date('2026-11-24T10:00:00Z'),
    acknowledgedBy: 'ana',
  }

  it('a provider found from the host name: its id and how, and the file passes import', async () => {
    const written = buildExport(settings, reportWith(detectProvider(settings.host, null)), opts)
    expect(written.verification.provider).toEqual({ id: 'aws_rds', via: 'host' })
    expect(await parseExport(JSON.stringify(written))).toMatchObject({ ok: true })
  })

  it('one found from the certificate issuer', async () => {
    const provider = detectProvider('10.1.2.3', {
      chain: [{ issuer: 'CN=Google Cloud SQL Server CA' }] as never,
    })
    const written = buildExport({ ...settings, host: '10.1.2.3' }, reportWith(provider), opts)
    expect(written.verification.provider).toEqual({ id: 'gcp_cloudsql', via: 'certificate' })
    expect(await parseExport(JSON.stringify(written))).toMatchObject({ ok: true })
  })

  it('none recognised: null, said explicitly; a file without the field (older) still passes', async () => {
    const written = buildExport({ ...settings, host: 'db.example.com' }, reportWith(null), opts)
    expect(written.verification.provider).toBeNull()
    expect(await parseExport(JSON.stringify(written))).toMatchObject({ ok: true })
    expect(await parseExport(JSON.stringify(valid()))).toMatchObject({ ok: true })
  })

  it('the schema lists every provider id the detector knows, and refuses others', async () => {
    const schemaIds = (EXPORT_SCHEMA as Doc).properties.verification.properties.provider.anyOf[1].properties
      .id.enum
    expect(schemaIds).toEqual([...PROVIDER_IDS])
    for (const provider of [
      { id: 'heroku', via: 'host' },
      { id: 'aws_rds', via: 'dns' },
      { id: 'aws_rds' },
      'aws_rds',
    ]) {
      const d = valid()
      d.verification.provider = provider
      const r = await parseExport(JSON.stringify(d))
      expect(r.ok, JSON.stringify(provider)).toBe(false)
      if (!r.ok) expect(r.errors.join('\n')).toMatch(/\/verification\/provider/)
    }
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

const RECIPIENT = generateKeyPairSync('x25519')
const RECIPIENT_PEM = RECIPIENT.publicKey.export({ type: 'spki', format: 'pem' }).toString()

/** A valid export with every optional part: acknowledgement, allowed functions, a v2 sealed secret, evidence. */
function full(): Doc {
  const d = valid()
  d.connector.allowWritableRole = true
  d.connector.writableRoleAcknowledgement = { by: 'ana', at: '2026-11-24T10:00:00.000Z' }
  d.verification.checks[0].evidence = { note: 'evidence text', nested: { list: ['a', 'b'] } }
  d.verification.checks[4].status = 'warn'
  d.verification.checks[4].reason = 'writable_role'
  d.verification.checks[4].troubleshooting = 'writable_role'
  d.secret = sealSecret('pw', RECIPIENT_PEM, bindingOf(d as never))
  return d
}

describe('sealed secrets in the file', () => {
  it('a v2 secret (format, exact base64 lengths) passes, and opens for this document only', async () => {
    const d = full()
    expect(d.secret.format).toBe('klairr.sealed-secret/v2')
    expect(await parseExport(JSON.stringify(d))).toMatchObject({ ok: true })
    const key = RECIPIENT.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
    expect(openSecret(d.secret, key, bindingOf(d as never)).secret).toBe('pw')
    const moved = valid()
    moved.connector.host = 'other.example.com'
    expect(() => openSecret(d.secret, key, bindingOf(moved as never))).toThrow(/another connector/)
  })

  it('a v1 secret (no format) still passes the schema', async () => {
    const d = full()
    delete d.secret.format
    expect(await parseExport(JSON.stringify(d))).toMatchObject({ ok: true })
  })

  it.each<[string, (s: Doc) => void, RegExp]>([
    [
      'a 4-byte tag',
      (s) => (s.tag = Buffer.alloc(4).toString('base64')),
      /\/secret\/tag: must match pattern \(base64 of 16 bytes\)/,
    ],
    ['a tag that is not base64', (s) => (s.tag = '!'.repeat(24)), /\/secret\/tag: must match pattern/],
    [
      'a 16-byte IV',
      (s) => (s.iv = Buffer.alloc(16).toString('base64')),
      /\/secret\/iv: must match pattern \(base64 of 12 bytes\)/,
    ],
    ['an IV that is not base64', (s) => (s.iv = 'not base64 at all'), /\/secret\/iv: must match pattern/],
    [
      'an ephemeral key that is not an X25519 SPKI',
      (s) => (s.encryptedKey = Buffer.alloc(44).toString('base64')),
      /\/secret\/encryptedKey: must match pattern/,
    ],
    [
      'a v2 ciphertext that is not a multiple of 64 bytes',
      (s) => (s.ciphertext = Buffer.alloc(10).toString('base64')),
      /\/secret\/ciphertext: must match pattern/,
    ],
    [
      'an unknown seal format',
      (s) => (s.format = 'klairr.sealed-secret/v3'),
      /\/secret\/format: must be "klairr.sealed-secret\/v2"/,
    ],
    [
      'an oversized ciphertext',
      (s) => (s.ciphertext = 'A'.repeat(4096)),
      /\/secret\/ciphertext: must NOT have more than 1452 characters/,
    ],
  ])('refuses %s', async (_name, tamper, message) => {
    const d = full()
    tamper(d.secret)
    const result = await parseExport(JSON.stringify(d))
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.errors.join('\n')).toMatch(message)
  })
})

const dir = mkdtempSync(join(tmpdir(), 'klairr-hostile-'))
let files = 0
async function importText(text: string) {
  const file = join(dir, `c${files++}.json`)
  writeFileSync(file, text)
  const { io, out } = fakeIo([file])
  const code = await importCommand(io)
  return { code, file, ...out }
}

/** Every string in the document, by path, and the key of every object (a hostile field name). */
function stringPaths(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (typeof value === 'string') return [path]
  if (Array.isArray(value)) return value.flatMap((v, i) => stringPaths(v, [...path, i]))
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => stringPaths(v, [...path, k]))
  return []
}
function setAt(doc: Doc, path: (string | number)[], v: unknown) {
  let at = doc
  for (const p of path.slice(0, -1)) at = at[p]
  at[path[path.length - 1]!] = v
}
function getAt(doc: Doc, path: (string | number)[]): string {
  return path.reduce((at: Doc, p) => at[p], doc) as unknown as string
}

const PAYLOADS = [
  '\u001b[2J\u001b[1;1HFORGED',
  '\r',
  '\n',
  '\u202e',
  '\u001b]0;title\u0007',
  '\u009b31m',
  '\u0000',
]
const SHOWN = [
  /^ {2}verified /,
  /^ {2}certificate SHA-256 /,
  /^ {2}writable role /,
  /^ {2}functions allowed /,
  /^ {2}password: /,
]

describe('import treats the file as hostile: control characters never reach stdout or stderr raw', () => {
  const base = full()
  const paths = stringPaths(base)

  it('covers every string field of a full document', () => {
    const named = paths.map((p) => p.join('/'))
    for (const f of ['connector/host', 'connector/username', 'connector/database', 'connector/schema'])
      expect(named).toContain(f)
    expect(named).toContain('connector/writableRoleAcknowledgement/by')
    expect(named).toContain('verification/server/versionString')
    expect(named).toContain('verification/tls/certificateSha256')
    expect(named).toContain('secret/tag')
    expect(named).toContain('guard/allowFunctions/0')
    expect(named).toContain('verification/checks/0/evidence/note')
    expect(paths.length).toBeGreaterThan(40)
  })

  it.each(
    PAYLOADS.map((p) => [
      p.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
      p,
    ]),
  )('payload %s in every string field and in a field name', async (_n, payload) => {
    const variants: Doc[] = []
    for (const path of paths) {
      const doc = full()
      setAt(doc, path, `${getAt(doc, path)}${payload}X`)
      variants.push(doc)
      const replaced = full()
      setAt(replaced, path, `${payload}X`)
      variants.push(replaced)
    }
    const keyed = full()
    keyed.connector[`evil${payload}key`] = 1
    variants.push(keyed)
    const keyedEvidence = full()
    keyedEvidence.verification.checks[1].evidence = { [`evil${payload}key`]: `v${payload}` }
    variants.push(keyedEvidence)
    for (const doc of variants) {
      const r = await importText(JSON.stringify(doc))
      const unsafe = new RegExp(UNSAFE_CHARACTERS.source, 'u')
      for (const [stream, text] of [
        ['stdout', r.stdout],
        ['stderr', r.stderr],
      ] as const) {
        expect(text === '' || text.endsWith('\n'), stream).toBe(true)
        for (const line of text.slice(0, -1).split('\n'))
          expect(unsafe.test(line), `${stream}: ${JSON.stringify(line)}`).toBe(false)
      }
      if (r.code === 2) {
        expect(r.stdout).toBe('')
        for (const line of r.stderr.trim().split('\n')) expect(line).toMatch(/^klairr-companion import: /)
      } else {
        expect(r.code).toBe(0)
        const lines = r.stdout.trim().split('\n')
        expect(lines[0]!.startsWith(`${r.file}: `)).toBe(true)
        for (const line of lines.slice(1))
          expect(
            SHOWN.some((re) => re.test(line)),
            line,
          ).toBe(true)
      }
    }
  })

  it('says which character it refused, escaped, in one line', async () => {
    const d = full()
    d.connector.username = 'ana\u001b[2Jx'
    d.verification.server.versionString = '18.4\u202e'
    const r = await importText(JSON.stringify(d))
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('/connector/username: control character U+001B\n')
    expect(r.stderr).toContain('/verification/server/versionString: bidirectional control character U+202E\n')
  })

  it('an unknown field name is shown escaped', async () => {
    const d = full()
    d.connector['x\u001b[31my'] = 1
    const r = await importText(JSON.stringify(d))
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('/connector: unknown field "x\\u{1B}[31my"\n')
  })

  it('broken JSON around an escape: the parser’s message is shown escaped', async () => {
    const r = await importText('{"format": "\u001b[2J')
    expect(r.code).toBe(2)
    expect(r.stderr.split('\n')).toHaveLength(2)
    expect(r.stderr).not.toContain('\u001b')
  })

  it('a clean full document is shown, escaping nothing', async () => {
    const r = await importText(JSON.stringify(full()))
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('klairr_reader@db.example.com:5432/analytics')
    expect(r.stdout).toContain(
      'password: sealed (ECDH-ES-X25519+HKDF-SHA256+A256GCM, format v2, bound to this connector)',
    )
    expect(r.stderr).toBe('')
  })

  it('a v1 secret: shown, with a one-line warning', async () => {
    const d = full()
    delete d.secret.format
    const r = await importText(JSON.stringify(d))
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('format v1)')
    expect(r.stderr).toMatch(
      /^klairr-companion import: warning: the password was sealed in format v1[^\n]*\n$/,
    )
  })
})

describe('oversized fields and files are refused in one line', () => {
  it.each<[string, (d: Doc) => void, RegExp]>([
    [
      'a 64-character username',
      (d) => (d.connector.username = 'a'.repeat(64)),
      /\/connector\/username: must NOT have more than 63 characters$/,
    ],
    [
      'a 64-character database',
      (d) => (d.connector.database = 'a'.repeat(64)),
      /\/connector\/database: must NOT have more than 63 characters$/,
    ],
    [
      'a 254-character host',
      (d) => (d.connector.host = `${'a.'.repeat(126)}ab`),
      /\/connector\/host: must NOT have more than 253 characters$/,
    ],
    [
      'a 20,000-character summary',
      (d) => (d.verification.checks[0].summary = 'x'.repeat(20000)),
      /\/verification\/checks\/0\/summary: must NOT have more than 2000 characters$/,
    ],
    [
      'a long version string',
      (d) => (d.verification.server.versionString = 'x'.repeat(513)),
      /\/verification\/server\/versionString: must NOT have more than 512 characters$/,
    ],
    [
      'a long acknowledgement author',
      (d) => (d.connector.writableRoleAcknowledgement.by = 'x'.repeat(257)),
      /\/connector\/writableRoleAcknowledgement\/by: must NOT have more than 256 characters$/,
    ],
    [
      'a long reason code',
      (d) => (d.verification.checks[1].reason = 'x'.repeat(65)),
      /\/verification\/checks\/1\/reason: must NOT have more than 64 characters$/,
    ],
  ])('%s', async (_name, tamper, message) => {
    const d = full()
    tamper(d)
    const r = await importText(JSON.stringify(d))
    expect(r.code).toBe(2)
    expect(r.stdout).toBe('')
    const lines = r.stderr.trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(message)
  })

  it.each<[string, () => string]>([
    ['a file just over 64 KiB', () => JSON.stringify({ ...full(), pad: ' '.repeat(EXPORT_MAX_BYTES) })],
    [
      'a 5 MB field',
      () => JSON.stringify({ ...full(), connector: { ...full().connector, host: 'a'.repeat(5_000_000) } }),
    ],
    ['5 MB of nesting', () => '['.repeat(5_000_000)],
  ])('%s: refused before parsing, one line', async (_name, make) => {
    const text = make()
    expect(Buffer.byteLength(text)).toBeGreaterThan(EXPORT_MAX_BYTES)
    const r = await importText(text)
    expect(r.code).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr).toMatch(
      /^klairr-companion import: [^\n]*: \d+ bytes or more, larger than 65536 \(a connector file is a few KiB\): refused before parsing\n$/,
    )
    const parsed = await parseExport(text)
    expect(parsed).toMatchObject({ ok: false, errors: [expect.stringMatching(/larger than 65536/)] })
  })

  it('a file of exactly 64 KiB is read', async () => {
    const text = JSON.stringify(full())
    const padded = text.replace(/^\{/, `{${' '.repeat(EXPORT_MAX_BYTES - Buffer.byteLength(text))}`)
    expect(Buffer.byteLength(padded)).toBe(EXPORT_MAX_BYTES)
    expect((await importText(padded)).code).toBe(0)
  })

  it('a FIFO: refused at once, one line (no wait for a writer)', async () => {
    const fifo = join(dir, 'fifo.json')
    execFileSync('mkfifo', [fifo])
    const { io, out } = fakeIo([fifo])
    expect(await importCommand(io)).toBe(2)
    expect(out.stderr).toMatch(/^klairr-companion import: [^\n]*fifo\.json: not a regular file\n$/)
  })

  it('a directory and a missing file: one line each', async () => {
    const { io, out } = fakeIo([dir])
    expect(await importCommand(io)).toBe(2)
    expect(out.stderr).toMatch(/^klairr-companion import: [^\n]*: not a regular file\n$/)
    const missing = fakeIo([join(dir, 'missing\u001b[2J.json')])
    expect(await importCommand(missing.io)).toBe(2)
    expect(missing.out.stderr).toMatch(
      /^klairr-companion import: cannot read [^\n]*missing\\u\{1B\}\[2J\.json\n$/,
    )
  })
})
