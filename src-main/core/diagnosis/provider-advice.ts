import type { ReasonCode } from '../checks/types.js'
import { PROVIDER_NAMES, type ProviderId } from './provider.js'
import { quoteLiteral } from '../sql-ident.js'
import {
  clientHost,
  inPsql,
  reachability,
  reproduce,
  role,
  shell,
  showCert,
  type Advice,
  type AdviceContext,
} from './advice-parts.js'

/**
 * Where a managed service changes the cause or the fix. Nobody edits pg_hba.conf or postgresql.conf on
 * these services: access is a firewall rule, an allow list or a security group, and the server's CA is
 * the provider's. Anything not listed here keeps the self-hosted advice.
 */
type Specialise = (c: AdviceContext, base: Advice) => Advice
const on = (c: AdviceContext) => `On ${c.provider ? PROVIDER_NAMES[c.provider] : 'this service'}`
const addressPlaceholder = { placeholder: 'public ip' }
const firstLabel = (host: string) => host.split('.')[0] ?? host
/** Azure's firewall rule for one address (its flexible server's name is the host's first label). */
const azureFirewallRule = (c: AdviceContext, address: string | { placeholder: string }) =>
  shell(c, 'Add a firewall rule (Azure CLI)', [
    'az',
    'postgres',
    'flexible-server',
    'firewall-rule',
    'create',
    '--resource-group',
    { placeholder: 'resource group' },
    '--name',
    firstLabel(c.s.host),
    '--rule-name',
    'klairr-companion',
    '--start-ip-address',
    address,
    '--end-ip-address',
    address,
  ])

export const MANAGED: Partial<Record<ReasonCode, Partial<Record<ProviderId, Specialise>>>> = {
  tcp_timeout: {
    aws_rds: (c, base) => ({
      ...base,
      meaning: `${on(c)}, a connection that gets no answer is almost always the instance’s VPC security group (or its network ACL) dropping this address, or an instance that is not publicly accessible.`,
      steps: [
        'In the RDS console, open the instance, Connectivity & security: note its VPC security groups and whether it is Publicly accessible.',
        `Add an inbound rule to that security group: PostgreSQL, TCP ${c.s.port}, from this machine’s address (and Klairr’s egress addresses) as /32.`,
        'A private instance is reached only from inside its VPC: connect through the VPN or bastion and set “Host is on a private network” to Yes.',
      ],
      commands: [
        reachability(c),
        shell(c, 'Add the inbound rule (AWS CLI)', [
          'aws',
          'ec2',
          'authorize-security-group-ingress',
          '--group-id',
          { placeholder: 'sg-id' },
          '--protocol',
          'tcp',
          '--port',
          String(c.s.port),
          '--cidr',
          { placeholder: 'public ip cidr' },
        ]),
      ],
    }),
    azure_flexible: (c, base) => ({
      ...base,
      meaning: `${on(c)}, access is decided by the server’s firewall rules (public access) or its virtual network (private access), not by pg_hba.conf, which the service manages.`,
      steps: [
        'In the Azure portal, open the server, Networking: add a firewall rule for this machine’s address (and Klairr’s egress addresses).',
        'With private access (VNet integration) the server has no public endpoint: connect from inside the virtual network or through its VPN, and set “Host is on a private network” to Yes.',
      ],
      commands: [reachability(c), azureFirewallRule(c, addressPlaceholder)],
    }),
    gcp_cloudsql: (c, base) => ({
      ...base,
      meaning: `${on(c)}, a public IP accepts connections only from its authorized networks; a private IP only from its VPC.`,
      steps: [
        'Add this machine’s address (and Klairr’s egress addresses) to the instance’s Authorized networks (Connections, Networking), or',
        'connect through the Cloud SQL Auth Proxy, which needs no authorized network, and point the host at the proxy.',
      ],
      commands: [
        reachability(c),
        shell(c, 'Authorize an address (replaces the list: include the existing ones)', [
          'gcloud',
          'sql',
          'instances',
          'patch',
          { placeholder: 'instance' },
          '--authorized-networks',
          { placeholder: 'existing networks and public ip cidr' },
        ]),
      ],
    }),
    supabase: (c, base) => ({
      ...base,
      meaning: `${on(c)}, the direct host db.<project>.supabase.co answers over IPv6 only (unless the IPv4 add-on is on), so an IPv4-only network gets no answer; network restrictions can also drop this address.`,
      steps: [
        'From an IPv4-only network use the Supavisor pooler host (aws-…-<region>.pooler.supabase.com): session mode on 5432, transaction mode on 6543, with the user name postgres.<project-ref>.',
        'If the project has Network Restrictions, add this machine’s address (and Klairr’s egress addresses) in the Database settings.',
      ],
    }),
    neon: (c, base) => ({
      ...base,
      meaning: `${on(c)}, a compute that was suspended starts on the first connection (a cold start), which can take a few seconds; an IP Allow list can also drop this address.`,
      steps: [
        'Run the tests again: a cold start answers on the second try.',
        'If the project has an IP Allow list, add this machine’s address (and Klairr’s egress addresses).',
      ],
    }),
  },
  pg_hba_rejected: {
    aws_rds: (c, base) => ({
      ...base,
      meaning: `${on(c)}, pg_hba.conf is managed by the service: a rejection means the connection was not encrypted while rds.force_ssl is on, or the role may only sign in with IAM.`,
      steps: [
        'Use SSL mode Verify-full with the RDS CA bundle (global-bundle.pem) as the root certificate; rds.force_ssl (on by default from PostgreSQL 15) rejects unencrypted connections.',
        `If ${c.s.username} is a member of rds_iam it cannot sign in with a password: use a role that is not, or revoke rds_iam from it.`,
      ],
      commands: [
        inPsql(
          'As the master user: is the role an IAM role?',
          `SELECT pg_has_role(${quoteLiteral(c.s.username)}, 'rds_iam', 'member');`,
        ),
        inPsql('Is TLS forced?', 'SHOW rds.force_ssl;'),
        reproduce({ ...c, s: { ...c.s, sslMode: 'verify-full' } }),
      ],
      field: 'sslMode',
    }),
    azure_flexible: (c, base) => ({
      ...base,
      meaning: `${on(c)}, “no pg_hba.conf entry” is what the server says when its firewall does not allow ${clientHost(c)}: pg_hba.conf follows the firewall rules and cannot be edited.`,
      steps: [
        'In the Azure portal, open the server, Networking: add a firewall rule for this address (and Klairr’s egress addresses).',
        'Connect with TLS (SSL mode Require or Verify-full): the service enforces it unless require_secure_transport was turned off.',
      ],
      commands: [
        azureFirewallRule(
          c,
          typeof c.evidence.clientAddress === 'string' ? c.evidence.clientAddress : addressPlaceholder,
        ),
        reproduce(c),
      ],
    }),
    gcp_cloudsql: (c, base) => ({
      ...base,
      meaning: `${on(c)}, pg_hba.conf is managed: a rejection means the instance requires TLS, or TLS with a client certificate, and this connection did not offer it.`,
      steps: [
        'Check the instance’s SSL mode (Connections, Security). With “Require trusted client certificates”, create a client certificate for Klairr or connect through the Cloud SQL Auth Proxy, which brings its own.',
        'Otherwise use SSL mode Require or Verify-full.',
      ],
      commands: [
        shell(c, 'Show the instance’s SSL mode', [
          'gcloud',
          'sql',
          'instances',
          'describe',
          { placeholder: 'instance' },
          '--format=value(settings.ipConfiguration.sslMode)',
        ]),
        reproduce({ ...c, s: { ...c.s, sslMode: 'require' } }),
      ],
    }),
  },
  cert_untrusted: {
    aws_rds: (c, base) => ({
      ...base,
      meaning: `${on(c)}, the server certificate is issued by an Amazon RDS CA, which is not in the system’s trust store.`,
      steps: [
        'Download the RDS CA bundle for all regions (global-bundle.pem, from the RDS documentation “Using SSL/TLS to encrypt a connection to a DB instance”) and give it as the root certificate, keeping Verify-full.',
      ],
      commands: [
        shell(c, 'Download the bundle', [
          'curl',
          '-fsSLO',
          'https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem',
        ]),
        showCert(c),
      ],
    }),
    gcp_cloudsql: (c, base) => ({
      ...base,
      meaning: `${on(c)}, the server certificate is issued by the instance’s own server CA (or the region’s shared CA), not by a public one.`,
      steps: [
        'Download the instance’s server CA certificate (server-ca.pem, Connections, Security) and give it as the root certificate.',
        'A Cloud SQL certificate names the instance, not an IP address: with a bare IP as host, use Verify-ca, or connect through the Cloud SQL Auth Proxy.',
      ],
      commands: [
        shell(c, 'Save the server CA certificate', [
          'gcloud',
          'sql',
          'instances',
          'describe',
          { placeholder: 'instance' },
          '--format=value(serverCaCert.cert)',
        ]),
        showCert(c),
      ],
    }),
    supabase: (c, base) => ({
      ...base,
      meaning: `${on(c)}, the server certificate is issued by Supabase’s own CA.`,
      steps: [
        'Download the project’s CA certificate (Database settings, SSL Configuration) and give it as the root certificate.',
      ],
    }),
  },
  // "PAM authentication failed for user": how RDS answers a password for a member of rds_iam
  // (https://deverrors.com/errors/postgresql-fatal-iam-authentication-failed), classified as
  // external_auth_failed with the method pam.
  external_auth_failed: {
    aws_rds: (c, base) => ({
      ...base,
      meaning: `${on(c)}, “PAM authentication failed” means ${c.s.username} is a member of rds_iam: it signs in only with an IAM token, never a password, and Klairr uses a password.`,
      steps: [
        'Use a role that is not a member of rds_iam for Klairr (the Role step’s script creates one), or',
        `revoke rds_iam from ${c.s.username} as the master user, if nothing else signs in with IAM as it.`,
      ],
      commands: [
        inPsql(
          'As the master user: is the role an IAM role?',
          `SELECT pg_has_role(${quoteLiteral(c.s.username)}, 'rds_iam', 'member');`,
        ),
        inPsql('As the master user: let it sign in with its password', `REVOKE rds_iam FROM ${role(c.s)};`),
      ],
      field: 'username',
    }),
  },
  auth_error: {
    // "The endpoint ID is not specified": https://neon.com/docs/connect/connection-errors
    neon: (c, base) => ({
      ...base,
      meaning: `${on(c)}, the proxy finds the database by the endpoint ID in the host name, sent as SNI in the TLS handshake; a client that sends no SNI gets “The endpoint ID is not specified”.`,
      steps: [
        'Use the host name exactly as the Neon Console shows it (not an IP address), with TLS.',
        'A client without SNI can name the endpoint in the options: options=endpoint=<endpoint-id> (the first label of the host, without -pooler).',
      ],
    }),
    // "FATAL: (ENOTFOUND) tenant/user … not found": https://github.com/orgs/supabase/discussions/52261
    supabase: (c, base) => ({
      ...base,
      meaning: `${on(c)}, “tenant/user … not found” comes from the Supavisor pooler when the user name does not name the project: on pooler.supabase.com it must be <role>.<project-ref>.`,
      steps: [
        'Write the user name as <role>.<project-ref> (the Connect dialog shows it), and use the pooler host of the project’s own region.',
        'Port 6543 is transaction mode, 5432 session mode.',
      ],
      field: 'username',
    }),
  },
  startup_timeout: {
    neon: (c, base) => ({
      ...base,
      meaning: `${on(c)}, a suspended compute starts on the first connection (a cold start); the first login can take a few seconds longer than the tests wait.`,
      steps: [
        'Run the tests again: the compute is awake now.',
        'If it happens every time, check the compute’s scale-to-zero setting in the Neon Console.',
      ],
    }),
  },
  password_invalid: {
    aws_rds: (c, base) => ({
      ...base,
      meaning: `${on(c)}, the password is wrong, no role of this name exists, or the role is a member of rds_iam and may only sign in with an IAM token.`,
      steps: [
        `If ${c.s.username} is a member of rds_iam, use a role that is not: Klairr signs in with a password.`,
        'Reset the password as the master user (rds_superuser), then update the connector.',
      ],
      commands: [
        inPsql(
          'As the master user: is the role an IAM role?',
          `SELECT pg_has_role(${quoteLiteral(c.s.username)}, 'rds_iam', 'member');`,
        ),
        ...base.commands,
      ],
    }),
    azure_flexible: (c, base) => ({
      ...base,
      steps: [
        'Reset the password as the server admin (a member of azure_pg_admin), then update the connector; the admin’s own password is reset in the portal (Overview, Reset password).',
        'A Microsoft Entra ID role signs in with a token, not a password: use a PostgreSQL role for Klairr.',
      ],
    }),
    supabase: (c, base) => ({
      ...base,
      meaning: `${on(c)}, the pooler (pooler.supabase.com) knows the project from the user name: it must be <role>.<project-ref>, such as postgres.abcdefghijklmnop. The direct host takes the role name alone.`,
      steps: [
        'On a pooler host, write the user name as <role>.<project-ref>; the project ref is in the dashboard’s Connect dialog.',
        'Port 6543 is transaction mode, 5432 session mode; both take the same user name.',
        'Reset the password in the Database settings if it is wrong, then update the connector.',
      ],
      field: 'username',
    }),
    neon: (c, base) => ({
      ...base,
      steps: [
        'Reset the role’s password in the Neon Console (Roles), then update the connector.',
        'A client without SNI cannot name the endpoint: Neon then says the endpoint ID is not specified; give options=endpoint=<endpoint-id> (the first label of the host, without -pooler).',
      ],
    }),
  },
}
