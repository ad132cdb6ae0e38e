import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ConnectionSettings } from '../../src-main/core/connection/settings.js'
import type { CheckReport } from '../../src-main/core/checks/types.js'
import { adviceFor } from '../../src-main/core/diagnosis/advice.js'
import { parseRequireAuth } from '../../src-main/core/connection/auth-policy.js'
import { AUTH_ROLES, startAuthMethodsServer, type AuthMethodsServer } from '../lab/auth-methods.js'
import { startFakeTlsPg, type FakeTlsPg } from '../lab/fake-tls-pg.js'
import { LAB_PASSWORD } from '../lab/seed.js'
import { check, labSettings, statusLine } from './helpers.js'

// channel_binding and require_auth, judged on each authentication request before anything is answered.

let methods: AuthMethodsServer
let fake: FakeTlsPg

beforeAll(async () => {
  ;[methods, fake] = await Promise.all([startAuthMethodsServer(18), startFakeTlsPg()])
}, 90_000)

afterAll(async () => {
  await fake?.close()
  await methods?.stop()
})

const reader = (
  over: Partial<ConnectionSettings> = {},
  variant: Parameters<typeof labSettings>[1] = 'main',
) => ({
  ...labSettings(18, variant, { username: 'klairr_reader' }),
  ...over,
})
/** A role of the auth-methods server, whose pg_hba.conf gives each role its own method. */
const role = (username: string, over: Partial<ConnectionSettings> = {}) => ({
  ...reader(),
  port: methods.port,
  username,
  ...over,
})
/** The impostor that asks for a cleartext password and logs whatever arrives. */
const impostor = (over: Partial<ConnectionSettings> = {}) => ({
  ...reader(),
  host: 'localhost',
  port: fake.port,
  ...over,
})

const auth = (report: CheckReport) => report.checks[2]!

function expectRefused(
  report: CheckReport,
  settings: ConnectionSettings,
  reason: string,
  text: RegExp,
): void {
  const a = auth(report)
  expect(a, a.summary).toMatchObject({ status: 'fail', reason, troubleshooting: 'authentication_failed' })
  expect(a.summary).toMatch(/before any password was sent/)
  expect(a.summary).toMatch(text)
  expect(a.summary).not.toMatch(/\n/)
  const advice = adviceFor(a, settings)!
  expect(advice.meaning.length).toBeGreaterThan(0)
  expect(advice.commands.filter((c) => c.kind === 'config')).toEqual([])
  expect(JSON.stringify(report)).not.toContain(LAB_PASSWORD)
}

describe('channel_binding', () => {
  it('require passes on PostgreSQL 18 over TLS with SCRAM: the login is SCRAM-SHA-256-PLUS', async () => {
    const report = await check(reader({ channelBinding: 'require' }))
    expect(statusLine(report)).toBe('PPPPPP')
    expect(auth(report).evidence.authMethod).toBe('scram-sha-256-plus')
  })

  it('prefer (the default) binds whenever offered over TLS; disable never does', async () => {
    expect(auth(await check(reader())).evidence.authMethod).toBe('scram-sha-256-plus')
    expect(auth(await check(reader({ channelBinding: 'disable' }))).evidence.authMethod).toBe('scram-sha-256')
  })

  it('require without TLS (sslmode=disable to a server with ssl off) fails: SSL not in use', async () => {
    const settings = reader({ channelBinding: 'require', sslMode: 'disable' }, 'noTls')
    const report = await check(settings)
    expect(statusLine(report)).toBe('PFF---')
    expectRefused(report, settings, 'channel_binding_required', /SSL not in use/)
  })

  it('require against md5 fails before the password is sent', async () => {
    const settings = role(AUTH_ROLES.md5, { channelBinding: 'require' })
    const report = await check(settings)
    expectRefused(
      report,
      settings,
      'channel_binding_required',
      /not supported by server's authentication request/,
    )
    expect(auth(report).evidence.authMethod).toBe('md5')
  })

  it('require against a server asking for a cleartext password: nothing reaches it', async () => {
    const before = fake.passwords.length
    const settings = impostor({ channelBinding: 'require' })
    const report = await check(settings)
    expectRefused(report, settings, 'channel_binding_required', /not supported/)
    expect(fake.passwords.length).toBe(before)
  })

  it('require through PgBouncer (SCRAM without -PLUS) fails: the server did not offer channel binding', async () => {
    const settings = reader({ channelBinding: 'require' }, 'pgbouncerTransaction')
    const report = await check(settings)
    expectRefused(
      report,
      settings,
      'channel_binding_required',
      /did not offer an authentication method that supports channel binding/,
    )
  })

  it('require against trust fails: the server authenticated without channel binding', async () => {
    const settings = role(AUTH_ROLES.trust, { channelBinding: 'require' })
    const report = await check(settings)
    expect(auth(report)).toMatchObject({ status: 'fail', reason: 'channel_binding_required' })
    expect(auth(report).summary).toMatch(/authenticated client without channel binding/)
  })
})

describe('require_auth', () => {
  it('scram-sha-256 against md5 fails before the password is sent, naming what the server asked for', async () => {
    const settings = role(AUTH_ROLES.md5, { requireAuth: 'scram-sha-256' })
    const report = await check(settings)
    expectRefused(
      report,
      settings,
      'auth_method_not_allowed',
      /authentication method requirement "scram-sha-256" failed: server requested a hashed password/,
    )
    expect(auth(report).evidence).toMatchObject({ authMethod: 'md5', requireAuth: 'scram-sha-256' })
  })

  it('scram-sha-256 against a cleartext request: the impostor receives no password', async () => {
    const before = fake.passwords.length
    const settings = impostor({ requireAuth: 'scram-sha-256' })
    const report = await check(settings)
    expectRefused(report, settings, 'auth_method_not_allowed', /server requested a cleartext password/)
    expect(fake.passwords.length).toBe(before)
  })

  it('!password refuses a cleartext request; !md5 refuses md5 and allows SCRAM', async () => {
    const before = fake.passwords.length
    const cleartext = impostor({ requireAuth: '!password' })
    expectRefused(
      await check(cleartext),
      cleartext,
      'auth_method_not_allowed',
      /"!password" failed: server requested a cleartext password/,
    )
    expect(fake.passwords.length).toBe(before)
    const md5 = role(AUTH_ROLES.md5, { requireAuth: '!md5' })
    expectRefused(await check(md5), md5, 'auth_method_not_allowed', /server requested a hashed password/)
    expect(statusLine(await check(reader({ requireAuth: '!md5' })))).toBe('PPPPPP')
  })

  it('a list allows what it names: password,md5 logs in with md5', async () => {
    const report = await check(role(AUTH_ROLES.md5, { requireAuth: 'password,md5' }))
    expect(auth(report)).toMatchObject({ status: 'warn', reason: 'md5_password' })
  })

  it('md5 against trust fails: the server did not complete authentication; none allows it', async () => {
    const settings = role(AUTH_ROLES.trust, { requireAuth: 'md5' })
    const report = await check(settings)
    expect(auth(report)).toMatchObject({ status: 'fail', reason: 'auth_method_not_allowed' })
    expect(auth(report).summary).toMatch(/"md5" failed: server did not complete authentication/)
    expect(auth(await check(role(AUTH_ROLES.trust, { requireAuth: 'none' }))).status).toBe('pass')
    expect(auth(await check(role(AUTH_ROLES.trust, { requireAuth: 'scram-sha-256,none' }))).status).toBe(
      'pass',
    )
    expect(auth(await check(role(AUTH_ROLES.trust, { requireAuth: '!none' }))).reason).toBe(
      'auth_method_not_allowed',
    )
  })

  it('a value libpq would refuse is refused with its words, nothing sent', async () => {
    const report = await check(reader({ requireAuth: 'scram-sha-256,!md5' }))
    expect(auth(report)).toMatchObject({ status: 'fail', reason: 'auth_method_not_allowed' })
    expect(auth(report).summary).toMatch(/cannot be mixed with non-negative methods/)
  })
})

describe('require_auth as libpq parses it', () => {
  it.each([
    ['scram-sha-256', [10, 11, 12], true],
    ['password,md5', [3, 5], true],
    ['none', [], false],
    ['md5,none', [5], false],
    ['!md5', [3, 7, 8, 9, 10, 11, 12], false],
    ['!md5,!none', [3, 7, 8, 9, 10, 11, 12], true],
  ] as const)('%s allows %j (an exchange required: %s)', (text, codes, required) => {
    const parsed = parseRequireAuth(text)
    if (typeof parsed === 'string') throw new Error(parsed)
    expect([...parsed.allowed].sort((a, b) => a - b)).toEqual(codes)
    expect(parsed.authRequired).toBe(required)
  })

  it.each([
    ['scram-sha-256,!md5', /cannot be mixed/],
    ['md5,md5', /more than once/],
    ['kerberos', /invalid require_auth value: "kerberos"/],
  ])('%s is refused: %s', (text, message) => {
    expect(parseRequireAuth(text)).toMatch(message)
  })
})
