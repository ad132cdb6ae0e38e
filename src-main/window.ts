import { BrowserWindow, shell } from 'electron'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { hardenContents } from './hardening.js'

/** The page the window shows: the dev server in `npm run dev`, the packaged files otherwise. */
export function appEntry(): string {
  return process.env.ELECTRON_RENDERER_URL ?? pathToFileURL(join(__dirname, '../renderer/index.html')).href
}

/**
 * The one window: isolated, sandboxed, no Node anywhere in the renderer, then hardened (hardening.ts).
 * The options are written out here, literally, so that reviewers and electronegativity see them.
 */
export function createMainWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1180,
    height: 800,
    minWidth: 760,
    minHeight: 560,
    show: false,
    title: 'Klairr Companion',
    webPreferences: {
      preload: join(__dirname, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      // Middle-click would open links in a new window: the feature is off.
      disableBlinkFeatures: 'Auxclick',
    },
  })
  hardenContents(win.webContents, (url) => void shell.openExternal(url))
  win.once('ready-to-show', () => win.show())
  void win.loadURL(appEntry())
  return win
}
