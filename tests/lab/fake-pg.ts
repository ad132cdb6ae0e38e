import type { Socket } from 'node:net'
import { listenOnLoopback } from './loopback-server.js'
import { authenticationOk, backendKeyData, parameterStatus, readyForQuery } from './pg-wire.js'

export interface FakePg {
  port: number
  /** CancelRequests received, with the key they carried. */
  cancels: { pid: number; key: number }[]
  close(): Promise<void>
}

const SSL_REQUEST = 80877103
const CANCEL_REQUEST = 80877102
const SYNC = Buffer.from([0x53, 0, 0, 0, 4])

/**
 * A PostgreSQL server in name only: it refuses TLS, completes a trust-auth startup (AuthenticationOk,
 * BackendKeyData, server_version, ReadyForQuery), then answers the first batch ending in Sync with
 * `answer(socket)`, which writes whatever bytes the test needs (and may close the socket or not).
 */
export async function startFakePg(
  answer: (socket: Socket) => void,
  /** Answers the startup message instead of a trust-auth start, when given. */
  startup?: (socket: Socket) => void,
): Promise<FakePg> {
  const cancels: FakePg['cancels'] = []
  const { port, close } = await listenOnLoopback((socket) => {
    let stage: 'first' | 'startup' | 'query' | 'answered' = 'first'
    let received = Buffer.alloc(0)
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk])
      for (;;) {
        if (stage === 'first' || stage === 'startup') {
          if (received.length < 8) return
          const length = received.readInt32BE(0)
          if (received.length < length) return
          const packet = received.subarray(0, length)
          const code = packet.readInt32BE(4)
          received = received.subarray(length)
          if (code === SSL_REQUEST) {
            socket.write('N')
            stage = 'startup'
          } else if (code === CANCEL_REQUEST && length === 16) {
            cancels.push({ pid: packet.readInt32BE(8), key: packet.readInt32BE(12) })
            socket.end()
            return
          } else if (startup) {
            stage = 'answered'
            startup(socket)
            return
          } else {
            socket.write(
              Buffer.concat([
                authenticationOk(),
                backendKeyData(4242, 777),
                parameterStatus('server_version', '18.0 (fake)'),
                parameterStatus('client_encoding', 'UTF8'),
                readyForQuery(),
              ]),
            )
            stage = 'query'
          }
          continue
        }
        if (stage === 'query') {
          const at = received.indexOf(SYNC)
          if (at < 0) return
          stage = 'answered'
          answer(socket)
        }
        return
      }
    })
  })
  return { port, cancels, close }
}
