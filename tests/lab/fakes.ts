import { createServer, type Server, type Socket } from 'node:net'
import { freePort } from './server.js'

/** Peers that are not PostgreSQL: a port that accepts and never answers, and ports that speak other protocols. */
export interface FakePeers {
  hungPort: number
  sshPort: number
  httpPort: number
  /** Nothing listens here. */
  closedPort: number
  close(): Promise<void>
}

function listen(onSocket: (s: Socket) => void): Promise<{ server: Server; port: number }> {
  const sockets = new Set<Socket>()
  const server = createServer((s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
    s.on('error', () => undefined)
    onSocket(s)
  })
  server.on('close', () => sockets.forEach((s) => s.destroy()))
  const origClose = server.close.bind(server)
  server.close = ((cb?: (err?: Error) => void) => {
    sockets.forEach((s) => s.destroy())
    return origClose(cb)
  }) as Server['close']
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, port: (server.address() as { port: number }).port }),
    ),
  )
}

export async function startFakes(): Promise<FakePeers> {
  const hung = await listen(() => undefined)
  const ssh = await listen((s) => s.write('SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n'))
  const http = await listen((s) =>
    s.once('data', () => s.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n')),
  )
  const closedPort = await freePort()
  return {
    hungPort: hung.port,
    sshPort: ssh.port,
    httpPort: http.port,
    closedPort,
    close: async () => {
      await Promise.all(
        [hung, ssh, http].map(({ server }) => new Promise((r) => server.close(() => r(undefined)))),
      )
    },
  }
}
