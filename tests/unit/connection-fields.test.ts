import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  CONNECTION_NOTE,
  CONNECTION_TABLE,
  connectionFromArgs,
  defaultClientCert,
} from '../../src-main/cli/connection-options.js'
import {
  CONNECTION_FIELDS,
  formFieldsFromConninfo,
  type FieldSpec,
} from '../../src-main/core/connection/fields.js'
import { FIELD_LABELS } from '../../src-main/core/diagnosis/field-labels.js'
import { settingsFromForm } from '../../src-main/handlers/settings-from-form.js'

const FIELDS: readonly FieldSpec[] = CONNECTION_FIELDS

describe('one table of connection fields', () => {
  it('the CLI’s connection flags and their help are the table’s', () => {
    for (const f of FIELDS.filter((x) => x.cli)) {
      const option = CONNECTION_TABLE.find((o) => o.flag === f.cli!.flag)
      expect(option, f.cli!.flag).toMatchObject({ type: f.cli!.type, help: f.help })
    }
    expect(CONNECTION_TABLE.map((o) => o.flag)).toEqual(
      expect.arrayContaining(['sslcert', 'sslkey', 'sslpassword-stdin', 'password-stdin']),
    )
    for (const variable of ['PGHOST', 'PGSERVICE', 'PGHOSTADDR', 'PGSSLCERT', 'PGREQUIREAUTH'])
      expect(CONNECTION_NOTE).toContain(variable)
    expect(CONNECTION_NOTE).not.toContain('PGKRBSRVNAME')
  })

  it('the form’s labels are the table’s', () => {
    for (const f of FIELDS.filter((x) => x.form))
      expect(FIELD_LABELS[f.form as keyof typeof FIELD_LABELS]).toBe(f.label)
    expect(FIELD_LABELS).toMatchObject({ sslCert: 'Client certificate', sslKey: 'Client key' })
  })

  it('a pasted string fills the form’s fields; what the form cannot hold is refused, never dropped', () => {
    expect(
      formFieldsFromConninfo({ host: 'db', dbname: 'a', sslmode: 'verify-full', sslcompression: '1' }),
    ).toEqual({
      ok: true,
      fields: { host: 'db', database: 'a', sslMode: 'verify-full' },
    })
    expect(formFieldsFromConninfo({ host: 'db', hostaddr: '10.0.0.1' })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^connection option "hostaddr" has no field in the app/),
    })
    expect(formFieldsFromConninfo({ host: 'a,b' })).toMatchObject({ ok: false })
    expect(formFieldsFromConninfo({ krbsrvname: 'x' })).toMatchObject({
      ok: false,
      message: 'connection option "krbsrvname" is not supported: Kerberos (GSSAPI) cannot be used by Klairr',
    })
    expect(formFieldsFromConninfo({ sslmode: 'maybe' })).toMatchObject({ ok: false })
  })
})

const FORM = {
  host: 'db',
  port: '5432',
  database: 'a',
  schema: 'public',
  username: 'r',
  password: '',
  sslMode: 'require' as const,
  sslRootCert: '',
  privateNetwork: false,
  allowWritableRole: false,
}
const CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----'
const KEY = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----'

describe('the form: client certificate fields, checked by core only', () => {
  it('PEM text passes; the passphrase is a Secret', () => {
    const r = settingsFromForm({ ...FORM, sslCert: CERT, sslKey: KEY, sslPassword: 'pass phrase' })
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.settings).toMatchObject({ sslCert: CERT, sslKey: KEY })
    expect(r.settings.sslPassword?.reveal()).toBe('pass phrase')
  })

  it.each([
    [
      { sslCert: '/home/me/.postgresql/postgresql.crt', sslKey: KEY },
      'sslCert',
      /^Paste the client certificate’s PEM text/,
    ],
    [{ sslCert: CERT, sslKey: '/k.key' }, 'sslKey', /^Paste the client key’s PEM text/],
    [{ sslCert: CERT }, 'sslKey', /^Paste the client key that goes with the certificate/],
    [{ sslKey: KEY }, 'sslCert', /^Paste the client certificate that goes with the key/],
  ])('%j: named against %s', (over, field, message) => {
    const r = settingsFromForm({ ...FORM, ...over })
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.error.fields?.[field]).toMatch(message)
  })
})

describe('the CLI: client certificates as libpq finds them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'klairr-client-cert-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const cert = join(dir, 'c.crt')
  const key = join(dir, 'c.key')
  writeFileSync(cert, CERT)
  writeFileSync(key, KEY)
  chmodSync(key, 0o600)
  const loose = join(dir, 'loose.key')
  writeFileSync(loose, KEY)
  chmodSync(loose, 0o644)

  it('--sslcert and --sslkey: small readable files, the key private as libpq demands', async () => {
    const ok = await connectionFromArgs({ host: 'db', sslcert: cert, sslkey: key }, [], {})
    expect(ok.settings).toMatchObject({ sslCert: cert, sslKey: key })
    await expect(
      connectionFromArgs({ host: 'db', sslcert: join(dir, 'none.crt'), sslkey: key }, [], {}),
    ).rejects.toThrow(/the client certificate file .* does not exist/)
    await expect(connectionFromArgs({ host: 'db', sslcert: cert, sslkey: loose }, [], {})).rejects.toThrow(
      /private key file ".*loose.key" has group or world access; file must have permissions u=rw \(0600\)/,
    )
  })

  it('a passphrase in the connection string is refused like a password; both stdin flags at once too', async () => {
    await expect(connectionFromArgs({}, ["host=db sslpassword='pass phrase'"], {})).rejects.toThrow(
      /contains the client key’s passphrase \(sslpassword\)/,
    )
    await expect(
      connectionFromArgs({ host: 'db', 'password-stdin': true, 'sslpassword-stdin': true }, [], {}),
    ).rejects.toThrow(/both read standard input/)
  })

  it('~/.postgresql/postgresql.crt and .key are used when they exist and none is given', () => {
    const home = join(dir, 'home')
    mkdirSync(join(home, '.postgresql'), { recursive: true })
    const old = process.env.HOME
    process.env.HOME = home
    try {
      expect(defaultClientCert({})).toEqual({ keyPath: join(home, '.postgresql', 'postgresql.key') })
      writeFileSync(join(home, '.postgresql', 'postgresql.crt'), CERT)
      writeFileSync(join(home, '.postgresql', 'postgresql.key'), KEY)
      expect(defaultClientCert({})).toEqual({
        cert: join(home, '.postgresql', 'postgresql.crt'),
        key: join(home, '.postgresql', 'postgresql.key'),
        keyPath: join(home, '.postgresql', 'postgresql.key'),
      })
    } finally {
      process.env.HOME = old
    }
  })
})
