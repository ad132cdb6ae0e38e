import type { ApiError, ConnectionForm } from '../contract/index.js'
import { resolveSettings } from '../core/connection/resolve-settings.js'
import type { ConnectionSettings } from '../core/connection/settings.js'

type Outcome = { ok: true; settings: ConnectionSettings } | { ok: false; error: ApiError }

/**
 * The form, resolved as libpq would but without the process's PG* variables (what the admin typed is
 * all that counts in the app): core checks every field by the table in fields.ts and names each
 * problem against its field, so there is no second set of rules here.
 */
export function settingsFromForm(form: ConnectionForm): Outcome {
  const blankIsNone = (v: string | undefined) => (v === undefined || v === '' ? undefined : v)
  const r = resolveSettings(
    {
      host: form.host.trim(),
      port: form.port.trim(),
      database: form.database.trim(),
      schema: form.schema.trim(),
      username: form.username.trim(),
      password: blankIsNone(form.password),
      sslMode: form.sslMode,
      sslRootCert: form.sslRootCert.trim(),
      sslCert: form.sslCert?.trim(),
      sslKey: form.sslKey?.trim(),
      sslPassword: blankIsNone(form.sslPassword),
      privateNetwork: form.privateNetwork,
      allowWritableRole: form.allowWritableRole,
    },
    {},
    { app: true },
  )
  if (r.ok) return r
  const fields: Record<string, string> = {}
  for (const p of r.problems) fields[p.field] ??= sentence(p.message)
  const names = Object.keys(fields)
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

/** Core's messages are CLI lines ("port must be …"); the form shows them as sentences. */
const sentence = (text: string) =>
  `${text.charAt(0).toUpperCase()}${text.slice(1)}${/[.!?]$/.test(text) ? '' : '.'}`
