import { describe, expect, it } from 'vitest'
import type { ConnectionSettings } from '../../src-main/core/connection/settings.js'
import { adviceFor } from '../../src-main/core/diagnosis/advice.js'
import { LAB_PASSWORD } from '../lab/seed.js'
import { check, lab, labSettings, statusLine } from './helpers.js'

// sslnegotiation=direct: TLS at once with ALPN "postgresql", no SSLRequest (PostgreSQL 17+).

const direct = (major: number, over: Partial<ConnectionSettings> = {}): ConnectionSettings => ({
  ...labSettings(major, 'main', { username: 'klairr_reader' }),
  sslNegotiation: 'direct',
  ...over,
})

describe('sslnegotiation=direct', () => {
  it.each([17, 18])('passes on PostgreSQL %i: the six checks over direct TLS', async (major) => {
    const report = await check(direct(major))
    expect(statusLine(report), report.checks[1]?.summary).toBe('PPPPPP')
    expect(report.checks[0]?.evidence.sslNegotiation).toBe('direct')
    expect(report.checks[0]?.summary).toMatch(/without SSLRequest/)
    expect(report.checks[1]?.evidence.sslNegotiation).toBe('direct')
    expect(report.tls?.protocol).toMatch(/^TLSv1\.[23]$/)
  })

  it('verify-full holds over direct TLS too: chain and host name verified', async () => {
    const report = await check(
      direct(18, { host: 'localhost', sslMode: 'verify-full', sslRootCert: lab().caCert }),
    )
    expect(statusLine(report)).toBe('PPPPPP')
    expect(report.checks[1]?.summary).toMatch(/chain and host name verified/)
  })

  it.each([12, 16])(
    'fails cleanly on PostgreSQL %i: direct_tls_unsupported, one line, no password',
    async (major) => {
      const settings = direct(major)
      const report = await check(settings)
      expect(statusLine(report)).toBe('PF----')
      const tls = report.checks[1]!
      expect(tls).toMatchObject({ reason: 'direct_tls_unsupported', troubleshooting: 'tls_handshake_failed' })
      expect(tls.summary).toMatch(/PostgreSQL 17 or newer/)
      expect(tls.summary).not.toMatch(/\n/)
      expect(adviceFor(tls, settings)?.steps.join(' ')).toMatch(/sslnegotiation=postgres/)
      expect(JSON.stringify(report)).not.toContain(LAB_PASSWORD)
    },
  )

  it('a weak sslmode is refused with libpq’s words', async () => {
    const report = await check(direct(18, { sslMode: 'prefer' }))
    expect(report.checks[1]).toMatchObject({ status: 'fail', reason: 'tls_disabled' })
    expect(report.checks[1]?.summary).toMatch(/may not be used with sslnegotiation=direct/)
  })
})
