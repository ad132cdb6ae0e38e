import type { Socket } from 'node:net'
import type { PgClient } from './pg-session.js'

/**
 * Ends a session as psql does: Terminate is written and the connection closed from this side, without
 * waiting for the server to close its own. node-postgres' `end()` resolves only when the server's close
 * arrives, one more round trip of wall time that the run does not need (the Terminate waits for no
 * answer). Resolves once Terminate and this side's close have been handed to the network, or after a
 * second whatever happens.
 */
export function terminateSession(client: PgClient): Promise<void> {
  const stream = (client as unknown as { connection?: { stream?: Socket } }).connection?.stream
  // Writes Terminate, then ends the stream (TLS close_notify, then FIN).
  void client.end().catch(() => undefined)
  if (!stream || stream.destroyed) return Promise.resolve()
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer)
      stream.destroy()
      resolve()
    }
    const timer = setTimeout(done, 1000)
    stream.once('finish', done)
    stream.once('close', done)
  })
}
