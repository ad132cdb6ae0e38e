import { grantsCommand } from '../grants-command.js'
import { start } from '../main.js'

start({ grants: grantsCommand })
