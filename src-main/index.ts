import { app, BrowserWindow, dialog, ipcMain } from 'electron'
import { writeFile } from 'node:fs/promises'
import { userInfo } from 'node:os'
import { join } from 'node:path'
import { EVENT_CHANNEL, type AppEvent } from './contract/index.js'
import { memoryVault, type VaultChoice } from './core/secrets/vault.js'
import { createHandlers } from './handlers/create-handlers.js'
import { bindIpc } from './ipc.js'
import { appSettings, connectorRecords, desktopDrafts, desktopVault } from './store/desktop-stores.js'
import { appEntry, createMainWindow } from './window.js'

declare const __APP_VERSION__: string

// The desktop shell: lifecycle and wiring. Everything it shows comes from core through the contract.
app.enableSandbox()

let mainWindow: BrowserWindow | null = null

/** The vault, or memory for the session when it cannot open (the user is told). */
const openVault = (acceptBasicText: boolean): Promise<VaultChoice> =>
  desktopVault(acceptBasicText).catch(() => ({
    vault: memoryVault(),
    warning: 'The password vault could not be opened: passwords are kept for this session only.',
    basicTextConsent: 'not_needed' as const,
  }))

/** A consent change comes from the page, so main asks the user itself before acting on it. */
async function confirmVaultConsent(window: BrowserWindow | null, accept: boolean): Promise<boolean> {
  const options = accept
    ? {
        type: 'question' as const,
        message: 'Keep saved passwords with the app’s built-in key?',
        detail:
          'No desktop keyring was found. With the built-in key, saved passwords are encrypted with a key kept on this disk: anyone who can read your files can read them. Without it, passwords are kept until the app quits.',
        buttons: ['Use the built-in key', 'Cancel'],
      }
    : {
        type: 'question' as const,
        message: 'Stop keeping passwords with the built-in key?',
        detail: 'Passwords saved with it are no longer read: you type them again.',
        buttons: ['Stop using it', 'Cancel'],
      }
  const all = { ...options, defaultId: 1, cancelId: 1, noLink: true }
  const { response } = window ? await dialog.showMessageBox(window, all) : await dialog.showMessageBox(all)
  return response === 0
}

void app.whenReady().then(() => {
  const settings = appSettings()
  const handlers = createHandlers({
    records: connectorRecords(),
    drafts: desktopDrafts(),
    // Probed while the window opens (a keyring can be slow to answer). On Linux without a keyring,
    // passwords stay in memory unless the user opts in to Electron's built-in key (remembered).
    vault: openVault(settings.acceptBasicText()),
    chooseVault: async (accept) => {
      if (!(await confirmVaultConsent(mainWindow, accept))) return null
      settings.setAcceptBasicText(accept)
      return openVault(accept)
    },
    tool: `klairr-companion/${__APP_VERSION__}`,
    user: userInfo().username,
    emit: (event: AppEvent) => mainWindow?.webContents.send(EVENT_CHANNEL, event),
    saveFile: async (suggestedName, text) => {
      const target = mainWindow ?? undefined
      const options = {
        defaultPath: join(app.getPath('documents'), suggestedName),
        filters: [{ name: 'Klairr connector', extensions: ['json'] }],
      }
      const chosen = target
        ? await dialog.showSaveDialog(target, options)
        : await dialog.showSaveDialog(options)
      if (chosen.canceled || !chosen.filePath) return null
      await writeFile(chosen.filePath, text, { mode: 0o644 })
      return chosen.filePath
    },
  })
  bindIpc(ipcMain, handlers, {
    windowContentsId: () => mainWindow?.webContents.id ?? null,
    appEntry: appEntry(),
  })
  const open = () => {
    mainWindow = createMainWindow()
    mainWindow.on('closed', () => (mainWindow = null))
  }
  open()
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) open()
  })
  app.on('before-quit', () => handlers.shutdown())
})

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit()
})
