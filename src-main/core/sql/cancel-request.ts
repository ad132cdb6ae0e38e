import { connect } from 'node:net'
import type { Session } from '../connection/pg-session.js'

/**
 * Asks the server to cancel the session's running statement: PostgreSQL's CancelRequest on a new TCP
 * connection (pg_hba does not apply to it), so a cancelled query stops on the server, not only here.
 */
export function sendCancelRequest(session: Session, timeoutMs = 2000): Promise<void> {
  const internals = session.client as unknown as {
    processID: number | null
    secretKey: number | null
    connection: { stream: { remoteAddress?: string; remotePort?: number } }
  }
  const { processID, secretKey } = internals
  const address = internals.connection.stream.remoteAddress
  const port = internals.connection.stream.remotePort
  if (processID === null || secretKey === null || !address || !port) return Promise.resolve()
  const message = Buffer.alloc(16)
  message.writeInt32BE(16, 0)
  message.writeInt32BE(80877102, 4)
  message.writeInt32BE(processID, 8)
  message.writeInt32BE(secretKey, 12)
  return new Promise((resolve) => {
    const socket = connect({ host: address, port }, () => socket.end(message))
    const timer = setTimeout(() => socket.destroy(), timeoutMs)
    socket.on('error', () => undefined)
    socket.on('close', () => {
      clearTimeout(timer)
      resolve()
    })
  })
}
