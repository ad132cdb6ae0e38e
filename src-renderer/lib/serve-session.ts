/**
 * The browser bridge's handshake. `klairr-companion serve` prints a URL with a one-time token in its
 * fragment (`#token=…`): a fragment is never sent to a server, nor in a Referer. The page takes it out
 * of the address bar at once, trades it once (POST /api/session) for the session secret, keeps that in
 * this tab's sessionStorage (another port of 127.0.0.1 is another origin and cannot read it; cookies
 * would be shared by every port) and sends it in the X-Klairr-Session header on every API call.
 */

export const SESSION_HEADER = 'X-Klairr-Session'
export const SESSION_STORAGE_KEY = 'klairr-serve-session'

export type Session = { ok: true; secret: string } | { ok: false; message: string }

/** What the handshake needs of the page (tests pass stand-ins). */
export interface SessionEnv {
  location: Pick<Location, 'hash' | 'pathname' | 'search'>
  history: Pick<History, 'replaceState' | 'state'>
  storage: Pick<Storage, 'getItem' | 'setItem'>
  fetch: typeof fetch
}

export const NO_LINK =
  'This page has no session with klairr-companion serve. Open the URL it printed (each URL works once, in one tab).'
const LOST = 'Could not reach klairr-companion serve: is it still running?'

const browserEnv = (): SessionEnv => ({
  location: window.location,
  history: window.history,
  storage: window.sessionStorage,
  fetch: (input, init) => window.fetch(input, init),
})

/** The token in `#token=…`, removed from the address bar (and so from a reload, a bookmark, a screen share). */
export function takeLinkToken(env: Pick<SessionEnv, 'location' | 'history'>): string | null {
  const hash = env.location.hash.replace(/^#/, '')
  if (!hash) return null
  const token = new URLSearchParams(hash).get('token')
  env.history.replaceState(env.history.state, '', `${env.location.pathname}${env.location.search}`)
  return token
}

/**
 * This tab's session: the link's token traded for a new secret, or the secret this tab already holds
 * (a reload). A refused trade keeps the tab's own secret if it has one; else the server's reason.
 */
export async function openSession(env: SessionEnv = browserEnv()): Promise<Session> {
  const token = takeLinkToken(env)
  const kept = env.storage.getItem(SESSION_STORAGE_KEY)
  if (token === null) return kept ? { ok: true, secret: kept } : { ok: false, message: NO_LINK }
  let response: Response
  try {
    response = await env.fetch('/api/session', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ token }),
      credentials: 'omit',
      cache: 'no-store',
    })
  } catch {
    return { ok: false, message: LOST }
  }
  if (response.ok) {
    const { session } = (await response.json()) as { session?: unknown }
    if (typeof session === 'string' && session) {
      env.storage.setItem(SESSION_STORAGE_KEY, session)
      return { ok: true, secret: session }
    }
  }
  if (kept) return { ok: true, secret: kept }
  const message = (await response.text().catch(() => '')).trim()
  return { ok: false, message: message || `klairr-companion serve answered ${response.status}.` }
}

/**
 * A printed URL pasted into a tab already on the bridge changes only the fragment, so the page does not
 * load again by itself: reload it, and the new token is traded as the page starts.
 */
export function tradeNewLinks(win: Pick<Window, 'addEventListener' | 'location'> = window): void {
  win.addEventListener('hashchange', () => {
    if (/(^#|&)token=/.test(win.location.hash)) win.location.reload()
  })
}
