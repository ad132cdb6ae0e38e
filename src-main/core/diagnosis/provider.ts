import type { TlsEvidence } from '../connection/tls-evidence.js'

/** Managed PostgreSQL services whose advice differs from a self-hosted server's. */
export const PROVIDER_IDS = [
  'aws_rds',
  'azure_flexible',
  'gcp_cloudsql',
  'supabase',
  'neon',
  'crunchy_bridge',
  'digitalocean',
  'timescale',
] as const
export type ProviderId = (typeof PROVIDER_IDS)[number]

export const PROVIDER_NAMES: Record<ProviderId, string> = {
  aws_rds: 'AWS RDS',
  azure_flexible: 'Azure Database for PostgreSQL',
  gcp_cloudsql: 'Google Cloud SQL',
  supabase: 'Supabase',
  neon: 'Neon',
  crunchy_bridge: 'Crunchy Bridge',
  digitalocean: 'DigitalOcean',
  timescale: 'Timescale',
}

export interface ProviderFinding {
  id: ProviderId
  name: string
  /** What told: the host name's suffix, or the server certificate's issuer. */
  via: 'host' | 'certificate'
}

/** A name ending in `tail` (a dot-led suffix), as a pattern. */
const under = (tail: string) => new RegExp(`${tail.replace(/\./g, '\\.')}$`)

/**
 * Host name patterns, each with where it is documented; tested against the host lower-cased, a trailing
 * dot removed.
 */
const HOST_PATTERNS: { pattern: RegExp; id: ProviderId }[] = [
  // "db1.abcdefghijkl.us-east-1.rds.amazonaws.com":
  // https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.DBInstance.html
  // Aurora cluster endpoints share the suffix (".cluster-…" under it).
  { pattern: under('.rds.amazonaws.com'), id: 'aws_rds' },
  // China regions put the region after the service, under amazonaws.com.cn ("service.region.
  // amazonaws.com.cn": https://roopu.cloud/arns-and-endpoints-in-aws-china/), so an instance is
  // "db1.abcdefghijkl.rds.cn-north-1.amazonaws.com.cn"; the brief's ".rds.amazonaws.com.cn" is kept too.
  { pattern: /\.rds\.cn-[a-z]+-\d+\.amazonaws\.com\.cn$/, id: 'aws_rds' },
  { pattern: under('.rds.amazonaws.com.cn'), id: 'aws_rds' },
  // Flexible server FQDN "<server>.postgres.database.azure.com" (also its private DNS zone):
  // https://learn.microsoft.com/en-us/azure/postgresql/flexible-server/concepts-networking-public
  { pattern: under('.postgres.database.azure.com'), id: 'azure_flexible' },
  // Direct "db.[project-id].supabase.co:5432"; poolers "aws-[region].pooler.supabase.com:5432|6543":
  // https://supabase.com/docs/guides/database/connecting-to-postgres
  { pattern: under('.supabase.co'), id: 'supabase' },
  { pattern: under('.pooler.supabase.com'), id: 'supabase' },
  // "ep-cool-darkness-a1b2c3d4[-pooler].us-east-2.aws.neon.tech":
  // https://neon.com/faqs/find-pooled-connection-string-dashboard
  { pattern: under('.neon.tech'), id: 'neon' },
  // "p.<cluster id>.db.postgresbridge.com": https://docs.crunchybridge.com/how-to/pgbouncer
  { pattern: under('.db.postgresbridge.com'), id: 'crunchy_bridge' },
  // "db-postgresql-….db.ondigitalocean.com" on port 25060 (seen in users' configs; DigitalOcean's
  // connect guide: https://docs.digitalocean.com/products/databases/postgresql/how-to/connect/)
  { pattern: under('.db.ondigitalocean.com'), id: 'digitalocean' },
  // "<service>.<project>.tsdb.cloud.timescale.com": NOT confirmed in the pages we could read (the
  // connection guide, https://www.tigerdata.com/docs/integrate/find-connection-details/, does not
  // print a host); kept from the brief.
  { pattern: under('.tsdb.cloud.timescale.com'), id: 'timescale' },
]
// Heroku Postgres is not detected: its hosts are plain EC2 names ("ec2-….compute-1.amazonaws.com"),
// which any self-hosted server on EC2 also has, and no documented suffix of its own was found.

/**
 * Certificate issuers that name a provider when the host is an address. Cloud SQL's per-instance CA is
 * named "Google Cloud SQL Server CA" (the CA hierarchies are described in
 * https://cloud.google.com/sql/docs/postgres/authorize-ssl; the exact common name is what Cloud SQL
 * servers present, not quoted on that page). The Amazon RDS CAs are named "Amazon RDS … CA".
 */
const ISSUERS: { pattern: RegExp; id: ProviderId }[] = [
  { pattern: /CN=Google Cloud SQL Server CA\b/, id: 'gcp_cloudsql' },
  { pattern: /CN=Amazon RDS [^,]* CA\b/, id: 'aws_rds' },
]

const finding = (id: ProviderId, via: ProviderFinding['via']): ProviderFinding => ({
  id,
  name: PROVIDER_NAMES[id],
  via,
})

/** The provider a host name belongs to, by its documented pattern, or null. */
export function providerFromHost(host: string): ProviderFinding | null {
  const h = host.trim().toLowerCase().replace(/\.$/, '')
  for (const { pattern, id } of HOST_PATTERNS) if (pattern.test(h)) return finding(id, 'host')
  return null
}

/**
 * The provider, from the host name's suffix first and then from the issuers in the server's chain
 * (which is how Cloud SQL is recognised: its hosts are usually bare addresses). Null for anything else,
 * the lab's loopback included.
 */
export function detectProvider(host: string, tls: Pick<TlsEvidence, 'chain'> | null): ProviderFinding | null {
  const byHost = providerFromHost(host)
  if (byHost) return byHost
  for (const cert of tls?.chain ?? [])
    for (const { pattern, id } of ISSUERS) if (pattern.test(cert.issuer)) return finding(id, 'certificate')
  return null
}
