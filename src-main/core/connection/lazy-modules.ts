import type * as Tls from 'node:tls'
import type PgClientClass from 'pg/lib/client.js'

/**
 * Modules the first check does not need, loaded on first use. `warmUp` loads them while the run waits
 * for the server's first answer (a backend fork), so a short-lived CLI does not pay for them up front.
 */
export function tlsModule(): typeof Tls {
  return process.getBuiltinModule('node:tls')
}

let pgClient: Promise<typeof PgClientClass> | undefined

export function pgClientClass(): Promise<typeof PgClientClass> {
  pgClient ??= import('pg/lib/client.js').then((m) => m.default)
  return pgClient
}

export function warmUp(): void {
  tlsModule()
  void pgClientClass()
}
