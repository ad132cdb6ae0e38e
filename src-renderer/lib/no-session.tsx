import { useEffect } from 'react'
import { applyTheme, initialTheme } from '../theme.js'
import { Brand } from '../components/brand.js'

/** What a browser tab shows when serve gave it no session: a used link, or no link at all. */
export function NoSession({ message }: { message: string }) {
  useEffect(() => applyTheme(initialTheme()), [])
  return (
    <div className="app">
      <header className="topbar">
        <Brand />
      </header>
      <main className="content">
        <h1>No session</h1>
        <p className="banner refused" role="alert" data-testid="no-session">
          {message}
        </p>
      </main>
    </div>
  )
}
