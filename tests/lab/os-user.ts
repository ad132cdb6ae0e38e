import { execFileSync, type ExecFileSyncOptionsWithStringEncoding } from 'node:child_process'
import { LabError } from './lab-error.js'

/** initdb and postgres refuse to run as root: as root, the lab runs them as this unprivileged user. */
export interface RunAs {
  uid: number
  gid: number
  name: string
}

let cached: RunAs | null | undefined

function idOf(name: string): RunAs | null {
  try {
    const opts: ExecFileSyncOptionsWithStringEncoding = {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }
    const uid = Number(execFileSync('id', ['-u', name], opts).trim())
    const gid = Number(execFileSync('id', ['-g', name], opts).trim())
    return { uid, gid, name }
  } catch {
    return null
  }
}

/** null when not root (the servers run as the current user). */
export function serverUser(): RunAs | null {
  if (cached !== undefined) return cached
  if (process.getuid?.() !== 0) return (cached = null)
  cached = idOf('postgres')
  cached ??= idOf('klairrlab')
  if (!cached) {
    try {
      execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', 'klairrlab'], {
        stdio: ['ignore', 'ignore', 'pipe'],
      })
    } catch {
      // reported below
    }
    cached = idOf('klairrlab')
  }
  if (!cached) {
    cached = undefined
    throw new LabError(
      'PostgreSQL refuses to run as root and there is no user "postgres" or "klairrlab" to run it as (useradd failed): create one (useradd --system klairrlab), or run as an ordinary user',
    )
  }
  return cached
}
