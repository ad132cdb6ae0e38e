import type { RequestOf, RoleScriptResponse } from '../../contract/index.js'
import {
  cleanupScript,
  generatePassword,
  roleScript as buildRoleScript,
  verificationSql,
} from '../grants/role-script.js'
import type { Secret } from '../secrets/secret.js'

/**
 * The script that creates Klairr's read-only role, its verification query and its cleanup, from a request
 * the contract's schema has checked (names, limits, the statement timeout's form). `password` is the
 * CLI's --password-stdin: the admin's own, put in the script and never returned as generated.
 */
export function roleScript(
  request: RequestOf<'roleScript'>,
  extra: { password?: Secret } = {},
): RoleScriptResponse {
  const generated = request.generatePassword ? generatePassword() : null
  const options = {
    role: request.role,
    database: request.database,
    schemas: [...new Set(request.schemas)],
    owners: [...new Set(request.owners)],
    password: generated ?? extra.password?.reveal() ?? null,
    readOnlyDefault: request.readOnlyDefault,
    statementTimeout: request.statementTimeout?.trim() || null,
    connectionLimit: request.connectionLimit,
    managed: request.managed ?? false,
  }
  return {
    script: buildRoleScript(options),
    verification: verificationSql(options),
    cleanup: cleanupScript(options),
    generatedPassword: generated,
  }
}
