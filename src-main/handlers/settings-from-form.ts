import type { ApiError, ConnectionForm } from '../contract/index.js'
import { InputError } from '../core/connection/conninfo.js'
import { resolveSettings } from '../core/connection/resolve-settings.js'
import type { ConnectionSettings } from '../core/connection/settings.js'

type Outcome = { ok: true; settings: ConnectionSettings } | { ok: false; error: ApiError }

/**
 * The form, checked field by field, then resolved as libpq would, without the process's PG* variables
 * (what the admin typed is all that counts in the app). Every problem is named against its field.
 */
export function settingsFromForm(form: ConnectionForm): Outcome {
  const fields: Record<string, string> = {}
  const host = form.host.trim()
  if (!host) fields.host = 'Enter the host name or IP address of the server.'
  else if (host.startsWith('/'))
    fields.host = 'A Unix-domain socket cannot be checked: give a host name or IP address.'
  else if (/\s/.test(host)) fields.host = 'A host name has no spaces.'
  const port = form.port.trim()
  if (port && (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535))
    fields.port = 'The port is a whole number from 1 to 65535.'
  if (!form.database.trim()) fields.database = 'Enter the database name.'
  if (!form.username.trim()) fields.username = 'Enter the read-only role’s name.'
  if (!form.schema.trim()) fields.schema = 'Enter the schema Klairr reads (usually public).'
  const names = Object.keys(fields)
  if (names.length) {
    return {
      ok: false,
      error: {
        code: 'invalid_request',
        message:
          names.length === 1
            ? fields[names[0]!]!
            : `${names.length} fields need attention: ${names.join(', ')}.`,
        fields,
      },
    }
  }
  try {
    const settings = resolveSettings(
      {
        host,
        port: port || undefined,
        database: form.database.trim(),
        schema: form.schema.trim(),
        username: form.username.trim(),
        password: form.password === '' ? undefined : form.password,
        sslMode: form.sslMode,
        sslRootCert: form.sslRootCert.trim() || undefined,
        privateNetwork: form.privateNetwork,
        allowWritableRole: form.allowWritableRole,
      },
      {},
    )
    return { ok: true, settings }
  } catch (e) {
    if (e instanceof InputError) return { ok: false, error: { code: 'invalid_request', message: e.message } }
    throw e
  }
}
