import { EventEmitter } from 'node:events'
import type { Socket } from 'node:net'
import { describe, expect, it } from 'vitest'
import { authReason, externalAuthMethod } from '../../src-main/core/checks/auth.js'
import {
  completedMethod,
  unansweredMethod,
  watchAuthRequests,
} from '../../src-main/core/connection/auth-request.js'
import { classifyPgFailure } from '../../src-main/core/connection/pg-failure.js'
import { resolveSettingsOrThrow } from '../../src-main/core/connection/resolve-settings.js'
import { secretsOf } from '../../src-main/core/redact.js'
import { authRequest, fatal, saslRequest } from '../lab/fake-auth-pg.js'
import { authenticationOk, parameterStatus } from '../lab/pg-wire.js'

describe('authentication failures are named by method (PostgreSQL’s auth.c wording)', () => {
  it.each([
    [{ code: '28000', message: 'connection requires a valid client certificate' }, 'client_cert_required'],
    [{ code: '28000', message: 'certificate authentication failed for user "x"' }, 'client_cert_rejected'],
    [{ code: '28000', message: '"trust" authentication failed for user "x"' }, 'client_cert_rejected'],
    [{ code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', message: 'alert' }, 'client_cert_required'],
    [{ code: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', message: 'alert' }, 'client_cert_required'],
    [{ code: '28000', message: 'LDAP authentication failed for user "x"' }, 'external_auth_failed'],
    [{ code: '28000', message: 'PAM authentication failed for user "x"' }, 'external_auth_failed'],
    [{ code: '28000', message: 'RADIUS authentication failed for user "x"' }, 'external_auth_failed'],
    [{ code: '28000', message: 'Ident authentication failed for user "x"' }, 'external_auth_failed'],
    [{ code: '28000', message: 'Peer authentication failed for user "x"' }, 'external_auth_failed'],
    [{ code: '28000', message: 'BSD authentication failed for user "x"' }, 'external_auth_failed'],
    [
      {
        code: '28000',
        message: 'no pg_hba.conf entry for host "1.2.3.4", user "x", database "d", SSL encryption',
      },
      'pg_hba_rejected',
    ],
    [{ code: '28000', message: 'authentication failed for user "x": host rejected' }, 'pg_hba_rejected'],
    // Not pg_hba's doing: shown as the server said it, never with pg_hba advice.
    [{ code: '28000', message: 'role "x" does not exist' }, 'auth_error'],
    [{ code: 'EPROTO', message: 'The server’s answer is not valid PostgreSQL protocol' }, 'auth_error'],
  ])('%j → %s', (error, reason) => {
    expect(authReason(error)).toBe(reason)
  })

  it.each([
    ['LDAP authentication failed for user "x"', 'ldap'],
    ['PAM authentication failed for user "x"', 'pam'],
    ['RADIUS authentication failed for user "x"', 'radius'],
    ['Ident authentication failed for user "x"', 'ident'],
    ['Peer authentication failed for user "x"', 'peer'],
    ['BSD authentication failed for user "x"', 'bsd'],
    ['password authentication failed for user "x"', null],
  ])('%s names %s', (message, method) => {
    expect(externalAuthMethod(message)).toBe(method)
  })
})

describe('authentication requests', () => {
  it.each([
    [[7], [], 'gss'],
    [[9], [], 'sspi'],
    [[2], [], 'kerberos-v5'],
    [[42], [], 'request 42'],
    [[10], ['OAUTHBEARER'], 'oauth'],
    [[10], ['X-OTHER'], 'sasl X-OTHER'],
    [[10, 11, 12, 0], ['SCRAM-SHA-256'], null],
    [[5, 0], [], null],
    [[3], [], null],
    [[0], [], null],
  ])('codes %j (mechanisms %j): unanswered %s', (codes, mechanisms, method) => {
    expect(unansweredMethod({ codes, mechanisms })).toBe(method)
  })

  it.each([
    [[0], null, false, 'trust'],
    [[0], null, true, 'cert'],
    [[3, 0], null, false, 'password'],
    [[5, 0], null, false, 'md5'],
    [[5, 0], null, true, 'md5'],
    [[10, 11, 12, 0], 'SCRAM-SHA-256', false, 'scram-sha-256'],
    [[10, 11, 12, 0], 'SCRAM-SHA-256-PLUS', false, 'scram-sha-256-plus'],
  ] as const)('codes %j, mechanism %s, certificate %s: %s', (codes, mechanism, cert, method) => {
    expect(completedMethod({ codes: [...codes], mechanisms: [] }, mechanism, cert)).toBe(method)
  })

  it('the watcher reads requests split across chunks, and stops at AuthenticationOk', () => {
    const stream = new EventEmitter() as unknown as Socket
    const watch = watchAuthRequests(stream)
    const bytes = Buffer.concat([
      saslRequest(['SCRAM-SHA-256-PLUS', 'SCRAM-SHA-256']),
      authRequest(11, Buffer.from('r=abc')),
      authRequest(12, Buffer.from('v=xyz')),
      authenticationOk(),
      parameterStatus('server_version', '18.0'),
      authRequest(7),
    ])
    for (let i = 0; i < bytes.length; i += 3) stream.emit('data', bytes.subarray(i, i + 3))
    expect(watch.seen).toEqual({
      codes: [10, 11, 12, 0],
      mechanisms: ['SCRAM-SHA-256-PLUS', 'SCRAM-SHA-256'],
    })
    expect(stream.listenerCount('data')).toBe(0)
  })

  it('the watcher stops at an ErrorResponse and names GSSAPI before it', () => {
    const stream = new EventEmitter() as unknown as Socket
    const watch = watchAuthRequests(stream)
    stream.emit(
      'data',
      Buffer.concat([authRequest(7), fatal('28000', 'GSSAPI authentication failed for user "x"')]),
    )
    expect(unansweredMethod(watch.seen)).toBe('gss')
    expect(stream.listenerCount('data')).toBe(0)
  })
})

describe('a TLS alert mid-query is a lost connection, not a bug', () => {
  it.each(['ERR_SSL_SSLV3_ALERT_BAD_RECORD_MAC', 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'ECONNRESET'])(
    '%s',
    (code) => {
      expect(classifyPgFailure(Object.assign(new Error('x'), { code }))?.kind).toBe('connection_lost')
    },
  )
})

describe('client certificate settings (sslcert, sslkey, sslpassword)', () => {
  it('come from the connection string and PGSSLCERT/PGSSLKEY; the passphrase is a Secret and swept', () => {
    const s = resolveSettingsOrThrow(
      { connectionString: "host=db user=r sslcert=/c.crt sslkey=/c.key sslpassword='Kp9-pass-phrase-77'" },
      {},
    )
    expect(s).toMatchObject({ sslCert: '/c.crt', sslKey: '/c.key' })
    expect(String(s.sslPassword)).not.toContain('Kp9')
    expect(secretsOf(s).map((x) => x.reveal())).toEqual(['Kp9-pass-phrase-77'])
    const fromEnv = resolveSettingsOrThrow({ host: 'db' }, { PGSSLCERT: '/e.crt', PGSSLKEY: '/e.key' })
    expect(fromEnv).toMatchObject({ sslCert: '/e.crt', sslKey: '/e.key' })
  })
})
