import { connect, createServer, type AddressInfo, type Socket } from 'node:net'

/** What the proxy saw of one client connection. */
export interface ConnectionFlights {
  /** Times the client sent after the server had answered (its first send counts): each one waits a round trip. */
  flights: number
  clientBytes: number
  serverBytes: number
}

export interface LatencyProxy {
  port: number
  /** Every connection since the last reset, in the order they opened. */
  connections(): ConnectionFlights[]
  /** Round trips the clients waited: each connection's TCP handshake plus its flights. */
  roundTrips(): number
  reset(): void
  close(): Promise<void>
}

/**
 * A TCP relay on loopback that stands for a VPN: every chunk is delayed by half of `rttMs` in each
 * direction, in order, and the client's flights are counted (the number of times it sends after the
 * server's answer reached it). A round trip is what a slow link charges for, whatever the bytes: so
 * the tests count flights instead of timing, and the bench times them at a given RTT. Give the tests a
 * small RTT too: at 0 ms, a server message the client did not wait for (a TLS session ticket) can
 * race its next write and count as a flight.
 */
export async function startLatencyProxy(opts: {
  targetPort: number
  targetHost?: string
  rttMs?: number
}): Promise<LatencyProxy> {
  const { targetPort, targetHost = '127.0.0.1', rttMs = 0 } = opts
  const oneWay = rttMs / 2
  let seen: ConnectionFlights[] = []
  const open = new Set<Socket>()

  /** Writes chunks to `to` after the one-way delay, never overtaking an earlier chunk. */
  const delayedPipe = (to: Socket, delivered: () => void = () => undefined) => {
    let last = 0
    const deliver = (chunk: Buffer) => {
      if (to.destroyed) return
      to.write(chunk)
      delivered()
    }
    return (chunk: Buffer) => {
      const due = Math.max(performance.now() + oneWay, last)
      last = due
      const wait = due - performance.now()
      if (wait <= 0) deliver(chunk)
      else setTimeout(() => deliver(chunk), wait)
    }
  }
  /** Ends `to` once every chunk already scheduled for it has gone. */
  const delayedEnd = (to: Socket) => setTimeout(() => to.end(), oneWay + 1)

  const server = createServer((client) => {
    const facts: ConnectionFlights = { flights: 0, clientBytes: 0, serverBytes: 0 }
    seen.push(facts)
    let answered = true
    const upstream = connect(targetPort, targetHost)
    open.add(client).add(upstream)
    const toServer = delayedPipe(upstream)
    // The client has been answered when the bytes reach it, not when they leave the server: a TLS 1.3
    // session ticket still on its way does not make the client's next write a new flight.
    const toClient = delayedPipe(client, () => (answered = true))
    client.on('data', (chunk) => {
      if (answered) facts.flights++
      answered = false
      facts.clientBytes += chunk.length
      toServer(chunk)
    })
    upstream.on('data', (chunk) => {
      facts.serverBytes += chunk.length
      toClient(chunk)
    })
    client.on('end', () => delayedEnd(upstream))
    upstream.on('end', () => delayedEnd(client))
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      a.on('error', () => b.destroy())
      a.on('close', () => {
        open.delete(a)
        setTimeout(() => b.destroy(), oneWay + 5)
      })
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => seen.map((c) => ({ ...c })),
    roundTrips: () => seen.reduce((sum, c) => sum + 1 + c.flights, 0),
    reset: () => void (seen = []),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy()
        server.close(() => resolve())
      }),
  }
}
