import { connect } from 'node:net'
import { listenOnLoopback } from './loopback-server.js'

/** A TCP relay that records what the client sends, to prove on the wire what the checks ask of the server. */
export interface WireSpy {
  port: number
  sent(): string
  close(): Promise<void>
}

export async function startWireSpy(targetPort: number): Promise<WireSpy> {
  const chunks: Buffer[] = []
  const { port, close } = await listenOnLoopback((client, track) => {
    const upstream = connect(targetPort, '127.0.0.1')
    track(upstream)
    client.on('data', (b) => chunks.push(b))
    client.pipe(upstream)
    upstream.pipe(client)
  })
  return { port, sent: () => Buffer.concat(chunks).toString('latin1'), close }
}
