import { auditCommand } from '../audit-command.js'
import { start } from '../main.js'

start({ audit: auditCommand })
