import { queryCommand } from '../query-command.js'
import { start } from '../main.js'

start({ query: queryCommand })
