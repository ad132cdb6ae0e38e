import { describe, expect, it } from 'vitest'
import { adviceFor } from '../../src-main/core/diagnosis/advice.js'
import { footer } from '../../src-main/cli/render-report.js'
import type { CheckReport, CheckResult, ReasonCode } from '../../src-main/core/checks/types.js'
import { PROVIDER_IDS } from '../../src-main/core/diagnosis/provider.js'
import { exampleSettings } from '../support/example-settings.js'

const at = (host: string) => exampleSettings({ host })
const RDS = 'db1.abcdefghijkl.us-east-1.rds.amazonaws.com'
const AZURE = 'mydemoserver.postgres.database.azure.com'
const SUPABASE_POOLER = 'aws-0-eu-central-1.pooler.supabase.com'
const NEON = 'ep-cool-darkness-a1b2c3d4-pooler.us-east-2.aws.neon.tech'
const text = (reason: ReasonCode, host: string, provider?: (typeof PROVIDER_IDS)[number] | null) =>
  JSON.stringify(
    adviceFor({ reason, evidence: { clientAddress: '203.0.113.9' } }, at(host), {
      dialect: 'posix',
      provider,
    }),
  )

describe('advice that knows the managed service', () => {
  it('a self-hosted server keeps the pg_hba.conf advice', () => {
    expect(text('pg_hba_rejected', 'db.example.com')).toContain('pg_hba.conf line')
  })

  it('Azure: a rejection is a firewall rule, with the server name in the az command', () => {
    const t = text('pg_hba_rejected', AZURE)
    expect(t).toMatch(/firewall rule/)
    expect(t).not.toContain('pg_hba.conf line')
    expect(t).toContain(
      'az postgres flexible-server firewall-rule create --resource-group <resource group> --name mydemoserver',
    )
    expect(t).toContain('203.0.113.9')
  })

  it('RDS: security groups for a timeout; rds_iam, rds.force_ssl; the CA bundle for verify-full', () => {
    expect(text('tcp_timeout', RDS)).toMatch(/security group/)
    expect(text('pg_hba_rejected', RDS)).toMatch(/rds\.force_ssl/)
    expect(text('password_invalid', RDS)).toMatch(/rds_iam/)
    expect(text('cert_untrusted', RDS)).toContain('global-bundle.pem')
  })

  it('Cloud SQL (told by the certificate): authorized networks, the Auth Proxy, client certificates', () => {
    expect(text('tcp_timeout', '34.118.20.7', 'gcp_cloudsql')).toMatch(/Authorized networks[\s\S]*Auth Proxy/)
    expect(text('pg_hba_rejected', '34.118.20.7', 'gcp_cloudsql')).toMatch(/client certificate/)
    expect(text('tcp_timeout', '34.118.20.7')).not.toMatch(/Cloud SQL/)
  })

  it('Supabase: the pooler user name user.project, and 6543 vs 5432', () => {
    const t = text('password_invalid', SUPABASE_POOLER)
    expect(t).toContain('<role>.<project-ref>')
    expect(t).toMatch(/6543[\s\S]*5432/)
  })

  it('Neon: cold starts, and the endpoint option for a client without SNI', () => {
    expect(text('tcp_timeout', NEON)).toMatch(/cold start/)
    expect(text('password_invalid', NEON)).toContain('endpoint=<endpoint-id>')
  })

  it('RDS: PAM authentication failed is rds_iam; Neon: no SNI, cold start; Supabase: tenant/user not found', () => {
    expect(text('external_auth_failed', RDS)).toContain('REVOKE rds_iam FROM klairr_reader;')
    expect(text('auth_error', NEON)).toMatch(/SNI/)
    expect(text('startup_timeout', NEON)).toMatch(/cold start/)
    expect(text('auth_error', SUPABASE_POOLER)).toContain('<role>.<project-ref>')
  })

  it('an explicit null provider means self-hosted advice even for a provider host', () => {
    expect(text('pg_hba_rejected', AZURE, null)).toContain('pg_hba.conf line')
  })

  it('no specialised advice carries a command built outside shell-command.ts', () => {
    for (const reason of [
      'tcp_timeout',
      'pg_hba_rejected',
      'cert_untrusted',
      'password_invalid',
      'external_auth_failed',
      'auth_error',
      'startup_timeout',
    ] as const)
      for (const id of PROVIDER_IDS) {
        const advice = adviceFor({ reason, evidence: {} }, at('x.example'), {
          dialect: 'posix',
          provider: id,
        })!
        expect(advice.steps.length).toBeGreaterThan(0)
        expect(advice.meaning.length).toBeGreaterThan(10)
      }
  })
})

describe('the CLI footer', () => {
  const failed: CheckResult = {
    id: 'auth',
    status: 'fail',
    durationMs: 3,
    summary: 'rejected',
    reason: 'pg_hba_rejected',
    troubleshooting: 'authentication_failed',
    evidence: { clientAddress: '203.0.113.9' },
  }
  const report = (provider: CheckReport['provider']): CheckReport => ({
    verdict: 'blocked',
    checks: [failed],
    server: null,
    tls: null,
    network: null,
    provider,
    cancelled: false,
  })

  it('names the provider and how it was told, and its advice follows the report', () => {
    const out = footer(
      report({ id: 'gcp_cloudsql', name: 'Google Cloud SQL', via: 'certificate' }),
      at('34.118.20.7'),
      {
        color: false,
      },
    )
    expect(out).toContain('Provider: Google Cloud SQL (from the certificate issuer)')
    expect(out).toMatch(/client certificate/)
  })

  it('prints no provider line when there is none', () => {
    expect(footer(report(null), at('127.0.0.1'), { color: false })).not.toContain('Provider:')
  })

  it('the host name form', () => {
    const out = footer(report({ id: 'aws_rds', name: 'AWS RDS', via: 'host' }), at(RDS), { color: false })
    expect(out).toContain('Provider: AWS RDS (from the host name)')
  })
})
