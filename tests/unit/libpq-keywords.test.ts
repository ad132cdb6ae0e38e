import { describe, expect, it } from 'vitest'
import { FIELD_BY_KEYWORD } from '../../src-main/core/connection/fields.js'
import { resolveSettings } from '../../src-main/core/connection/resolve-settings.js'

/**
 * libpq's full keyword list: PQconninfoOptions in PostgreSQL 18's src/interfaces/libpq/fe-connect.c
 * (REL_18_STABLE), in its order, with each keyword's environment variable (null: none).
 */
const LIBPQ_18_KEYWORDS: [string, string | null][] = [
  ['service', 'PGSERVICE'],
  ['servicefile', 'PGSERVICEFILE'],
  ['user', 'PGUSER'],
  ['password', 'PGPASSWORD'],
  ['passfile', 'PGPASSFILE'],
  ['channel_binding', 'PGCHANNELBINDING'],
  ['connect_timeout', 'PGCONNECT_TIMEOUT'],
  ['dbname', 'PGDATABASE'],
  ['host', 'PGHOST'],
  ['hostaddr', 'PGHOSTADDR'],
  ['port', 'PGPORT'],
  ['client_encoding', 'PGCLIENTENCODING'],
  ['options', 'PGOPTIONS'],
  ['application_name', 'PGAPPNAME'],
  ['fallback_application_name', null],
  ['keepalives', null],
  ['keepalives_idle', null],
  ['keepalives_interval', null],
  ['keepalives_count', null],
  ['tcp_user_timeout', null],
  ['sslmode', 'PGSSLMODE'],
  ['sslnegotiation', 'PGSSLNEGOTIATION'],
  ['sslcompression', 'PGSSLCOMPRESSION'],
  ['sslcert', 'PGSSLCERT'],
  ['sslkey', 'PGSSLKEY'],
  ['sslcertmode', 'PGSSLCERTMODE'],
  ['sslpassword', null],
  ['sslrootcert', 'PGSSLROOTCERT'],
  ['sslcrl', 'PGSSLCRL'],
  ['sslcrldir', 'PGSSLCRLDIR'],
  ['sslsni', 'PGSSLSNI'],
  ['requirepeer', 'PGREQUIREPEER'],
  ['require_auth', 'PGREQUIREAUTH'],
  ['min_protocol_version', 'PGMINPROTOCOLVERSION'],
  ['max_protocol_version', 'PGMAXPROTOCOLVERSION'],
  ['ssl_min_protocol_version', 'PGSSLMINPROTOCOLVERSION'],
  ['ssl_max_protocol_version', 'PGSSLMAXPROTOCOLVERSION'],
  ['gssencmode', 'PGGSSENCMODE'],
  ['krbsrvname', 'PGKRBSRVNAME'],
  ['gsslib', 'PGGSSLIB'],
  ['gssdelegation', 'PGGSSDELEGATION'],
  ['replication', null],
  ['target_session_attrs', 'PGTARGETSESSIONATTRS'],
  ['load_balance_hosts', 'PGLOADBALANCEHOSTS'],
  ['scram_client_key', null],
  ['scram_server_key', null],
  ['sslkeylogfile', null],
  ['oauth_issuer', null],
  ['oauth_client_id', null],
  ['oauth_client_secret', null],
  ['oauth_scope', null],
]

/** Implemented: a value, and what it must make of the settings (checked with toMatchObject). */
const IMPLEMENTED: Record<string, [string, object]> = {
  servicefile: ['/tmp/svc.conf', { serviceFile: '/tmp/svc.conf' }],
  user: ['reader', { username: 'reader' }],
  passfile: ['/tmp/pgpass', { passFile: '/tmp/pgpass' }],
  channel_binding: ['require', { channelBinding: 'require' }],
  connect_timeout: ['7', { connectTimeoutSeconds: 7 }],
  dbname: ['analytics', { database: 'analytics' }],
  host: ['db.example.com', { host: 'db.example.com' }],
  hostaddr: ['192.0.2.7', { hostaddr: '192.0.2.7' }],
  port: ['6432', { port: 6432 }],
  client_encoding: ['UTF8', {}],
  options: ['-c endpoint=ep-1', { options: '-c endpoint=ep-1' }],
  application_name: ['app', { applicationName: 'app' }],
  fallback_application_name: ['fb', { applicationName: 'fb' }],
  keepalives: ['0', { keepalives: { enabled: false } }],
  keepalives_idle: ['45', { keepalives: { enabled: true, idleSeconds: 45 } }],
  sslmode: ['verify-full', { sslMode: 'verify-full' }],
  sslnegotiation: ['direct', { sslNegotiation: 'direct' }],
  sslcompression: ['1', {}],
  sslrootcert: ['system', { sslRootCert: 'system' }],
  sslcertmode: ['allow', {}],
  sslcrl: ['/tmp/crl.pem', { sslCrl: '/tmp/crl.pem' }],
  sslsni: ['0', { sslSni: false }],
  require_auth: ['scram-sha-256', { requireAuth: 'scram-sha-256' }],
  ssl_min_protocol_version: ['TLSv1.3', { sslMinProtocolVersion: 'TLSv1.3' }],
  ssl_max_protocol_version: ['TLSv1.3', { sslMaxProtocolVersion: 'TLSv1.3' }],
  target_session_attrs: ['standby', { targetSessionAttrs: 'standby' }],
  load_balance_hosts: ['random', { loadBalanceHosts: true }],
}
/** Implemented, but checked apart: secrets, files read beforehand, and a pair. */
const APART: Record<string, string> = {
  service: 'the service file: service-file.test.ts and resolve-settings.test.ts',
  password: 'a Secret: secret.test.ts',
  sslpassword: 'a Secret: below',
  sslcert: 'needs sslkey: below',
  sslkey: 'needs sslcert: below',
}
/** Refused: a value libpq would act on. */
const REFUSED: Record<string, string> = {
  client_encoding: 'LATIN1',
  keepalives_interval: '10',
  keepalives_count: '3',
  tcp_user_timeout: '1000',
  sslcertmode: 'require',
  sslcrldir: '/etc/crl.d',
  requirepeer: 'postgres',
  min_protocol_version: '3.2',
  max_protocol_version: 'latest',
  gssencmode: 'require',
  krbsrvname: 'postgres',
  gsslib: 'gssapi',
  gssdelegation: '1',
  replication: 'database',
  scram_client_key: 'abcd',
  scram_server_key: 'abcd',
  sslkeylogfile: '/tmp/keys.log',
  oauth_issuer: 'https://issuer.example.com',
  oauth_client_id: 'klairr',
  oauth_client_secret: 'hunter2',
  oauth_scope: 'openid',
}

const resolve = (connectionString: string, env: NodeJS.ProcessEnv = {}) =>
  resolveSettings({ connectionString }, env)

describe('every libpq 18 keyword is implemented or refused: none is ignored silently', () => {
  it('the fields table knows exactly libpq’s keywords and variables', () => {
    expect([...FIELD_BY_KEYWORD.keys()].sort()).toEqual(LIBPQ_18_KEYWORDS.map(([k]) => k).sort())
    for (const [keyword, env] of LIBPQ_18_KEYWORDS)
      expect(FIELD_BY_KEYWORD.get(keyword)?.env ?? null, keyword).toBe(env)
  })

  it.each(LIBPQ_18_KEYWORDS.map(([k]) => k))('%s', (keyword) => {
    const implemented = IMPLEMENTED[keyword]
    const refused = REFUSED[keyword]
    expect(implemented || refused || APART[keyword], `${keyword} has no verdict`).toBeTruthy()
    if (implemented) {
      const [value, expected] = implemented
      const r = resolve(`${keyword}='${value}'`)
      expect(r.ok && r.settings, keyword).toMatchObject(expected)
    }
    if (refused) {
      const r = resolve(`${keyword}='${refused}'`)
      expect(r.ok).toBe(false)
      if (r.ok) return
      expect(r.problems).toHaveLength(1)
      expect(r.problems[0]!.message).toMatch(
        new RegExp(`^connection option "${keyword}" is not supported: \\S`),
      )
      expect(r.problems[0]!.message).not.toContain('\n')
      expect(r.problems[0]!.message).not.toContain('hunter2')
    }
  })

  it.each(LIBPQ_18_KEYWORDS.filter(([k, env]) => env && REFUSED[k]).map(([k, env]) => [env!, k]))(
    'the variable %s, set to a value libpq would act on, is refused by name',
    (env, keyword) => {
      const r = resolve('', { [env]: REFUSED[keyword]! })
      expect(r.ok).toBe(false)
      if (r.ok) return
      expect(r.problems[0]!.message).toMatch(
        new RegExp(`^environment variable ${env} \\(connection option "${keyword}"\\) is not supported: \\S`),
      )
    },
  )

  it('sslcert, sslkey and sslpassword go together, the passphrase as a Secret', () => {
    const r = resolve("sslcert=/c.crt sslkey=/c.key sslpassword='pass phrase'")
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.settings).toMatchObject({ sslCert: '/c.crt', sslKey: '/c.key' })
    expect(r.settings.sslPassword?.reveal()).toBe('pass phrase')
    expect(JSON.stringify(r.settings)).not.toContain('pass phrase')
  })

  it('an unknown keyword stays refused', () => {
    const r = resolve('requiressl=1')
    expect(r.ok).toBe(false)
    expect(!r.ok && r.problems[0]!.message).toBe('unknown connection option "requiressl"')
  })
})
