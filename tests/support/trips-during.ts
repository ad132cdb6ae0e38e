import type { LatencyProxy } from '../lab/latency-proxy.js'

/**
 * Round trips `work` cost through the proxy, counted without a reset (a kept connection's flights count
 * too): the TCP handshake of each connection it opened, and every client flight on any connection.
 */
export async function tripsDuring<R>(
  proxy: LatencyProxy,
  work: () => Promise<R>,
): Promise<{ value: R; trips: number; connections: number }> {
  const flights = (cs: { flights: number }[]) => cs.reduce((s, c) => s + c.flights, 0)
  const before = proxy.connections()
  const value = await work()
  const after = proxy.connections()
  const connections = after.length - before.length
  return { value, trips: connections + flights(after) - flights(before), connections }
}
