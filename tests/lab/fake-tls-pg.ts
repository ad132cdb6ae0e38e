import { execFileSync } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import type { Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createSecureContext, TLSSocket } from 'node:tls'
import { errorResponse, int32, message, startupParameters } from './pg-wire.js'
import { listenOnLoopback } from './loopback-server.js'

/** What an impostor saw: every connection, and anything the client sent after the SSLRequest. */
export interface FakeTlsPg {
  port: number
  /** SHA-256 of the fake's own certificate, as Node writes `fingerprint256`. */
  fingerprint256: string
  /** TCP connections accepted. */
  connections: number
  /** SSLRequests answered `S`. */
  sslRequests: number
  /** StartupMessages received, over TLS or in the clear: their user and database. */
  startups: { user: string; database: string; tls: boolean }[]
  /** The payload of every PasswordMessage received. */
  passwords: string[]
  /** The SNI host name of each TLS handshake, or null when the client sent none. */
  serverNames: (string | null)[]
  close(): Promise<void>
}

const SSL_REQUEST = 80877103
const GSS_REQUEST = 80877104

/** A self-signed certificate of the fake's own (CN=localhost, SAN localhost and 127.0.0.1). */
function selfSigned(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'klairr-impostor-'))
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        'key.pem',
        '-out',
        'cert.pem',
        '-days',
        '30',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
      ],
      { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
    )
    return {
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * A PostgreSQL impostor: it answers SSLRequest with `S` and then TLS with its own self-signed certificate
 * (or takes a startup in the clear), asks for a cleartext password, and logs whatever arrives. A client
 * that checks the pin first leaves `startups` and `passwords` empty.
 */
export async function startFakeTlsPg(): Promise<FakeTlsPg> {
  const { key, cert } = selfSigned()
  const secureContext = createSecureContext({ key, cert })
  const fake: FakeTlsPg = {
    port: 0,
    fingerprint256: new X509Certificate(cert).fingerprint256,
    connections: 0,
    sslRequests: 0,
    startups: [],
    passwords: [],
    serverNames: [],
    close: () => Promise.resolve(),
  }

  /** Startup, then password messages, on a plain or TLS stream. */
  function speak(stream: Socket, tls: boolean, leftover: Buffer): void {
    let received = leftover
    let started = false
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk])
      for (;;) {
        if (!started) {
          if (received.length < 8) return
          const length = received.readInt32BE(0)
          if (received.length < length) return
          const packet = received.subarray(0, length)
          received = received.subarray(length)
          const startup = startupParameters(packet.subarray(8))
          fake.startups.push({ user: startup.user ?? '', database: startup.database ?? '', tls })
          started = true
          stream.write(message('R', int32(3))) // AuthenticationCleartextPassword
          continue
        }
        if (received.length < 5) return
        const length = received.readInt32BE(1)
        if (received.length < length + 1) return
        const type = String.fromCharCode(received[0]!)
        const body = received.subarray(5, length + 1)
        received = received.subarray(length + 1)
        if (type === 'p') {
          fake.passwords.push(body.toString('utf8').replace(/\0$/, ''))
          stream.end(
            errorResponse({
              S: 'FATAL',
              V: 'FATAL',
              C: '28P01',
              M: 'password authentication failed for user "impostor"',
            }),
          )
          return
        }
      }
    }
    stream.on('data', onData)
    if (leftover.length) onData(Buffer.alloc(0))
  }

  const listening = await listenOnLoopback((socket) => {
    fake.connections++
    let first = Buffer.alloc(0)
    const onFirst = (chunk: Buffer) => {
      first = Buffer.concat([first, chunk])
      if (first.length < 8) return
      const code = first.readInt32BE(4)
      if (code === SSL_REQUEST || code === GSS_REQUEST) {
        socket.off('data', onFirst)
        if (code === GSS_REQUEST) {
          socket.write('N')
          first = first.subarray(8)
          socket.on('data', onFirst)
          return
        }
        fake.sslRequests++
        socket.write('S')
        const tlsSocket = new TLSSocket(socket, { isServer: true, secureContext })
        tlsSocket.on('error', () => undefined)
        tlsSocket.once('secure', () =>
          fake.serverNames.push(typeof tlsSocket.servername === 'string' ? tlsSocket.servername : null),
        )
        speak(tlsSocket, true, Buffer.alloc(0))
        return
      }
      socket.off('data', onFirst)
      speak(socket, false, first)
    }
    socket.on('data', onFirst)
  })
  fake.port = listening.port
  fake.close = listening.close
  return fake
}
