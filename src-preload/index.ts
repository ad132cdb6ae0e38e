import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import type { AppEvent, DesktopApi } from '../src-main/contract/index.js'
import { apiMethods } from '../src-main/contract/methods.js'

// Channel names as literals: importing them from the contract's index would pull zod into the preload.
const INVOKE = 'klairr:invoke'
const EVENTS = 'klairr:event'

/** The renderer's only door to main: one function per contract method, and job events. Never ipcRenderer. */
const api: DesktopApi = {
  ...apiMethods((method, request) => ipcRenderer.invoke(INVOKE, method, request)),
  onEvent(listener) {
    const relay = (_event: IpcRendererEvent, payload: AppEvent) => listener(payload)
    ipcRenderer.on(EVENTS, relay)
    return () => void ipcRenderer.removeListener(EVENTS, relay)
  },
}

contextBridge.exposeInMainWorld('klairr', api)
