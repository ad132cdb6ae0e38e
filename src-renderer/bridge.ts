import type { AppEvent, DesktopApi, Result } from '../src-main/contract/index.js'
import { apiMethods } from '../src-main/contract/methods.js'

declare global {
  interface Window {
    klairr?: DesktopApi
  }
}

/** The same API over `klairr-companion serve`: POST /api/invoke, events from /api/events. */
function httpApi(): DesktopApi {
  const listeners = new Set<(event: AppEvent) => void>()
  let source: EventSource | null = null
  const invoke = async (method: string, payload: unknown): Promise<Result<unknown>> => {
    let response: Response
    try {
      response = await fetch('/api/invoke', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ method, payload }),
        credentials: 'same-origin',
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
      source ??= new EventSource('/api/events')
      source.onmessage = (message) => {
        const event = JSON.parse(message.data as string) as AppEvent
        for (const l of listeners) l(event)
      }
      return () => void listeners.delete(listener)
    },
  }
}

/** The preload's API in the desktop app; the HTTP bridge in a browser. */
export const api: DesktopApi = window.klairr ?? httpApi()

/** A job id for a run or query, so its events and its cancel can be matched. */
export const newJobId = (): string => crypto.randomUUID()
