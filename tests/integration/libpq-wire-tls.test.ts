import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ConnectionSettings } from '../../src-main/core/connection/settings.js'
import type { CheckReport } from '../../src-main/core/checks/types.js'
import { adviceFor } from '../../src-main/core/diagnosis/advice.js'
import { psqlArgv } from '../../src-main/core/diagnosis/advice-parts.js'
import { revocationList } from '../lab/certs.js'
import { startFakeTlsPg, type FakeTlsPg } from '../lab/fake-tls-pg.js'
import { LAB_PASSWORD } from '../lab/seed.js'
import { check, lab, labSettings, statusLine } from './helpers.js'

// libpq's TLS keywords on the wire: hostaddr, sslsni, sslcrl, ssl_min/max_protocol_version.

const reader = (
  major: number,
  variant: Parameters<typeof labSettings>[1],
  over: Partial<ConnectionSettings> = {},
) => ({
  ...labSettings(major, variant, { username: 'klairr_reader' }),
  ...over,
})

function expectOneLineNoPassword(report: CheckReport): void {
  for (const c of report.checks) expect(c.summary).not.toMatch(/\n/)
  expect(JSON.stringify(report)).not.toContain(LAB_PASSWORD)
}

/** The wrongHost server (its certificate names db.wrong.example) dialled at 127.0.0.1 under verify-full. */
const throughAddress = (host: string) =>
  reader(18, 'wrongHost', { host, hostaddr: '127.0.0.1', sslMode: 'verify-full', sslRootCert: lab().caCert })

describe('hostaddr: the address dialled; host the name verified and sent as SNI', () => {
  it('verify-full passes on a certificate for another name when host names it and hostaddr dials 127.0.0.1', async () => {
    const report = await check(throughAddress('db.wrong.example'))
    expect(statusLine(report), report.checks[1]?.summary).toBe('PPPPPP')
    expect(report.checks[0]?.evidence).toMatchObject({
      hostaddr: '127.0.0.1',
      verifiedName: 'db.wrong.example',
      connectedAddress: '127.0.0.1',
    })
    expect(report.checks[0]?.summary).toMatch(/hostaddr 127\.0\.0\.1, no DNS/)
    expect(report.checks[1]?.evidence.hostnameChecked).toBe(true)
  })

  it('the same server with host=localhost fails verify-full with cert_hostname_mismatch', async () => {
    const settings = throughAddress('localhost')
    const report = await check(settings)
    expect(statusLine(report)).toBe('PF----')
    expect(report.checks[1]).toMatchObject({ reason: 'cert_hostname_mismatch' })
    expect(report.checks[1]?.summary).toMatch(/localhost/)
    expectOneLineNoPassword(report)
    // The advice reproduces the same connection: the address dialled, the name sent and verified.
    const commands = adviceFor(report.checks[1]!, settings)!
      .commands.map((c) => c.command)
      .join('\n')
    expect(commands).toContain(`-connect 127.0.0.1:${settings.port} -servername localhost`)
    expect(psqlArgv(settings)[1]).toMatch(/^host=localhost hostaddr=127\.0\.0\.1 port=\d+ /)
  })

  it('a hostaddr that is not an IP address fails without DNS', async () => {
    const report = await check(reader(18, 'main', { hostaddr: 'not-an-address' }))
    expect(report.checks[0]).toMatchObject({ status: 'fail', reason: 'dns_not_found' })
  })
})

describe('sslsni', () => {
  let fake: FakeTlsPg
  beforeAll(async () => {
    fake = await startFakeTlsPg()
  })
  afterAll(() => fake.close())

  it('sends host as SNI by default, and nothing with sslsni=0', async () => {
    const base = { ...reader(18, 'main'), host: 'localhost', port: fake.port }
    await check(base)
    await check({ ...base, sslSni: false })
    expect(fake.serverNames).toEqual(['localhost', null])
  })

  it('hostaddr does not change the name sent: host is', async () => {
    fake.serverNames.length = 0
    await check({ ...reader(18, 'main'), host: 'db.example.test', hostaddr: '127.0.0.1', port: fake.port })
    expect(fake.serverNames).toEqual(['db.example.test'])
  })
})

describe('sslcrl', () => {
  const certs = () => dirname(lab().caCert)

  it('a revocation list that revokes the server certificate fails the TLS check with cert_revoked', async () => {
    const crl = revocationList(certs(), [join(certs(), 'good.crt')])
    const settings = reader(18, 'main', {
      sslMode: 'verify-full',
      sslRootCert: lab().caCert,
      sslCrl: crl,
      host: 'localhost',
    })
    const report = await check(settings)
    expect(statusLine(report)).toBe('PF----')
    expect(report.checks[1]).toMatchObject({
      reason: 'cert_revoked',
      troubleshooting: 'tls_handshake_failed',
    })
    expect(report.checks[1]?.summary).toMatch(/revoked/)
    expect(adviceFor(report.checks[1]!, settings)?.meaning).toMatch(/revoked/)
    expectOneLineNoPassword(report)
  })

  it('a list from the same CA that revokes nothing passes', async () => {
    const crl = revocationList(certs(), [])
    const report = await check(
      reader(18, 'main', { sslMode: 'verify-ca', sslRootCert: lab().caCert, sslCrl: crl }),
    )
    expect(statusLine(report)).toBe('PPPPPP')
  })

  it('an unreadable sslcrl file fails with cert_crl_unreadable', async () => {
    const report = await check(
      reader(18, 'main', { sslMode: 'verify-ca', sslRootCert: lab().caCert, sslCrl: '/nonexistent/crl.pem' }),
    )
    expect(report.checks[1]).toMatchObject({ status: 'fail', reason: 'cert_crl_unreadable' })
  })
})

describe('ssl_min_protocol_version / ssl_max_protocol_version', () => {
  it('TLSv1.3 as the minimum against a server that stops at TLSv1.1 fails cleanly', async () => {
    const settings = reader(18, 'oldTls', { sslMinProtocolVersion: 'TLSv1.3' })
    const report = await check(settings)
    expect(statusLine(report)).toBe('PF----')
    expect(report.checks[1]).toMatchObject({ reason: 'tls_version_unsupported' })
    expect(report.checks[1]?.summary).toMatch(/TLSv1\.3 or newer/)
    expect(adviceFor(report.checks[1]!, settings)?.meaning).toMatch(/ssl_min_protocol_version=TLSv1\.3/)
  })

  it('TLSv1 as the minimum says honestly that this OpenSSL refuses it', async () => {
    const report = await check(reader(18, 'oldTls', { sslMinProtocolVersion: 'TLSv1' }))
    expect(report.checks[1]).toMatchObject({ status: 'fail', reason: 'tls_version_unsupported' })
    expect(report.checks[1]?.summary).toMatch(/default security level/)
  })

  it('a maximum of TLSv1.2 is honoured: TLSv1.2 is negotiated', async () => {
    const report = await check(reader(18, 'main', { sslMaxProtocolVersion: 'TLSv1.2' }))
    expect(statusLine(report)).toBe('PPPPPP')
    expect(report.tls?.protocol).toBe('TLSv1.2')
  })

  it('TLSv1.3 both ways on a current server negotiates TLSv1.3', async () => {
    const report = await check(reader(18, 'main', { sslMinProtocolVersion: 'TLSv1.3' }))
    expect(report.tls?.protocol).toBe('TLSv1.3')
  })
})
