import { StrictMode, type ReactNode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './app.js'
import { bridgeSession } from './bridge.js'
import { NoSession } from './lib/no-session.js'
import './styles.css'

const root = document.getElementById('root')
if (!root) throw new Error('index.html has no #root')
const render = (node: ReactNode) => createRoot(root).render(<StrictMode>{node}</StrictMode>)
// In a browser, the app starts once serve has given this tab its session.
if (bridgeSession) void bridgeSession.then((s) => render(s.ok ? <App /> : <NoSession message={s.message} />))
else render(<App />)
