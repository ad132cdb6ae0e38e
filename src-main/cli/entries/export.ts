import { exportCommand } from '../export-command.js'
import { start } from '../main.js'

start({ export: exportCommand })
