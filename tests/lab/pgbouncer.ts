import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import type { LabCerts } from './certs.js'
import { LabError } from './lab-error.js'
import { serverUser } from './os-user.js'
import { freePort, giveToServer, type RunningServer } from './server.js'

/** Debian's package (`apt-get install pgbouncer`): 1.18 on Debian 12. */
export const PGBOUNCER = '/usr/sbin/pgbouncer'

/** The lab's poolers, each in front of PostgreSQL 18 `main`: the endpoints Supabase, Neon and Azure hand out. */
export type PoolerName = 'pgbouncerTransaction' | 'pgbouncerSession'

const MODE: Record<PoolerName, 'transaction' | 'session'> = {
  pgbouncerTransaction: 'transaction',
  pgbouncerSession: 'session',
}

export interface RunningPooler {
  name: PoolerName
  port: number
  stop(): Promise<void>
}

/**
 * Starts one PgBouncer per pooling mode in front of `server`, as a hosted pooler is set up: TLS required
 * of clients (the lab's good certificate), SCRAM with each login role's secret from pg_authid (PgBouncer
 * then logs in to the server with the same secret), and `ignore_startup_parameters` empty, so any
 * startup parameter it does not track is refused as real deployments refuse it. Transaction mode has a
 * pool of one server connection: every client takes turns on it, so session state would leak between
 * them. Files go in `dir` (inside the lab's folder). Run as the server user when root (PgBouncer refuses root, as PostgreSQL does).
 */
export async function startPgBouncers(
  server: RunningServer,
  certs: LabCerts,
  dir: string,
): Promise<RunningPooler[]> {
  if (!existsSync(PGBOUNCER))
    throw new LabError(`${PGBOUNCER} is missing: install Debian's package (apt-get install -y pgbouncer)`)
  const [secrets] = await server.sql(
    'SELECT rolname, rolpassword FROM pg_authid WHERE rolcanlogin AND rolpassword IS NOT NULL ORDER BY 1',
  )
  const userlist = (secrets?.rows ?? [])
    .map((r: { rolname: string; rolpassword: string }) => `"${r.rolname}" "${r.rolpassword}"`)
    .join('\n')
  mkdirSync(dir, { recursive: true })
  giveToServer(dir)
  const authFile = join(dir, 'userlist.txt')
  writeFileSync(authFile, `${userlist}\n`, { mode: 0o600 })
  giveToServer(authFile)
  const started: RunningPooler[] = []
  try {
    for (const name of Object.keys(MODE) as PoolerName[])
      started.push(await startOne(name, server.port, dir, authFile, certs))
  } catch (e) {
    await Promise.all(started.map((p) => p.stop()))
    throw e
  }
  return started
}

async function startOne(
  name: PoolerName,
  serverPort: number,
  dir: string,
  authFile: string,
  certs: LabCerts,
): Promise<RunningPooler> {
  const port = await freePort()
  const ini = join(dir, `${name}.ini`)
  writeFileSync(
    ini,
    `[databases]
* = host=127.0.0.1 port=${serverPort}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = ${port}
unix_socket_dir =
pool_mode = ${MODE[name]}
default_pool_size = ${MODE[name] === 'transaction' ? 1 : 4}
max_client_conn = 50
auth_type = scram-sha-256
auth_file = ${authFile}
client_tls_sslmode = require
client_tls_cert_file = ${certs.leaves.good.cert}
client_tls_key_file = ${certs.leaves.good.key}
ignore_startup_parameters =
log_connections = 0
log_disconnections = 0
`,
  )
  giveToServer(ini)
  const user = serverUser()
  const stderr: Buffer[] = []
  const proc: ChildProcess = spawn(PGBOUNCER, [ini], {
    stdio: ['ignore', 'ignore', 'pipe'],
    ...(user ? { uid: user.uid, gid: user.gid } : {}),
  })
  let spawnError: NodeJS.ErrnoException | undefined
  proc.once('error', (e) => (spawnError = e))
  proc.stderr?.on('data', (b: Buffer) => stderr.length < 200 && stderr.push(b))
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGINT')
    await exited
  }
  const said = () =>
    Buffer.concat(stderr)
      .toString()
      .split('\n')
      .filter((l) => /ERROR|FATAL|WARNING/.test(l))
      .pop() ?? `code ${proc.exitCode}`
  const deadline = Date.now() + 10000
  for (;;) {
    if (spawnError) throw new LabError(`cannot start ${PGBOUNCER}: ${spawnError.code ?? spawnError.message}`)
    if (proc.exitCode !== null) throw new LabError(`PgBouncer (${MODE[name]} mode) exited: ${said()}`)
    if (await accepts(port)) return { name, port, stop }
    if (Date.now() > deadline) {
      await stop()
      throw new LabError(`PgBouncer (${MODE[name]} mode) did not listen on ${port} in 10 s: ${said()}`)
    }
    await new Promise((r) => setTimeout(r, 50))
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}
