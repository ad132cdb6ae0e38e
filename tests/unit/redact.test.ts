import { describe, expect, it } from 'vitest'
import { REDACTED, redactDeep, redactText, secretsOf } from '../../src-main/core/redact.js'
import { Secret } from '../../src-main/core/secrets/secret.js'

const CLEAR = 'Zq7-lab-S3CRET/with:odd@chars'
const SECRET = new Secret(CLEAR)

/** Prose the sweep must leave whole whatever the password: the words a short password would hit. */
const PROSE =
  'Not run: an earlier check failed. The server did not answer; the password was rejected (password_invalid). Logged in as postgres to analytics over TLS. Run "klairr-companion check" for the full diagnosis. x=0x1f max'

describe('redaction', () => {
  it('removes a long secret and its URI-encoded form from text, inside other text too', () => {
    const out = redactText(`pw=${CLEAR} uri=${encodeURIComponent(CLEAR)} glued=abc${CLEAR}def`, [SECRET])
    expect(out).not.toContain(CLEAR)
    expect(out).not.toContain(encodeURIComponent(CLEAR))
    expect(out).toBe(`pw=${REDACTED} uri=${REDACTED} glued=abc${REDACTED}def`)
  })

  it('removes any URI userinfo password, even one it was not told about', () => {
    expect(redactText('postgresql://u:other@h/db', [])).toBe(`postgresql://u:${REDACTED}@h/db`)
  })

  it('walks objects, arrays and errors, and empties secret-named keys', () => {
    const value = {
      a: [`x ${CLEAR}`],
      nested: { password: 'anything', pass: 'p' },
      err: new Error(`failed with ${CLEAR}`),
      n: 1,
      nil: null,
    }
    const out = redactDeep(value, [SECRET])
    expect(JSON.stringify(out)).not.toContain(CLEAR)
    expect(out.nested).toEqual({ password: REDACTED, pass: REDACTED })
    expect(out.n).toBe(1)
    expect(out.nil).toBeNull()
    expect(out.err).toEqual({ name: 'Error', message: `failed with ${REDACTED}` })
  })

  it('shows a Secret anywhere in a value as [redacted], even one it was not told about', () => {
    const out = redactDeep({ settings: { username: 'u', secret2: [new Secret('other-secret-value')] } }, [])
    expect(out).toEqual({ settings: { username: 'u', secret2: [REDACTED] } })
  })

  it('survives cycles', () => {
    const a: Record<string, unknown> = { s: CLEAR }
    a.self = a
    const out = redactDeep(a, [SECRET]) as Record<string, unknown>
    expect(out.s).toBe(REDACTED)
    expect(out.self).toBe(out)
  })
})

describe('the sweep replaces a secret only where it can tell it from words', () => {
  it.each(['an', 'x', 'the', 'check', 'failed', 'postgres', 'password', 'analytics', 'Passw0rd'])(
    'password %j: the report’s prose comes out whole',
    (clear) => {
      expect(redactText(PROSE, [new Secret(clear)])).toBe(PROSE)
    },
  )

  it.each([
    // [secret, text, expected]
    ['p4ss-w0rd', 'pw p4ss-w0rd end', `pw ${REDACTED} end`],
    ['p4ss-w0rd', 'user=p4ss-w0rd,', `user=${REDACTED},`],
    ['p4ss-w0rd', 'xp4ss-w0rd p4ss-w0rdx', 'xp4ss-w0rd p4ss-w0rdx'],
    ['p4ss-w0rd', `uri ${encodeURIComponent('p4ss-w0rd')}`, `uri ${REDACTED}`],
    ['!p4ssw0rd', 'a!p4ssw0rd.', `a${REDACTED}.`],
    ['hunter22', 'my hunter22 and hunter222', `my ${REDACTED} and hunter222`],
    ['s3cret_01', 's3cret_01_x s3cret_01', `s3cret_01_x ${REDACTED}`],
    ['pässwörd9', 'ein pässwörd9!', `ein ${REDACTED}!`],
    ['a b c d e', 'x a b c d e y', `x ${REDACTED} y`],
    ['a b c d e', `x ${encodeURIComponent('a b c d e')} y`, `x ${REDACTED} y`],
  ])('a middle-length secret %j is replaced as a whole token only: %j', (clear, text, expected) => {
    expect(redactText(text, [new Secret(clear)])).toBe(expected)
  })

  it.each([
    ['correcthorsebattery', 'xcorrecthorsebatteryx'],
    ['Zq7-lab-S3CRET-never-print-93!', 'prefix_Zq7-lab-S3CRET-never-print-93!suffix'],
    ['ñandú-ñandú-ñandú', 'ñandú-ñandú-ñandú'],
  ])('a long secret %j is replaced wherever it appears', (clear, text) => {
    const out = redactText(`${text} ${encodeURIComponent(clear)}`, [new Secret(clear)])
    expect(out).not.toContain(clear)
    expect(out).not.toContain(encodeURIComponent(clear))
  })

  it('treats a secret’s regular-expression characters as text', () => {
    const clear = 'a.b*c+d?(e)[f]{g}|h^$\\'
    expect(redactText(`x ${clear} aXb`, [new Secret(clear)])).toBe(`x ${REDACTED} aXb`)
  })
})

describe('secretsOf: the secrets a run’s output is swept for', () => {
  const settings = (username: string, password?: string) => ({
    username,
    password: password === undefined ? undefined : new Secret(password),
  })

  it('is the password', () => {
    expect(secretsOf(settings('klairr_reader', CLEAR))).toHaveLength(1)
  })

  it('is nothing without a password, or with an empty one', () => {
    expect(secretsOf(settings('klairr_reader'))).toEqual([])
    expect(secretsOf(settings('klairr_reader', ''))).toEqual([])
  })

  it('leaves out a password equal to the role name, so user=<role> stays in every command', () => {
    const role = 'klairr_reader_role'
    expect(secretsOf(settings(role, role))).toEqual([])
    const command = `psql "host=db user=${role} dbname=analytics"`
    expect(redactText(command, secretsOf(settings(role, role)))).toBe(command)
  })

  it('keeps a password equal to the role name but for case, which never matches the name', () => {
    const [secret] = secretsOf(settings('klairr_reader_role', 'KLAIRR_READER_ROLE'))
    expect(secret).toBeDefined()
    expect(redactText('user=klairr_reader_role pw=KLAIRR_READER_ROLE', [secret!])).toBe(
      `user=klairr_reader_role pw=${REDACTED}`,
    )
  })
})

describe('a client key pasted as PEM text', () => {
  const body = [
    'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7',
    'q1w2e3r4t5y6u7i8o9p0AbCdEfGhIjKlMnOpQrStUvWxYz012345',
  ]
  const key = ['-----BEGIN PRIVATE KEY-----', ...body, '-----END PRIVATE KEY-----'].join('\n')

  it('is swept line by line from any message quoting it, whole or in part', () => {
    const secrets = secretsOf({ username: 'klairr_reader', sslKey: key })
    const out = redactText(`sslkey ${key} does not exist; second line ${body[1]}`, secrets)
    for (const line of body) expect(out).not.toContain(line)
    expect(out).toContain('BEGIN PRIVATE KEY')
  })

  it('a path to a key file is not a secret', () => {
    expect(
      secretsOf({ username: 'klairr_reader', sslKey: '/home/admin/.postgresql/postgresql.key' }),
    ).toEqual([])
  })
})
