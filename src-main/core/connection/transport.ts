import { lookup, type LookupAddress } from 'node:dns'
import { isIP, Socket, connect as netConnect } from 'node:net'
import { bounded } from '../time.js'

/** PostgreSQL's SSLRequest: length 8, code 80877103. */
const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f])

export interface Address {
  address: string
  family: 4 | 6
}

function lookupAll(host: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) =>
    lookup(host, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))),
  )
}

/** Resolves every A/AAAA record (IP literals resolve to themselves, without DNS). */
export async function resolveHost(host: string, timeoutMs: number, signal?: AbortSignal): Promise<Address[]> {
  const family = isIP(host)
  if (family === 4 || family === 6) return [{ address: host, family }]
  const found = await bounded(lookupAll(host), {
    step: 'DNS lookup',
    timeoutMs,
    signal,
  })
  return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }))
}

/**
 * Opens a TCP connection, destroying the socket if the bound or the signal wins. TCP keepalives are on
 * unless `keepalives.enabled` is false, as libpq's keepalives (default 1) and keepalives_idle (absent:
 * the system's idle time) set them.
 */
export async function openTcp(
  address: string,
  port: number,
  timeoutMs: number,
  signal?: AbortSignal,
  keepalives: { enabled: boolean; idleSeconds?: number } = { enabled: true },
): Promise<Socket> {
  const socket = netConnect({ host: address, port, noDelay: true })
  socket.setKeepAlive(keepalives.enabled, (keepalives.idleSeconds ?? 0) * 1000)
  const connected = new Promise<Socket>((resolve, reject) => {
    socket.once('connect', () => resolve(socket))
    socket.once('error', reject)
  })
  try {
    return await bounded(connected, {
      step: 'TCP connect',
      timeoutMs,
      signal,
      onGiveUp: () => socket.destroy(),
    })
  } finally {
    socket.removeAllListeners('error')
    socket.on('error', () => undefined)
  }
}

export type SslAnswer = 'S' | 'N'

export class NotPostgresError extends Error {
  override readonly name = 'NotPostgresError'
  constructor(readonly firstBytes: string) {
    super(`the peer answered the SSLRequest with ${JSON.stringify(firstBytes)}, not S or N`)
  }
}

/**
 * Sends SSLRequest and waits for the one-byte answer. A PostgreSQL server sends exactly `S` or `N`
 * and then waits; anything else (a banner, an HTTP error, a closed socket) is not PostgreSQL.
 */
export async function askForTls(socket: Socket, timeoutMs: number, signal?: AbortSignal): Promise<SslAnswer> {
  const answer = new Promise<SslAnswer>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      cleanup()
      const text = chunk.subarray(0, 16).toString('latin1')
      if (chunk.length === 1 && (text === 'S' || text === 'N')) resolve(text)
      else reject(new NotPostgresError(text))
    }
    const onEnd = () => {
      cleanup()
      reject(new NotPostgresError(''))
    }
    const cleanup = () => {
      socket.off('data', onData)
      socket.off('end', onEnd)
      socket.off('close', onEnd)
      socket.pause()
    }
    socket.on('data', onData)
    socket.once('end', onEnd)
    socket.once('close', onEnd)
  })
  socket.write(SSL_REQUEST)
  return bounded(answer, {
    step: 'PostgreSQL SSLRequest answer',
    timeoutMs,
    signal,
    onGiveUp: () => socket.destroy(),
  })
}
