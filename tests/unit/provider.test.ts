import { describe, expect, it } from 'vitest'
import { detectProvider, providerFromHost } from '../../src-main/core/diagnosis/provider.js'
import type { CertificateFacts } from '../../src-main/core/connection/tls-evidence.js'

// Host names as the providers' documentation prints them (the source of each is next to its suffix in
// src-main/core/diagnosis/provider.ts).
const DOCUMENTED: [string, string][] = [
  ['db1.abcdefghijkl.us-east-1.rds.amazonaws.com', 'aws_rds'],
  ['mycluster.cluster-abcdefghijkl.us-east-1.rds.amazonaws.com', 'aws_rds'],
  ['mycluster.cluster-ro-abcdefghijkl.us-east-1.rds.amazonaws.com', 'aws_rds'],
  ['db1.abcdefghijkl.rds.cn-north-1.amazonaws.com.cn', 'aws_rds'],
  ['db1.abcdefghijkl.cn-north-1.rds.amazonaws.com.cn', 'aws_rds'],
  ['mydemoserver.postgres.database.azure.com', 'azure_flexible'],
  ['db.apbkobhfnmcqqzqeeqss.supabase.co', 'supabase'],
  ['aws-0-eu-central-1.pooler.supabase.com', 'supabase'],
  ['ep-cool-darkness-a1b2c3d4.us-east-2.aws.neon.tech', 'neon'],
  ['ep-cool-darkness-a1b2c3d4-pooler.us-east-2.aws.neon.tech', 'neon'],
  ['p.43lmodgbqvdmlpbjirv22dfciu.db.postgresbridge.com', 'crunchy_bridge'],
  ['db-postgresql-blr1-22517-do-user-1234567-0.db.ondigitalocean.com', 'digitalocean'],
  ['abc123xyz.def456.tsdb.cloud.timescale.com', 'timescale'],
  // Not a provider, or not one we can tell from the name.
  ['ec2-107-20-136-89.compute-1.amazonaws.com', 'none'],
  ['127.0.0.1', 'none'],
  ['localhost', 'none'],
  ['db.example.com', 'none'],
  ['rds.amazonaws.com.evil.example', 'none'],
  ['notsupabase.co', 'none'],
  ['neon.tech.example.org', 'none'],
]

describe('the provider from the host name', () => {
  it.each(DOCUMENTED)('%s is %s', (host, id) => {
    expect(providerFromHost(host)?.id ?? 'none').toBe(id)
  })

  it('ignores case and a trailing dot, and says how it knew', () => {
    expect(providerFromHost('MyDemoServer.Postgres.Database.Azure.com.')).toEqual({
      id: 'azure_flexible',
      name: 'Azure Database for PostgreSQL',
      via: 'host',
    })
  })
})

const cert = (issuer: string): CertificateFacts => ({
  subject: 'CN=leaf',
  issuer,
  validFrom: '2026-01-01T00:00:00.000Z',
  validTo: '2027-01-01T00:00:00.000Z',
  subjectAltName: null,
  fingerprint256: 'AA',
  selfSigned: false,
})

describe('the provider from the certificate issuer', () => {
  it('a Cloud SQL server at a bare address is known by its CA', () => {
    const tls = { chain: [cert('C=US, O=Google\\, Inc, CN=Google Cloud SQL Server CA')] }
    expect(detectProvider('34.118.20.7', tls)).toEqual({
      id: 'gcp_cloudsql',
      name: 'Google Cloud SQL',
      via: 'certificate',
    })
  })

  it('an RDS certificate behind a custom DNS name is known by its CA', () => {
    const tls = {
      chain: [cert('C=US, O=Amazon Web Services\\, Inc., CN=Amazon RDS eu-west-1 Root CA RSA2048 G1')],
    }
    expect(detectProvider('db.internal.example.com', tls)?.id).toBe('aws_rds')
  })

  it('the host name wins over the issuer', () => {
    const tls = { chain: [cert('CN=Google Cloud SQL Server CA')] }
    expect(detectProvider('x.neon.tech', tls)).toMatchObject({ id: 'neon', via: 'host' })
  })

  it('the lab (loopback, its own CA) and an unknown or absent chain are no provider', () => {
    expect(detectProvider('127.0.0.1', { chain: [cert('CN=Klairr lab CA')] })).toBeNull()
    expect(detectProvider('127.0.0.1', null)).toBeNull()
  })
})
