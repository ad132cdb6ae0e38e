import { INVOKE_CHANNEL, type Result } from './contract/index.js'
import { dispatch, failure, type Handlers } from './handlers/dispatch.js'

/** The parts of Electron's ipcMain and its invoke event that the binding uses (tests pass stand-ins). */
export interface InvokeEventLike {
  sender: { id: number }
  senderFrame: { url: string; parent: unknown } | null
}
export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>): void
  removeHandler(channel: string): void
}

/** Where the app's own page lives: the packaged index.html, or the dev server's origin. */
export function isAppUrl(url: string, appEntry: string): boolean {
  let actual: URL
  let expected: URL
  try {
    actual = new URL(url)
    expected = new URL(appEntry)
  } catch {
    return false
  }
  if (expected.protocol === 'file:')
    return actual.protocol === 'file:' && actual.pathname === expected.pathname
  return actual.origin === expected.origin
}

/**
 * A request is answered only when it comes from the main window's top frame showing the app's own page:
 * not another window, not an iframe, not a page the window was somehow navigated to.
 */
export function isTrustedSender(
  event: InvokeEventLike,
  windowContentsId: number | null,
  appEntry: string,
): boolean {
  const frame = event.senderFrame
  return (
    windowContentsId !== null &&
    event.sender.id === windowContentsId &&
    frame !== null &&
    frame.parent === null &&
    isAppUrl(frame.url, appEntry)
  )
}

/** Binds the one invoke channel: sender check, then the contract's dispatch. */
export function bindIpc(
  ipcMain: IpcMainLike,
  handlers: Handlers,
  trusted: { windowContentsId: () => number | null; appEntry: string },
): void {
  ipcMain.handle(INVOKE_CHANNEL, async (event, method, payload): Promise<Result<unknown>> => {
    if (!isTrustedSender(event, trusted.windowContentsId(), trusted.appEntry))
      return failure('forbidden', 'Refused: the request did not come from Klairr Companion’s own window.')
    return dispatch(handlers, method, payload)
  })
}
