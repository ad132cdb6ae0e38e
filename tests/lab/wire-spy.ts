import { connect, createServer, type Server, type Socket } from 'node:net'

/** A TCP relay that records what the client sends, to prove on the wire what the checks ask of the server. */
export interface WireSpy {
  port: number
  sent(): string
  close(): Promise<void>
}

export function startWireSpy(targetPort: number): Promise<WireSpy> {
  const chunks: Buffer[] = []
  const sockets = new Set<Socket>()
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1')
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('error', () => undefined)
      s.on('close', () => sockets.delete(s))
    }
    client.on('data', (b) => chunks.push(b))
    client.pipe(upstream)
    upstream.pipe(client)
  })
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: (server.address() as { port: number }).port,
        sent: () => Buffer.concat(chunks).toString('latin1'),
        close: () =>
          new Promise((r) => {
            sockets.forEach((s) => s.destroy())
            server.close(() => r())
          }),
      }),
    ),
  )
}
