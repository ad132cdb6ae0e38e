import { inject } from 'vitest'
import {
  resolveSettingsOrThrow,
  type SettingsInput,
} from '../../src-main/core/connection/resolve-settings.js'
import type { ConnectionSettings, Timeouts } from '../../src-main/core/connection/settings.js'
import { runChecks } from '../../src-main/core/checks/run.js'
import type { CheckReport } from '../../src-main/core/checks/types.js'
import type { Variant } from '../lab/lab.js'
import type { PoolerName } from '../lab/pgbouncer.js'
import { LAB_DATABASE, LAB_PASSWORD } from '../lab/seed.js'

export const lab = () => inject('lab')

export function portOf(major: number, variant: Variant | PoolerName = 'main'): number {
  const port = lab().versions[String(major)]?.ports[variant]
  if (!port) throw new Error(`lab has no ${variant} server for PostgreSQL ${major}`)
  return port
}

/** Settings for a lab server: loopback, the seeded database, the lab password, private network Yes. */
export function labSettings(
  major: number,
  variant: Variant | PoolerName,
  over: SettingsInput = {},
): ConnectionSettings {
  return resolveSettingsOrThrow(
    {
      host: '127.0.0.1',
      port: portOf(major, variant),
      database: LAB_DATABASE,
      password: LAB_PASSWORD,
      privateNetwork: true,
      ...over,
    },
    {},
  )
}

/** The desktop app's connection form, filled in for the lab's main server as the guide's role. */
export function labForm(major = 18, over: Record<string, unknown> = {}) {
  return {
    host: '127.0.0.1',
    port: String(portOf(major)),
    database: LAB_DATABASE,
    schema: 'public',
    username: 'klairr_reader',
    password: LAB_PASSWORD,
    sslMode: 'require',
    sslRootCert: '',
    privateNetwork: true,
    allowWritableRole: false,
    ...over,
  }
}

/** Short bounds so failure cases finish quickly; the defaults are tested on their own. */
export const FAST: Partial<Timeouts> = { dns: 2000, tcp: 2000, startup: 1500, query: 5000, lock: 500 }

export async function check(
  settings: ConnectionSettings,
  timeouts: Partial<Timeouts> = FAST,
): Promise<CheckReport> {
  return (await runChecks(settings, { timeouts })).report
}

const LETTER = { pass: 'P', warn: 'W', fail: 'F', skip: '-' } as const

/** The six statuses as letters (network, tls, auth, read_access, write_probe, introspection): `PPPPWP`. */
export function statusLine(report: CheckReport): string {
  return report.checks.map((c) => LETTER[c.status]).join('')
}

/** The CLI flags that reach a lab server, as an admin types them; add `--username`. */
export function labArgs(port = portOf(18)): string[] {
  return ['--host', '127.0.0.1', '--port', String(port), '--dbname', LAB_DATABASE, '--private-network']
}
