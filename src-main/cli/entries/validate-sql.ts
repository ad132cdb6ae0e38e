import { validateSqlCommand } from '../validate-sql-command.js'
import { start } from '../main.js'

start({ 'validate-sql': validateSqlCommand })
