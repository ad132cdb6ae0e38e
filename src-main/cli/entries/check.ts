import { checkCommand } from '../check-command.js'
import { start } from '../main.js'

start({ check: checkCommand })
