import { importCommand } from '../import-command.js'
import { start } from '../main.js'

start({ import: importCommand })
