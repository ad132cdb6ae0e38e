import { createServer, type AddressInfo, type Server, type Socket } from 'node:net'

export interface LoopbackServer {
  server: Server
  port: number
  /** Stops listening and ends every connection it had, so a test's fake never outlives it. */
  close(): Promise<void>
}

/**
 * A TCP server on 127.0.0.1 for the lab's fakes. Every socket it accepts (and any other the fake
 * passes to `track`, such as a relay's upstream) is remembered, its errors ignored, and ended by
 * `close`.
 */
export async function listenOnLoopback(
  onSocket: (socket: Socket, track: (other: Socket) => void) => void,
): Promise<LoopbackServer> {
  const sockets = new Set<Socket>()
  const track = (s: Socket) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
    s.on('error', () => undefined)
  }
  const server = createServer((socket) => {
    track(socket)
    onSocket(socket, track)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        sockets.forEach((s) => s.destroy())
        server.close(() => resolve())
      }),
  }
}
