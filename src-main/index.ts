import { app, BrowserWindow } from 'electron'
import { createMainWindow } from './window.js'

// The desktop shell: lifecycle only. Everything it shows comes from core through IPC (issue 6).
app.enableSandbox()

void app.whenReady().then(() => {
  createMainWindow()
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createMainWindow()
  })
})

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit()
})
