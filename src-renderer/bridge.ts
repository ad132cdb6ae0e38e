import type { AppEvent, DesktopApi, Result } from '../src-main/contract/index.js'
import { apiMethods } from '../src-main/contract/methods.js'
import { streamEvents } from './lib/event-stream.js'
import { openSession, SESSION_HEADER, tradeNewLinks, type Session } from './lib/serve-session.js'

declare global {
  interface Window {
    klairr?: DesktopApi
  }
}

/**
 * The same API over `klairr-companion serve`: POST /api/invoke, events from /api/events, each with this
 * tab's session secret in a header (see lib/serve-session.ts); no cookie is sent or needed.
 */
function httpApi(session: Promise<Session>): DesktopApi {
  const listeners = new Set<(event: AppEvent) => void>()
  let streaming = false
  const invoke = async (method: string, payload: unknown): Promise<Result<unknown>> => {
    const s = await session
    if (!s.ok) return { ok: false, error: { code: 'forbidden', message: s.message } }
    let response: Response
    try {
      response = await fetch('/api/invoke', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', [SESSION_HEADER]: s.secret },
        body: JSON.stringify({ method, payload }),
        credentials: 'omit',
      })
    } catch {
      return {
        ok: false,
        error: {
          code: 'internal',
          message: 'Lost contact with klairr-companion serve: is it still running?',
        },
      }
    }
    if (response.ok) return (await response.json()) as Result<unknown>
    const message = (await response.text()).trim() || `The bridge answered ${response.status}.`
    return {
      ok: false,
      error: { code: response.status === 401 || response.status === 403 ? 'forbidden' : 'internal', message },
    }
  }
  return {
    ...apiMethods(invoke),
    onEvent(listener) {
      listeners.add(listener)
      if (!streaming) {
        streaming = true
        void session.then(
          (s) =>
            s.ok &&
            streamEvents('/api/events', { [SESSION_HEADER]: s.secret }, (data) => {
              const event = JSON.parse(data) as AppEvent
              for (const l of listeners) l(event)
            }),
        )
      }
      return () => void listeners.delete(listener)
    },
  }
}

/** In a browser, this tab's session with serve, traded as the page loads; null in the desktop app. */
export const bridgeSession: Promise<Session> | null = window.klairr ? null : openSession()
if (bridgeSession) tradeNewLinks()

/** The preload's API in the desktop app; the HTTP bridge in a browser. */
export const api: DesktopApi = window.klairr ?? httpApi(bridgeSession!)

/** A job id for a run or query, so its events and its cancel can be matched. */
export const newJobId = (): string => crypto.randomUUID()
