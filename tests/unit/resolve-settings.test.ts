import { describe, expect, it } from 'vitest'
import { resolveSettings, resolveSettingsOrThrow } from '../../src-main/core/connection/resolve-settings.js'

describe('resolveSettingsOrThrow', () => {
  it('uses libpq precedence: explicit values, then the connection string, then PG* variables, then defaults', () => {
    const env = {
      PGHOST: 'env-host',
      PGPORT: '6000',
      PGDATABASE: 'envdb',
      PGUSER: 'envuser',
      PGSSLMODE: 'verify-ca',
      PGPASSWORD: 'envpw',
    }
    expect(resolveSettingsOrThrow({}, env)).toMatchObject({
      host: 'env-host',
      port: 6000,
      database: 'envdb',
      username: 'envuser',
      sslMode: 'verify-ca',
    })
    expect(resolveSettingsOrThrow({}, env).password?.reveal()).toBe('envpw')
    expect(resolveSettingsOrThrow({ connectionString: 'host=str-host dbname=strdb' }, env)).toMatchObject({
      host: 'str-host',
      database: 'strdb',
      port: 6000,
    })
    expect(
      resolveSettingsOrThrow({ connectionString: 'host=str-host', host: 'flag-host', port: 7000 }, env),
    ).toMatchObject({ host: 'flag-host', port: 7000 })
  })

  it('defaults like the guide: port 5432, schema public, sslmode require, both flags No, database = user', () => {
    expect(resolveSettingsOrThrow({ username: 'klairr_reader' }, {})).toEqual({
      host: 'localhost',
      port: 5432,
      database: 'klairr_reader',
      schema: 'public',
      username: 'klairr_reader',
      sslMode: 'require',
      privateNetwork: false,
      allowWritableRole: false,
    })
  })

  it.each([
    [{ port: '0' }, /port must be a whole number from 1 to 65535/],
    [{ port: '5432x' }, /port must be/],
    [{ port: 65536 }, /port must be/],
    [{ sslMode: 'sometimes' }, /sslmode must be one of/],
    [{ host: '/tmp' }, /Unix-domain sockets/],
    [{ schema: '' }, /schema must not be empty/],
    [{ connectionString: 'port=99999' }, /port must be/],
  ])('rejects %j', (input, message) => {
    expect(() => resolveSettingsOrThrow(input, {})).toThrow(message)
  })

  it('returns every problem as a value, each named against its field, in the table’s order', () => {
    const r = resolveSettings(
      { connectionString: 'sslmode=sometimes require_auth=md5,!gss', port: '0', schema: '' },
      {},
    )
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.problems.map((p) => p.field)).toEqual(['port', 'schema', 'sslMode', 'require_auth'])
    expect(r.problems[3]!.message).toMatch(/cannot be mixed with non-negative methods/)
  })

  it('the app: required fields and PEM-only certificates, without defaults from the OS or PG*', () => {
    const r = resolveSettings(
      { host: '', database: '', username: '', schema: 'public', sslRootCert: '/etc/ca.pem', sslCert: 'x' },
      { PGHOST: 'env-host' },
      { app: true },
    )
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.problems.map((p) => p.field)).toEqual(['database', 'username', 'sslRootCert', 'sslCert'])
  })

  it('the service file’s section sits between the connection string and the PG* variables', () => {
    const service = { name: 'prod', file: '/x', params: { host: 'svc-host', port: '6000', dbname: 'svcdb' } }
    const s = resolveSettingsOrThrow(
      { connectionString: 'service=prod dbname=strdb' },
      { PGHOST: 'env-host', PGUSER: 'envuser', PGPORT: '7000' },
      { service },
    )
    expect(s).toMatchObject({
      host: 'svc-host',
      port: 6000,
      database: 'strdb',
      username: 'envuser',
      service: 'prod',
    })
  })

  it('a service that was not looked up is a problem, not a silent default', () => {
    expect(() => resolveSettingsOrThrow({ connectionString: 'service=prod' }, {})).toThrow(
      /"service" is not supported here/,
    )
  })

  it.each([
    [
      'host=a,b port=5432',
      [
        { host: 'a', port: 5432 },
        { host: 'b', port: 5432 },
      ],
    ],
    [
      'host=a,b port=5432,5433',
      [
        { host: 'a', port: 5432 },
        { host: 'b', port: 5433 },
      ],
    ],
    [
      'host=a,b port=,5433',
      [
        { host: 'a', port: 5432 },
        { host: 'b', port: 5433 },
      ],
    ],
    [
      'host=a,b hostaddr=10.0.0.1,10.0.0.2',
      [
        { host: 'a', port: 5432, hostaddr: '10.0.0.1' },
        { host: 'b', port: 5432, hostaddr: '10.0.0.2' },
      ],
    ],
    ['hostaddr=10.0.0.1', [{ host: '10.0.0.1', port: 5432, hostaddr: '10.0.0.1' }]],
    [
      'postgresql://a:1,b:2/db',
      [
        { host: 'a', port: 1 },
        { host: 'b', port: 2 },
      ],
    ],
  ])('splits %s as libpq does', (connectionString, hosts) => {
    const s = resolveSettingsOrThrow({ connectionString, username: 'u' }, {})
    const [first, ...more] = hosts
    expect({ host: s.host, port: s.port, ...(s.hostaddr ? { hostaddr: s.hostaddr } : {}) }).toEqual(first)
    expect(s.moreHosts ?? []).toEqual(more)
  })

  it.each([
    ['host=a,b port=1,2,3', /could not match 3 port numbers to 2 hosts/],
    ['host=a,b hostaddr=10.0.0.1', /could not match 2 host names to 1 hostaddr values/],
    ['hostaddr=db.example.com', /hostaddr must be an IP address/],
    [
      'sslnegotiation=direct sslmode=prefer',
      /weak sslmode "prefer" may not be used with sslnegotiation=direct/,
    ],
    [
      'ssl_min_protocol_version=TLSv1.3 ssl_max_protocol_version=TLSv1.2',
      /invalid SSL protocol version range/,
    ],
    ['require_auth=kerberos', /invalid require_auth method: "kerberos"/],
    ['require_auth=md5,md5', /specified more than once/],
    ['connect_timeout=soon', /connect_timeout must be a whole number/],
    ['target_session_attrs=primary-ish', /target_session_attrs must be one of/],
    ['load_balance_hosts=yes', /load_balance_hosts must be one of disable, random/],
    ['sslcert=/c.crt', /certificate present, but not private key file/],
  ])('refuses %s in one line', (connectionString, message) => {
    expect(() => resolveSettingsOrThrow({ connectionString, username: 'u' }, {})).toThrow(message)
  })

  it('reads the new keywords with libpq’s meaning', () => {
    const s = resolveSettingsOrThrow(
      {
        connectionString:
          "host=db sslmode=verify-full sslnegotiation=direct channel_binding=require require_auth='!md5,!password' target_session_attrs=read-write load_balance_hosts=random connect_timeout=1 fallback_application_name=fb options='-c endpoint=ep-1' sslsni=0 ssl_min_protocol_version=tlsv1.3 sslcrl=/crl.pem keepalives=1 keepalives_idle=30 sslcompression=1 gssencmode=disable",
        username: 'u',
      },
      {},
    )
    expect(s).toMatchObject({
      sslNegotiation: 'direct',
      channelBinding: 'require',
      requireAuth: '!md5,!password',
      targetSessionAttrs: 'read-write',
      loadBalanceHosts: true,
      connectTimeoutSeconds: 2,
      applicationName: 'fb',
      options: '-c endpoint=ep-1',
      sslSni: false,
      sslMinProtocolVersion: 'TLSv1.3',
      sslCrl: '/crl.pem',
      keepalives: { enabled: true, idleSeconds: 30 },
    })
  })

  it('sslcertmode=disable sends no client certificate, not even the default one', () => {
    const opts = {
      defaultClientCert: { cert: '/h/.postgresql/postgresql.crt', key: '/h/k', keyPath: '/h/k' },
    }
    expect(resolveSettingsOrThrow({ username: 'u' }, {}, opts)).toMatchObject({
      sslCert: '/h/.postgresql/postgresql.crt',
      sslKey: '/h/k',
    })
    const off = resolveSettingsOrThrow({ connectionString: 'sslcertmode=disable', username: 'u' }, {}, opts)
    expect(off.sslCert).toBeUndefined()
    expect(off.sslKey).toBeUndefined()
  })

  it('a PG* variable of a refused keyword is refused, naming the variable; unless the string sets the keyword', () => {
    expect(() => resolveSettingsOrThrow({ username: 'u' }, { PGGSSENCMODE: 'require' })).toThrow(
      /^environment variable PGGSSENCMODE \(connection option "gssencmode"\) is not supported: GSSAPI/,
    )
    expect(
      resolveSettingsOrThrow(
        { connectionString: 'gssencmode=disable', username: 'u' },
        { PGGSSENCMODE: 'require' },
      ),
    ).toMatchObject({ username: 'u' })
    expect(() => resolveSettingsOrThrow({ username: 'u' }, { PGPORT: 'x' })).toThrow(
      /port must be a whole number from 1 to 65535, not "x" \(from PGPORT\)/,
    )
  })
})
