import { readFileSync } from 'node:fs'
import type { Socket } from 'node:net'
import { createSecureContext, TLSSocket } from 'node:tls'
import { cstring, errorResponse, int32, message, startupParameters } from './pg-wire.js'
import { listenOnLoopback } from './loopback-server.js'

/** What the fake writes after the startup message: bytes, a wait for the client's PasswordMessage, or the end. */
export type FakeAuthStep = Buffer | 'password' | 'end'

export interface FakeAuthPg {
  port: number
  /** StartupMessages received: their user. */
  users: string[]
  /** PasswordMessages received (their count only: the fake keeps no password). */
  passwordMessages: number
  close(): Promise<void>
}

/** An AuthenticationRequest ('R') with its code (7 GSSAPI, 9 SSPI, 10 SASL, …) and body. */
export const authRequest = (code: number, body: Buffer = Buffer.alloc(0)) =>
  message('R', Buffer.concat([int32(code), body]))

/** AuthenticationSASL offering these mechanisms. */
export const saslRequest = (mechanisms: string[]) =>
  authRequest(10, Buffer.concat([...mechanisms.map(cstring), Buffer.from([0])]))

/** A FATAL ErrorResponse as PostgreSQL sends it when a login fails. */
export const fatal = (sqlstate: string, text: string) =>
  errorResponse({ S: 'FATAL', V: 'FATAL', C: sqlstate, M: text })

const SSL_REQUEST = 80877103
const GSS_REQUEST = 80877104

/**
 * A PostgreSQL server for the authentication methods the lab's embedded builds cannot configure (GSSAPI,
 * SSPI, LDAP, PAM, BSD, OAuth): it answers SSLRequest with `S` and TLS with the given certificate (asking
 * for a client certificate and refusing to go on without one when `requireClientCert` is set, as a TLS
 * 1.3 server does with a certificate_required alert), then plays `script(user)` after the startup message.
 */
export async function startFakeAuthPg(
  tls: { cert: string; key: string; ca?: string; requireClientCert?: boolean },
  script: (user: string) => FakeAuthStep[],
): Promise<FakeAuthPg> {
  const secureContext = createSecureContext({
    cert: readFileSync(tls.cert),
    key: readFileSync(tls.key),
    ...(tls.ca ? { ca: readFileSync(tls.ca) } : {}),
  })
  const fake: FakeAuthPg = { port: 0, users: [], passwordMessages: 0, close: () => Promise.resolve() }

  function speak(stream: Socket): void {
    let received = Buffer.alloc(0)
    let steps: FakeAuthStep[] | null = null
    let waiting = false
    const play = () => {
      while (steps && steps.length) {
        const step = steps.shift()!
        if (step === 'password') {
          waiting = true
          return
        }
        if (step === 'end') {
          stream.end()
          return
        }
        stream.write(step)
      }
    }
    stream.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk])
      for (;;) {
        if (!steps) {
          if (received.length < 8) return
          const length = received.readInt32BE(0)
          if (received.length < length) return
          const user = startupParameters(received.subarray(8, length)).user ?? ''
          received = received.subarray(length)
          fake.users.push(user)
          steps = script(user)
          play()
          continue
        }
        if (received.length < 5) return
        const length = received.readInt32BE(1)
        if (received.length < length + 1) return
        const type = String.fromCharCode(received[0]!)
        received = received.subarray(length + 1)
        if (type === 'p') fake.passwordMessages++
        if (waiting && type === 'p') {
          waiting = false
          play()
        }
      }
    })
  }

  const listening = await listenOnLoopback((socket) => {
    let first = Buffer.alloc(0)
    const onFirst = (chunk: Buffer) => {
      first = Buffer.concat([first, chunk])
      if (first.length < 8) return
      const code = first.readInt32BE(4)
      socket.off('data', onFirst)
      if (code === GSS_REQUEST) {
        socket.write('N')
        first = first.subarray(8)
        socket.on('data', onFirst)
        return
      }
      if (code !== SSL_REQUEST) {
        socket.destroy()
        return
      }
      socket.write('S')
      const tlsSocket = new TLSSocket(socket, {
        isServer: true,
        secureContext,
        requestCert: Boolean(tls.requireClientCert),
        rejectUnauthorized: Boolean(tls.requireClientCert),
      })
      tlsSocket.on('error', () => undefined)
      speak(tlsSocket)
    }
    socket.on('data', onFirst)
  })
  fake.port = listening.port
  fake.close = listening.close
  return fake
}
