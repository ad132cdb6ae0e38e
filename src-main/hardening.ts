/** The renderer's Content-Security-Policy: its own files only, no inline script or style, no network. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ')

/** What `hardenContents` needs of webContents and its session (tests pass stand-ins). */
export interface ContentsLike {
  on(
    event: 'will-navigate' | 'will-redirect' | 'will-attach-webview',
    listener: (event: { preventDefault(): void }) => void,
  ): void
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void
  session: {
    setPermissionRequestHandler(
      handler: (contents: unknown, permission: string, callback: (granted: boolean) => void) => void,
    ): void
    setPermissionCheckHandler(handler: () => boolean): void
    webRequest: {
      onHeadersReceived(
        listener: (
          details: { responseHeaders?: Record<string, string[]> },
          callback: (response: { responseHeaders: Record<string, string[]> }) => void,
        ) => void,
      ): void
    }
  }
}

/**
 * No navigation, no redirects, no webviews, no new windows (https links go to the system browser after
 * the caller's check), every permission denied, and the CSP sent as a header on every response too.
 */
export function hardenContents(contents: ContentsLike, openExternal: (url: string) => void): void {
  const block = (event: { preventDefault(): void }) => event.preventDefault()
  contents.on('will-navigate', block)
  contents.on('will-redirect', block)
  contents.on('will-attach-webview', block)
  contents.setWindowOpenHandler(({ url }) => {
    if (/^https:\/\/[^/]/.test(url)) openExternal(url)
    return { action: 'deny' }
  })
  contents.session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false))
  contents.session.setPermissionCheckHandler(() => false)
  contents.session.webRequest.onHeadersReceived((details, callback) =>
    callback({
      responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] },
    }),
  )
}
