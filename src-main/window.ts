import { BrowserWindow, shell } from 'electron'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { hardenContents, windowOptions } from './window-options.js'

/** The page the window shows: the dev server in `npm run dev`, the packaged files otherwise. */
export function appEntry(): string {
  return process.env.ELECTRON_RENDERER_URL ?? pathToFileURL(join(__dirname, '../renderer/index.html')).href
}

/** The one window, hardened (see window-options.ts). */
export function createMainWindow(): BrowserWindow {
  const win = new BrowserWindow(windowOptions(join(__dirname, '../preload/index.cjs')))
  hardenContents(win.webContents, (url) => void shell.openExternal(url))
  win.once('ready-to-show', () => win.show())
  void win.loadURL(appEntry())
  return win
}
