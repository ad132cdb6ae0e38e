import { renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { makeCerts, type LabCerts, type LeafName } from './certs.js'
import { LabError, oneLine } from './lab-error.js'
import type { PoolerName } from './pgbouncer.js'
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
import {
  attackSeedSql,
  ATTACK_DATABASE,
  clusterSeedSql,
  databaseSeedSql,
  hbaLines,
  LAB_DATABASE,
} from './seed.js'

/** One server per state the product must recognise. */
/** `audit` is a copy of `main` whose roles the audit tests fix: other tests never see those changes. */
export type Variant =
  'main' | 'audit' | 'standby' | 'wrongHost' | 'expired' | 'notYetValid' | 'selfSigned' | 'noTls' | 'oldTls'

export interface LabManifest {
  major: PgMajor
  caCert: string
  /** Each variant's server, and on 18 the PgBouncers in front of `main` (global-setup.ts). */
  ports: Partial<Record<Variant | PoolerName, number>>
  superPassword: string
}

const LEAF_OF: Partial<Record<Variant, LeafName>> = {
  main: 'good',
  audit: 'good',
  standby: 'good',
  oldTls: 'good',
  wrongHost: 'wrongHost',
  expired: 'expired',
  notYetValid: 'notYetValid',
  selfSigned: 'selfSigned',
}

const BASE_CONF = {
  listen_addresses: 'localhost',
  unix_socket_directories: '',
  shared_buffers: '16MB',
  max_connections: 40,
  fsync: false,
  synchronous_commit: false,
  full_page_writes: false,
  password_encryption: 'scram-sha-256',
  log_min_messages: 'fatal',
  log_min_error_statement: 'panic',
  max_wal_senders: 4,
  wal_level: 'replica',
  hot_standby: true,
}

/** What a template cluster holds: SQL for database `postgres` (roles, databases), then for `analytics`. */
export interface LabSeed {
  cluster(major: PgMajor): string
  database(major: PgMajor): string
  /** More databases the cluster SQL created, each with the SQL to run in it. */
  others?(major: PgMajor): Record<string, string>
}

const testSeed: LabSeed = {
  cluster: clusterSeedSql,
  database: databaseSeedSql,
  others: (major) => ({ [ATTACK_DATABASE]: attackSeedSql(major) }),
}

export class Lab {
  readonly servers = new Map<string, RunningServer>()
  /** Start servers in their own process group, so they can outlive this process. */
  detached = false
  private constructor(
    readonly root: string,
    readonly certs: LabCerts,
    readonly superPassword: string,
  ) {}

  /** A lab directory with its certificates; servers come from `startVersion`. */
  static create(): Lab {
    const root = labTempDir('klairr-lab-')
    let certs: LabCerts
    try {
      certs = makeCerts(join(root, 'certs'))
    } catch (e) {
      rmSync(root, { recursive: true, force: true })
      throw new LabError(`cannot make the lab's certificates with openssl (is it installed?): ${oneLine(e)}`)
    }
    giveToServer(certs.dir, true)
    return new Lab(root, certs, randomBytes(12).toString('base64url'))
  }

  /** initdb and seed one template, then start a copy of it per variant. */
  async startVersion(major: PgMajor, variants: Variant[], seed: LabSeed = testSeed): Promise<LabManifest> {
    const template = join(this.root, `pg${major}`, 'template')
    initCluster(major, template, this.superPassword)
    appendConf(template, BASE_CONF)
    writeHba(template, hbaLines())
    const seeding = await startServer(major, template, this.superPassword)
    try {
      // CREATE DATABASE cannot share a multi-statement message: one statement at a time.
      for (const statement of seed
        .cluster(major)
        .split(';\n')
        .filter((x) => x.trim()))
        await seeding.sql(statement)
      await seeding.sql(seed.database(major), LAB_DATABASE)
      for (const [database, sql] of Object.entries(seed.others?.(major) ?? {}))
        await seeding.sql(sql, database)
    } finally {
      await seeding.stop()
    }
    const manifest: LabManifest = {
      major,
      caCert: this.certs.caCert,
      ports: {},
      superPassword: this.superPassword,
    }
    const ordered = [...variants.filter((v) => v !== 'standby'), ...variants.filter((v) => v === 'standby')]
    for (const [i, variant] of ordered.entries()) {
      const dir = join(this.root, `pg${major}`, variant)
      // The last variant takes the template itself, unless a standby must still copy it: a major started
      // with `main` only (13 to 17, 11) is seeded and started with no copy of its data directory.
      if (i === ordered.length - 1 && variant !== 'standby') renameSync(template, dir)
      else cloneCluster(template, dir)
      const leaf = LEAF_OF[variant]
      const conf: Record<string, string | boolean> = leaf
        ? { ssl: true, ...installCert(dir, this.certs.leaves[leaf].cert, this.certs.leaves[leaf].key) }
        : { ssl: false }
      if (variant === 'oldTls')
        Object.assign(conf, {
          ssl_min_protocol_version: 'TLSv1',
          ssl_max_protocol_version: 'TLSv1.1',
          ssl_ciphers: 'ALL:@SECLEVEL=0',
        })
      if (variant === 'standby') {
        const primaryPort = manifest.ports.main
        if (!primaryPort) throw new Error('a standby needs the main server started first')
        conf.primary_conninfo = `host=127.0.0.1 port=${primaryPort} user=postgres password=${this.superPassword}`
        writeFileSync(join(dir, 'standby.signal'), '')
        giveToServer(join(dir, 'standby.signal'))
      }
      appendConf(dir, conf)
      const server = await startServer(major, dir, this.superPassword, {
        standby: variant === 'standby',
        detached: this.detached,
      })
      this.servers.set(`${major}:${variant}`, server)
      manifest.ports[variant] = server.port
    }
    return manifest
  }

  server(major: PgMajor, variant: Variant): RunningServer {
    const s = this.servers.get(`${major}:${variant}`)
    if (!s) throw new Error(`lab server ${major}:${variant} is not running`)
    return s
  }

  async stop(): Promise<void> {
    await Promise.all([...this.servers.values()].map((s) => s.stop()))
    this.servers.clear()
    rmSync(this.root, { recursive: true, force: true })
  }
}
