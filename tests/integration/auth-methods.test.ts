import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  resolveSettingsOrThrow,
  type SettingsInput,
} from '../../src-main/core/connection/resolve-settings.js'
import type { ConnectionSettings } from '../../src-main/core/connection/settings.js'
import type { CheckReport, CheckResult } from '../../src-main/core/checks/types.js'
import { adviceFor } from '../../src-main/core/diagnosis/advice.js'
import { AUTH_ROLES, startAuthMethodsServer, type AuthMethodsServer } from '../lab/auth-methods.js'
import {
  authRequest,
  fatal,
  saslRequest,
  startFakeAuthPg,
  type FakeAuthPg,
  type FakeAuthStep,
} from '../lab/fake-auth-pg.js'
import { message } from '../lab/pg-wire.js'
import { LAB_DATABASE, LAB_PASSWORD } from '../lab/seed.js'
import { runCli } from './cli-run.js'
import { check, FAST, statusLine } from './helpers.js'

/**
 * Each authentication method against a PostgreSQL 18 whose pg_hba.conf gives each role its own (md5,
 * radius to a RADIUS server that never answers, ident with no identd, cert, trust, scram-sha-256), and
 * against a fake for the methods the embedded builds cannot configure (GSSAPI, SSPI, LDAP, PAM, OAuth),
 * which speaks PostgreSQL's own messages.
 */

let lab: AuthMethodsServer
const fakes: FakeAuthPg[] = []
/** RADIUS waits 3 s for its server before failing the login. */
const TIMEOUTS = { ...FAST, startup: 8000 }

beforeAll(async () => {
  lab = await startAuthMethodsServer(18)
}, 90_000)

afterAll(async () => {
  await Promise.all(fakes.map((f) => f.close()))
  await lab?.stop()
})

function settingsFor(port: number, username: string, over: SettingsInput = {}): ConnectionSettings {
  return resolveSettingsOrThrow(
    {
      host: '127.0.0.1',
      port,
      database: LAB_DATABASE,
      username,
      password: LAB_PASSWORD,
      privateNetwork: true,
      ...over,
    },
    {},
  )
}

const auth = (report: CheckReport): CheckResult => report.checks.find((c) => c.id === 'auth')!

/** The report holds no trace of the password, in any field. */
function expectNoPassword(report: unknown): void {
  expect(JSON.stringify(report)).not.toContain(LAB_PASSWORD)
}

/** Advice that neither blames pg_hba.conf nor tells the admin to edit it. */
function expectNoHbaAdvice(result: CheckResult, settings: ConnectionSettings): void {
  const advice = adviceFor(result, settings)
  expect(advice).not.toBeNull()
  expect(advice!.steps.join(' ')).not.toMatch(/pg_hba/)
  expect(advice!.commands.filter((c) => c.kind === 'config' || /pg_hba/.test(c.command))).toEqual([])
}

async function fake(
  script: (user: string) => FakeAuthStep[],
  tls: { requireClientCert?: boolean } = {},
): Promise<FakeAuthPg> {
  const f = await startFakeAuthPg({ ...lab.certs.leaves.good, ca: lab.certs.caCert, ...tls }, script)
  fakes.push(f)
  return f
}

describe('logins that succeed name their method', () => {
  it('scram-sha-256: pass', async () => {
    const report = await check(settingsFor(lab.port, AUTH_ROLES.scram), TIMEOUTS)
    expect(statusLine(report)).toBe('PPPPPP')
    // Over TLS with channel_binding=prefer (libpq's default), the login binds to the TLS session.
    expect(auth(report).evidence.authMethod).toBe('scram-sha-256-plus')
    expect(report.verdict).toBe('ready')
  })

  it('md5: a warning, md5_password, ready with warnings', async () => {
    const settings = settingsFor(lab.port, AUTH_ROLES.md5)
    const report = await check(settings, TIMEOUTS)
    const a = auth(report)
    expect(statusLine(report), a.summary).toBe('PPWPPP')
    expect(a.reason).toBe('md5_password')
    expect(a.troubleshooting).toBeNull()
    expect(a.evidence.authMethod).toBe('md5')
    expect(a.summary).toMatch(/md5/)
    expect(report.verdict).toBe('ready_with_warnings')
    expect(adviceFor(a, settings)!.steps.join(' ')).toMatch(/scram-sha-256/)
    expectNoPassword(report)
  })

  it('md5 with a weak password: weak_password is the reason, md5 stays in the evidence', async () => {
    const role = AUTH_ROLES.md5Weak
    const report = await check(settingsFor(lab.port, role, { password: role }), TIMEOUTS)
    const a = auth(report)
    expect(a.status).toBe('warn')
    expect(a.reason).toBe('weak_password')
    expect(a.evidence).toMatchObject({ authMethod: 'md5', weakPassword: 'equals_role_name' })
    expect(a.summary).toMatch(/role name.*md5/)
  })

  it('trust over TLS: pass, no password asked for', async () => {
    const report = await check(settingsFor(lab.port, AUTH_ROLES.trust), TIMEOUTS)
    expect(statusLine(report)).toBe('PPPPPP')
    expect(auth(report).evidence.authMethod).toBe('trust')
  })
})

describe('logins that fail name their reason, with advice that fits', () => {
  it.each([
    ['radius', AUTH_ROLES.radius],
    ['ident', AUTH_ROLES.ident],
  ])('%s: external_auth_failed, not pg_hba', async (method, role) => {
    const settings = settingsFor(lab.port, role)
    const report = await check(settings, TIMEOUTS)
    const a = auth(report)
    expect(statusLine(report), a.summary).toBe('PPF---')
    expect(a.reason).toBe('external_auth_failed')
    expect(a.troubleshooting).toBe('authentication_failed')
    expect(a.evidence.authMethod).toBe(method)
    expectNoHbaAdvice(a, settings)
    expectNoPassword(report)
  })

  it('cert without a client certificate: client_cert_required', async () => {
    const settings = settingsFor(lab.port, AUTH_ROLES.cert)
    const report = await check(settings, TIMEOUTS)
    const a = auth(report)
    expect(statusLine(report), a.summary).toBe('PPF---')
    expect(a.reason).toBe('client_cert_required')
    expect(a.troubleshooting).toBe('authentication_failed')
    expect(a.evidence.authMethod).toBe('cert')
    expectNoHbaAdvice(a, settings)
  })

  it('a wrong password is still password_invalid, naming the method the server asked for', async () => {
    const report = await check(settingsFor(lab.port, AUTH_ROLES.md5, { password: 'not-the-password-1' }))
    expect(auth(report)).toMatchObject({ reason: 'password_invalid', evidence: { authMethod: 'md5' } })
  })
})

describe('client certificates (sslcert, sslkey, sslpassword)', () => {
  const PASSPHRASE = 'Kp9-client-KEY-passphrase-never-print!'

  it('cert with a certificate for the role: pass, authMethod cert', async () => {
    const { cert, key } = lab.clientCert(AUTH_ROLES.cert)
    const report = await check(
      settingsFor(lab.port, AUTH_ROLES.cert, { sslCert: cert, sslKey: key }),
      TIMEOUTS,
    )
    expect(statusLine(report), auth(report).summary).toBe('PPPPPP')
    expect(auth(report).evidence.authMethod).toBe('cert')
  })

  it('cert with a certificate for another name: client_cert_rejected, from the real server', async () => {
    const { cert, key } = lab.clientCert('someone_else')
    const settings = settingsFor(lab.port, AUTH_ROLES.cert, { sslCert: cert, sslKey: key })
    const report = await check(settings, TIMEOUTS)
    const a = auth(report)
    expect(statusLine(report), a.summary).toBe('PPF---')
    expect(a).toMatchObject({
      reason: 'client_cert_rejected',
      troubleshooting: 'authentication_failed',
      evidence: { authMethod: 'cert' },
    })
    expectNoHbaAdvice(a, settings)
  })

  // Without a password request the wire cannot tell trust from cert: a login that sent a certificate is `cert`.
  it.each([
    ['scram-sha-256-plus', AUTH_ROLES.scramCert, 'password_invalid'],
    ['trust', AUTH_ROLES.trustCert, 'client_cert_rejected'],
  ])('clientcert=verify-full on %s', async (method, role, wrongCn) => {
    const none = auth(await check(settingsFor(lab.port, role), TIMEOUTS))
    expect(none).toMatchObject({ reason: 'client_cert_required', evidence: { authMethod: 'cert' } })
    const own = lab.clientCert(role)
    const good = await check(settingsFor(lab.port, role, { sslCert: own.cert, sslKey: own.key }), TIMEOUTS)
    expect(statusLine(good), auth(good).summary).toBe('PPPPPP')
    expect(auth(good).evidence.authMethod).toBe(method === 'trust' ? 'cert' : method)
    const other = lab.clientCert('someone_else')
    const wrong = auth(
      await check(settingsFor(lab.port, role, { sslCert: other.cert, sslKey: other.key }), TIMEOUTS),
    )
    // PostgreSQL reports a CN mismatch under scram-sha-256 as a wrong password (28P01): the summary says both.
    expect(wrong.reason).toBe(wrongCn)
    expect(wrong.evidence.clientCertificateSent).toBe(true)
    if (wrongCn === 'password_invalid') expect(wrong.summary).toMatch(/client certificate/)
  })

  it('an encrypted key opens with its sslpassword, which appears nowhere', async () => {
    const { cert, key } = lab.clientCert(AUTH_ROLES.cert, PASSPHRASE)
    const report = await check(
      settingsFor(lab.port, AUTH_ROLES.cert, { sslCert: cert, sslKey: key, sslPassword: PASSPHRASE }),
      TIMEOUTS,
    )
    expect(statusLine(report), auth(report).summary).toBe('PPPPPP')
    expect(JSON.stringify(report)).not.toContain(PASSPHRASE)
  })

  it.each([
    ['a wrong sslpassword', 'wrong-passphrase-123', /does not open/],
    ['no sslpassword', undefined, /encrypted and no sslpassword/],
  ])('%s: the TLS check fails before anything is sent, naming the key', async (_, sslPassword, said) => {
    const { cert, key } = lab.clientCert(AUTH_ROLES.cert, PASSPHRASE)
    const report = await check(
      settingsFor(lab.port, AUTH_ROLES.cert, {
        sslCert: cert,
        sslKey: key,
        ...(sslPassword ? { sslPassword } : {}),
      }),
      TIMEOUTS,
    )
    const tls = report.checks.find((c) => c.id === 'tls')!
    expect(statusLine(report)).toBe('PF----')
    expect(tls.reason).toBe('client_cert_required')
    expect(tls.summary).toMatch(said)
    expect(JSON.stringify(report)).not.toContain(PASSPHRASE)
  })

  it('an unreadable sslcert: the TLS check fails naming the file', async () => {
    const { key } = lab.clientCert(AUTH_ROLES.cert)
    const report = await check(
      settingsFor(lab.port, AUTH_ROLES.cert, { sslCert: '/nonexistent/client.crt', sslKey: key }),
      TIMEOUTS,
    )
    const tls = report.checks.find((c) => c.id === 'tls')!
    expect(tls.reason).toBe('client_cert_required')
    expect(tls.summary).toContain('/nonexistent/client.crt')
  })
})

describe('methods the lab’s builds cannot configure, from a fake speaking PostgreSQL’s messages', () => {
  it.each([
    ['gss', [authRequest(7)]],
    ['sspi', [authRequest(9)]],
    ['kerberos-v5', [authRequest(2)]],
    ['request 42', [authRequest(42)]],
    ['oauth', [saslRequest(['OAUTHBEARER'])]],
  ] as const)('%s: auth_method_unsupported, a failed check, never a crash', async (method, steps) => {
    const f = await fake(() => [...steps])
    const settings = settingsFor(f.port, 'klairr_reader')
    const report = await check(settings)
    const a = auth(report)
    expect(statusLine(report), a.summary).toBe('PPF---')
    expect(a.reason).toBe('auth_method_unsupported')
    expect(a.troubleshooting).toBe('authentication_failed')
    expect(a.evidence.authMethod).toBe(method)
    expect(a.summary).toContain(method)
    expect(adviceFor(a, settings)).not.toBeNull()
    expectNoPassword(report)
  })

  it.each([
    ['ldap', 'LDAP'],
    ['pam', 'PAM'],
    ['bsd', 'BSD'],
  ])('%s: the password goes out, the directory says no: external_auth_failed', async (method, name) => {
    const f = await fake((user) => [
      authRequest(3),
      'password',
      fatal('28000', `${name} authentication failed for user "${user}"`),
      'end',
    ])
    const settings = settingsFor(f.port, 'klairr_reader')
    const report = await check(settings)
    const a = auth(report)
    expect(a.reason).toBe('external_auth_failed')
    expect(a.evidence.authMethod).toBe(method)
    expect(f.passwordMessages).toBe(1)
    expectNoHbaAdvice(a, settings)
    expectNoPassword(report)
  })

  it('a certificate whose CN is not the role: client_cert_rejected', async () => {
    const f = await fake((user) => [
      fatal('28000', `certificate authentication failed for user "${user}"`),
      'end',
    ])
    const settings = settingsFor(f.port, 'klairr_reader')
    const a = auth(await check(settings))
    expect(a).toMatchObject({ reason: 'client_cert_rejected', evidence: { authMethod: 'cert' } })
    expectNoHbaAdvice(a, settings)
  })

  it('a TLS server that requires a client certificate: client_cert_required', async () => {
    const f = await fake(() => [], { requireClientCert: true })
    const a = auth(await check(settingsFor(f.port, 'klairr_reader')))
    expect(a.reason).toBe('client_cert_required')
    expect(a.troubleshooting).toBe('authentication_failed')
  })

  it('a message that is not PostgreSQL protocol during startup: auth_error, not a crash', async () => {
    const f = await fake(() => [message('!', Buffer.from('nonsense'))])
    const a = auth(await check(settingsFor(f.port, 'klairr_reader')))
    expect(a).toMatchObject({
      status: 'fail',
      reason: 'auth_error',
      troubleshooting: 'authentication_failed',
    })
  })
})

describe('the CLI', () => {
  const args = (port: number, username: string) => [
    'check',
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--dbname',
    LAB_DATABASE,
    '--username',
    username,
    '--private-network',
  ]
  const env = { PGPASSWORD: LAB_PASSWORD }

  it('exits 1 on a gss line, with the reason and no stack trace', async () => {
    const f = await fake(() => [authRequest(7)])
    const human = await runCli(args(f.port, 'klairr_reader'), { env })
    expect(human.code).toBe(1)
    expect(human.stdout + human.stderr).toMatch(/auth_method_unsupported|gss/)
    expect(human.stdout + human.stderr).not.toMatch(/\n\s+at |Unknown authenticationOk/)
    const json = await runCli([...args(f.port, 'klairr_reader'), '--json'], { env })
    expect(json.code).toBe(1)
    const report = JSON.parse(json.stdout) as CheckReport
    expect(auth(report)).toMatchObject({ reason: 'auth_method_unsupported', evidence: { authMethod: 'gss' } })
    expect(json.stderr).not.toMatch(/\n\s+at /)
    for (const out of [human, json]) expect(out.stdout + out.stderr).not.toContain(LAB_PASSWORD)
  })

  it('a client certificate from the connection string or PGSSLCERT/PGSSLKEY logs in as cert', async () => {
    const { cert, key } = lab.clientCert(AUTH_ROLES.cert)
    const conninfo = `host=127.0.0.1 port=${lab.port} dbname=${LAB_DATABASE} user=${AUTH_ROLES.cert} sslcert=${cert} sslkey=${key}`
    const fromString = await runCli(['check', conninfo, '--private-network', '--json'])
    expect(fromString.code, fromString.stderr).toBe(0)
    expect(auth(JSON.parse(fromString.stdout) as CheckReport).evidence.authMethod).toBe('cert')
    const fromEnv = await runCli([...args(lab.port, AUTH_ROLES.cert), '--json'], {
      env: { PGSSLCERT: cert, PGSSLKEY: key },
    })
    expect(fromEnv.code, fromEnv.stderr).toBe(0)
  })

  it('md5 exits 0 with the md5_password warning; ident exits 1 as external_auth_failed', async () => {
    const md5 = await runCli([...args(lab.port, AUTH_ROLES.md5), '--json'], { env })
    expect(md5.code, md5.stderr).toBe(0)
    const report = JSON.parse(md5.stdout) as CheckReport
    expect(report.verdict).toBe('ready_with_warnings')
    expect(auth(report)).toMatchObject({
      status: 'warn',
      reason: 'md5_password',
      evidence: { authMethod: 'md5' },
    })
    const ident = await runCli(args(lab.port, AUTH_ROLES.ident), { env })
    expect(ident.code).toBe(1)
    expect(ident.stdout).toMatch(/external_auth_failed|ident/i)
    for (const out of [md5, ident]) expect(out.stdout + out.stderr).not.toContain(LAB_PASSWORD)
  })
})
