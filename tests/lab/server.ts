import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import {
  appendFileSync,
  chownSync,
  copyFileSync,
  chmodSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  writeFileSync,
} from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import pg from 'pg'
import { LabError, oneLine } from './lab-error.js'
import { serverUser } from './os-user.js'
import { nativeFor, reachableBy } from './pg-binaries.js'

export type PgMajor = 11 | 12 | 13 | 14 | 15 | 16 | 17 | 18
/**
 * The supported majors the lab starts in every variant (lab.ts): the tests of each state the product
 * recognises run on the oldest and the newest.
 */
export const SUPPORTED_MAJORS: PgMajor[] = [12, 18]
/** The supported majors in between, started with the `main` variant only: a healthy run and the guide's role script each (majors.test.ts). */
export const MAIN_ONLY_MAJORS: PgMajor[] = [13, 14, 15, 16, 17]
/** Every major the guide supports (12 and newer): each runs in the lab. */
export const ALL_SUPPORTED_MAJORS: PgMajor[] = [...SUPPORTED_MAJORS, ...MAIN_ONLY_MAJORS].sort(
  (a, b) => a - b,
)
/** Older than the guide supports: started with `main` only, where the checks warn `server_version_unsupported`. */
export const UNSUPPORTED_MAJOR: PgMajor = 11

const PACKAGES: Record<PgMajor, string> = {
  11: 'pg11',
  12: 'pg12',
  13: 'pg13',
  14: 'pg14',
  15: 'pg15',
  16: 'pg16',
  17: 'pg17',
  18: 'pg18',
}

/** The folder holding initdb and postgres: the package's own, or a copy the server user can run (pg-binaries.ts). */
export function binDir(major: PgMajor): string {
  return join(nativeFor(PACKAGES[major]), 'bin')
}

/**
 * A new private folder for data directories, owned by the server user: in the temp folder when that user
 * can enter it (a TMPDIR under /root cannot be), else in /var/tmp or /tmp.
 */
export function labTempDir(prefix: string): string {
  const user = serverUser()
  const bases = [tmpdir(), '/var/tmp', '/tmp']
  const base = user ? bases.find((b) => reachableBy(b, user)) : bases[0]
  if (!base)
    throw new LabError(
      `user ${user!.name} (who runs PostgreSQL) cannot enter ${tmpdir()}, /var/tmp or /tmp: set TMPDIR to a folder they can enter`,
    )
  let dir: string
  try {
    dir = mkdtempSync(join(base, prefix))
  } catch (e) {
    throw new LabError(
      `cannot create a folder in ${base} (${(e as NodeJS.ErrnoException).code ?? oneLine(e)}): set TMPDIR to a writable folder`,
    )
  }
  giveToServer(dir)
  return dir
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address()
      srv.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      )
    })
  })
}

/** Makes a path the server user's own (the lab runs as root in CI). */
export function giveToServer(path: string, recursive = false): void {
  const user = serverUser()
  if (!user) return
  if (recursive) execFileSync('chown', ['-R', `${user.uid}:${user.gid}`, path])
  else chownSync(path, user.uid, user.gid)
}

function run(major: PgMajor, tool: string, args: string[]): void {
  const user = serverUser()
  const program = join(binDir(major), tool)
  try {
    execFileSync(program, args, {
      stdio: ['ignore', 'ignore', 'pipe'],
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
      env: { ...process.env, LC_ALL: 'C' },
    })
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: Buffer }
    const said = lastLine(err.stderr?.toString() ?? '')
    throw new LabError(
      `${tool} (PostgreSQL ${major}) failed${user ? ` as user ${user.name}` : ''}: ${said || err.code || oneLine(e)}`,
    )
  }
}

/** Creates a cluster with a superuser `postgres` whose password is `superPassword`. */
export function initCluster(major: PgMajor, dataDir: string, superPassword: string): void {
  mkdirSync(dirname(dataDir), { recursive: true })
  const pwfile = `${dataDir}.pw`
  writeFileSync(pwfile, superPassword, { mode: 0o600 })
  giveToServer(pwfile)
  giveToServer(dirname(dataDir))
  run(major, 'initdb', [
    '-D',
    dataDir,
    '-U',
    'postgres',
    '--pwfile',
    pwfile,
    '-A',
    'scram-sha-256',
    '-E',
    'UTF8',
    '--locale',
    'C',
    '--no-sync',
  ])
}

export function appendConf(dataDir: string, lines: Record<string, string | number | boolean>): void {
  const text = Object.entries(lines)
    .map(
      ([k, v]) =>
        `${k} = ${typeof v === 'string' ? `'${v.replace(/'/g, "''")}'` : v === true ? 'on' : v === false ? 'off' : v}`,
    )
    .join('\n')
  appendFileSync(join(dataDir, 'postgresql.conf'), `\n${text}\n`)
}

export function writeHba(dataDir: string, lines: string[]): void {
  writeFileSync(join(dataDir, 'pg_hba.conf'), lines.join('\n') + '\n')
}

/** Copies a cleanly stopped cluster: the lab's variants and its hot standby all start from one seeded template. */
export function cloneCluster(from: string, to: string): void {
  cpSync(from, to, { recursive: true, preserveTimestamps: true })
  giveToServer(to, true)
  chmodSync(to, 0o700)
}

/** Installs a certificate and key in the data directory, owned by the server user with 0600 as PostgreSQL insists. */
export function installCert(dataDir: string, cert: string, key: string, ca?: string): Record<string, string> {
  copyFileSync(cert, join(dataDir, 'server.crt'))
  copyFileSync(key, join(dataDir, 'server.key'))
  chmodSync(join(dataDir, 'server.key'), 0o600)
  giveToServer(join(dataDir, 'server.crt'))
  giveToServer(join(dataDir, 'server.key'))
  const conf: Record<string, string> = { ssl_cert_file: 'server.crt', ssl_key_file: 'server.key' }
  if (ca) {
    copyFileSync(ca, join(dataDir, 'root.crt'))
    giveToServer(join(dataDir, 'root.crt'))
  }
  return conf
}

export class RunningServer {
  readonly pid: number
  private exited: Promise<void>
  constructor(
    readonly major: PgMajor,
    readonly dataDir: string,
    readonly port: number,
    private readonly proc: ChildProcess,
    readonly superPassword: string,
  ) {
    this.pid = proc.pid ?? 0
    this.exited = new Promise((resolve) => proc.once('exit', () => resolve()))
  }

  superClient(database = 'postgres'): pg.Client {
    return new pg.Client({
      host: '127.0.0.1',
      port: this.port,
      user: 'postgres',
      password: this.superPassword,
      database,
    })
  }

  async sql(text: string, database = 'postgres'): Promise<pg.QueryResult[]> {
    const client = this.superClient(database)
    await client.connect()
    try {
      const r = await client.query(text)
      return Array.isArray(r) ? r : [r]
    } finally {
      await client.end()
    }
  }

  /** Lets the server outlive this process (`npm run demo -- --keep`). */
  detach(): void {
    this.proc.unref()
    this.proc.stderr?.destroy()
  }

  /** Fast shutdown (SIGINT), then waits for the process to exit. */
  async stop(): Promise<void> {
    if (this.proc.exitCode === null) this.proc.kill('SIGINT')
    await this.exited
  }
}

/** What PostgreSQL said that matters: its last FATAL/PANIC/ERROR line, else its last line. */
function lastLine(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
  return (lines.filter((l) => /\b(FATAL|PANIC|ERROR)\b/.test(l)).pop() ?? lines.pop() ?? '').trim()
}

/** Starts `postgres` directly (no pg_ctl) and waits until it accepts logins or reports itself a standby. */
export async function startServer(
  major: PgMajor,
  dataDir: string,
  superPassword: string,
  opts: { standby?: boolean; detached?: boolean } = {},
): Promise<RunningServer> {
  const port = await freePort()
  const user = serverUser()
  const stderr: Buffer[] = []
  const proc = spawn(join(binDir(major), 'postgres'), ['-D', dataDir, '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: opts.detached ?? false,
    ...(user ? { uid: user.uid, gid: user.gid } : {}),
    env: { ...process.env, LC_ALL: 'C' },
  })
  let spawnError: NodeJS.ErrnoException | undefined
  proc.once('error', (e) => (spawnError = e))
  proc.stderr?.on('data', (b: Buffer) => stderr.length < 200 && stderr.push(b))
  const server = new RunningServer(major, dataDir, port, proc, superPassword)
  const deadline = Date.now() + 30000
  for (;;) {
    if (spawnError)
      throw new LabError(
        `cannot start PostgreSQL ${major}${user ? ` as user ${user.name}` : ''}: ${spawnError.code ?? spawnError.message} on ${join(binDir(major), 'postgres')}`,
      )
    if (proc.exitCode !== null)
      throw new LabError(
        `PostgreSQL ${major} in ${dataDir} exited: ${lastLine(Buffer.concat(stderr).toString()) || `code ${proc.exitCode}`}`,
      )
    try {
      const [r] = await server.sql('SELECT pg_is_in_recovery() AS r')
      if (Boolean(r?.rows[0]?.r) === Boolean(opts.standby)) return server
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      await server.stop()
      throw new LabError(
        `PostgreSQL ${major} in ${dataDir} did not become ready in 30 s: ${lastLine(Buffer.concat(stderr).toString()) || 'it said nothing'}`,
      )
    }
    await new Promise((r) => setTimeout(r, 100))
  }
}
