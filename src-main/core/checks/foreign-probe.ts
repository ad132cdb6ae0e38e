import type { ForeignServer } from './catalog.js'

/** A foreign table the read probe leaves unread, and why (evidence `notProbed`). */
export interface NotProbed {
  relation: string
  name: string
  server: string
  reason: string
}

/**
 * How long one foreign table's read may take: a third of the query bound, so that a foreign server that
 * never answers is named within the read check's own bound (its read is tried twice: once with the
 * others, once on its own to name it).
 */
export function foreignReadBoundMs(queryMs: number): number {
  return Math.max(1, Math.floor(queryMs / 3))
}

/**
 * Why a foreign table cannot be read within the bound, or null when it can. Before PostgreSQL 16,
 * postgres_fdw opens its connection with a blocking libpq call that neither statement_timeout nor a
 * cancel interrupts: a foreign server that accepts and never answers holds the read, and the backend,
 * until the connection gives up on its own, which libpq's `connect_timeout` (at least 2 s per host) is the
 * only bound of (measured on PostgreSQL 12: the read outlived the check and the backend stayed busy).
 * file_fdw reads a local file; other wrappers' connections are not known to be interruptible there.
 */
export function foreignReadBlocker(f: ForeignServer, versionNumber: number, queryMs: number): string | null {
  if (versionNumber >= 160000 || f.wrapper === 'file_fdw') return null
  const limitS = Math.floor(foreignReadBoundMs(queryMs) / 1000)
  if (f.wrapper !== 'postgres_fdw')
    return `not probed: before PostgreSQL 16 a ${f.wrapper} connection to server ${f.server} may not be interruptible, so reading it could outlast the check's bound`
  const seconds =
    f.connectTimeout !== null && /^\s*\d+\s*$/.test(f.connectTimeout) ? Number(f.connectTimeout) : 0
  const hosts = f.host ? f.host.split(',').length : 1
  // libpq: 0 waits forever; below 2 counts as 2; each host is tried in turn.
  const bound = seconds > 0 ? Math.max(2, seconds) * hosts : Infinity
  if (bound <= limitS) return null
  return `not probed: before PostgreSQL 16 postgres_fdw's connection to server ${f.server} cannot be interrupted, and its connect_timeout (${f.connectTimeout === null ? 'not set' : f.connectTimeout}) does not bound it within ${limitS} s; a server that never answers would hold the read past the check's bound`
}
