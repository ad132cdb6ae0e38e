declare module 'pgpass/lib/helper.js' {
  import type { Stats } from 'node:fs'
  import type { Readable } from 'node:stream'
  interface PgpassConnInfo {
    host?: string
    port?: number | string
    database?: string
    user?: string
  }
  const helper: {
    /** PGPASSFILE, else ~/.pgpass (%APPDATA%\postgresql\pgpass.conf on Windows). */
    getFileName(env?: Record<string, string | undefined>): string
    /** Whether the file may be used: a regular file, not group/world readable, and no PGPASSWORD set. */
    usePgPass(stats: Stats, file: string): boolean
    getPassword(connInfo: PgpassConnInfo, stream: Readable, cb: (password: string | undefined) => void): void
  }
  export default helper
}
