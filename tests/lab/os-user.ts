import { execFileSync } from 'node:child_process'

/** initdb and postgres refuse to run as root: as root, the lab runs them as this unprivileged user. */
export interface RunAs {
  uid: number
  gid: number
  name: string
}

let cached: RunAs | null | undefined

function idOf(name: string): RunAs | null {
  try {
    const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim())
    const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim())
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
  if (!cached) {
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', 'klairrlab'])
    cached = idOf('klairrlab')
  }
  if (!cached) throw new Error('cannot find or create an unprivileged user to run PostgreSQL as')
  return cached
}
