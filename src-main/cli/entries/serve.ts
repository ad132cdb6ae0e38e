import { serveCommand } from '../serve-command.js'
import { start } from '../main.js'

start({ serve: serveCommand })
