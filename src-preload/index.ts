import { contextBridge } from 'electron'

/** The renderer's only door to main. The typed contract and its methods arrive with the desktop app (issue 6). */
const api = {
  version: 1 as const,
}

export type DesktopApi = typeof api

contextBridge.exposeInMainWorld('klairr', api)
