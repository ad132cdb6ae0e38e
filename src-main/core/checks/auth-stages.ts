import type { Socket } from 'node:net'
import { watchAuthRequests } from '../connection/auth-request.js'
import type { StageRecorder } from './stages.js'

/** The AuthenticationRequests the client answers, and what it answers with. */
const ANSWER: Record<number, string> = {
  3: 'password',
  5: 'MD5 password',
  10: 'SASL initial response',
  11: 'SASL response',
}
const REQUEST: Record<number, string> = {
  0: 'AuthenticationOk',
  3: 'password request',
  5: 'MD5 request',
  10: 'SASL request',
  11: 'SASL continue',
}

/**
 * Records each authentication exchange of a login as a stage of the auth check: the startup packet → the
 * server's first request, each answer → its next request, and the last → AuthenticationOk (PostgreSQL
 * sends it, with SASL's final message, once the backend has started, together with ReadyForQuery).
 * It only observes the stream (auth-request.ts); what is still open when `login` settles ends with it.
 */
export async function timedLogin<T>(
  socket: Socket,
  recorder: StageRecorder | undefined,
  login: Promise<T>,
): Promise<T> {
  if (!recorder) return login
  let from = 'startup'
  let close = recorder.begin(from, 'auth')
  const watch = watchAuthRequests(socket, (code) => {
    const request = REQUEST[code]
    if (!request) return
    close(true, `${from} → ${request}`)
    const answer = ANSWER[code]
    if (!answer) return
    from = answer
    close = recorder.begin(from, 'auth')
  })
  const end = (ok: boolean) => {
    watch.stop()
    close(ok, `${from} → ${ok ? 'ReadyForQuery' : 'error'}`)
  }
  try {
    const session = await login
    end(true)
    return session
  } catch (e) {
    end(false)
    throw e
  }
}
