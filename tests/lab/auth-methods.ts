import { rmSync } from 'node:fs'
import { createSocket } from 'node:dgram'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { clientCert, makeCerts, type LabCerts } from './certs.js'
import {
  appendConf,
  cloneCluster,
  giveToServer,
  initCluster,
  installCert,
  labTempDir,
  startServer,
  writeHba,
  type PgMajor,
  type RunningServer,
} from './server.js'
import { LAB_DATABASE, LAB_PASSWORD } from './seed.js'

/**
 * A PostgreSQL server whose pg_hba.conf gives each role its own authentication method: the methods the
 * embedded builds support (md5, radius, ident, cert, trust, scram-sha-256). The builds lack GSSAPI, LDAP,
 * PAM, BSD and SSPI (a pg_hba.conf line naming them stops the server from starting: "not supported by
 * this build"): those are spoken by the fake in fake-auth-pg.ts, with PostgreSQL's own wording.
 */
export const AUTH_ROLES = {
  scram: 'a_scram',
  md5: 'a_md5',
  /** md5, and a password equal to the role name: both warnings apply. */
  md5Weak: 'a_md5_weak',
  radius: 'a_radius',
  ident: 'a_ident',
  cert: 'a_cert',
  trust: 'a_trust',
  /** scram-sha-256, and a client certificate whose CN is the role (clientcert=verify-full). */
  scramCert: 'a_scram_cert',
  /** trust, and a client certificate whose CN is the role (clientcert=verify-full). */
  trustCert: 'a_trust_cert',
} as const

export interface AuthMethodsServer {
  server: RunningServer
  port: number
  certs: LabCerts
  /** A client certificate and key signed by the server's CA, for this CN; the key encrypted when given a passphrase. */
  clientCert(cn: string, passphrase?: string): { cert: string; key: string }
  stop(): Promise<void>
}

/** A UDP port nothing listens on: the RADIUS server the radius line names never answers. */
async function closedUdpPort(): Promise<number> {
  const socket = createSocket('udp4')
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()))
  const { port } = socket.address()
  await new Promise<void>((resolve) => socket.close(() => resolve()))
  return port
}

export function hbaForAuthMethods(radiusPort: number): string[] {
  const r = AUTH_ROLES
  return [
    '# TYPE   DATABASE  USER          ADDRESS        METHOD',
    'host     all       postgres      127.0.0.1/32   scram-sha-256',
    `host     all       ${r.md5}         127.0.0.1/32   md5`,
    `host     all       ${r.md5Weak}    127.0.0.1/32   md5`,
    `host     all       ${r.radius}      127.0.0.1/32   radius radiusservers=127.0.0.1 radiussecrets=lab-radius radiusports=${radiusPort}`,
    // No identd answers on the client's port 113: the server's ident query fails.
    `host     all       ${r.ident}       127.0.0.1/32   ident`,
    `hostssl  all       ${r.cert}        127.0.0.1/32   cert`,
    `hostssl  all       ${r.trust}       127.0.0.1/32   trust`,
    `hostssl  all       ${r.scramCert}   127.0.0.1/32   scram-sha-256 clientcert=verify-full`,
    `hostssl  all       ${r.trustCert}   127.0.0.1/32   trust clientcert=verify-full`,
    'host     all       all           127.0.0.1/32   scram-sha-256',
  ]
}

const pw = `'${LAB_PASSWORD.replace(/'/g, "''")}'`

/** Starts the server (PostgreSQL 18 unless told), TLS with the lab's CA as ssl_ca_file. */
export async function startAuthMethodsServer(major: PgMajor = 18): Promise<AuthMethodsServer> {
  const root = labTempDir('klairr-auth-')
  try {
    const certs = makeCerts(join(root, 'certs'))
    giveToServer(certs.dir, true)
    const superPassword = randomBytes(12).toString('base64url')
    const template = join(root, 'template')
    initCluster(major, template, superPassword)
    const dir = join(root, 'data')
    cloneCluster(template, dir)
    appendConf(dir, {
      listen_addresses: 'localhost',
      unix_socket_directories: '',
      shared_buffers: '16MB',
      max_connections: 20,
      fsync: false,
      log_min_messages: 'fatal',
      ssl: true,
      ...installCert(dir, certs.leaves.good.cert, certs.leaves.good.key, certs.caCert),
      ssl_ca_file: 'root.crt',
    })
    writeHba(dir, hbaForAuthMethods(await closedUdpPort()))
    const server = await startServer(major, dir, superPassword)
    const r = AUTH_ROLES
    await server.sql(`CREATE DATABASE ${LAB_DATABASE}`)
    // password_encryption applies to the session that sets the password: md5 for these two only.
    await server.sql(`SET password_encryption = 'md5';
CREATE ROLE ${r.md5} LOGIN PASSWORD ${pw};
CREATE ROLE ${r.md5Weak} LOGIN PASSWORD '${r.md5Weak}';`)
    const others = [r.scram, r.radius, r.ident, r.cert, r.trust, r.scramCert, r.trustCert]
    await server.sql(others.map((role) => `CREATE ROLE ${role} LOGIN PASSWORD ${pw};`).join('\n'))
    const all = Object.values(r).join(', ')
    await server.sql(
      `CREATE TABLE public.facts (id int PRIMARY KEY, v text);
INSERT INTO public.facts VALUES (1, 'one');
GRANT SELECT ON public.facts TO ${all};`,
      LAB_DATABASE,
    )
    return {
      server,
      port: server.port,
      certs,
      clientCert: (cn: string, passphrase?: string) => clientCert(certs, cn, passphrase),
      async stop() {
        await server.stop()
        rmSync(root, { recursive: true, force: true })
      },
    }
  } catch (e) {
    rmSync(root, { recursive: true, force: true })
    throw e
  }
}
