import type { ApiError, ConnectionForm } from '../contract/index.js'
import { InputError } from '../core/connection/conninfo.js'
import { parsePort, resolveSettings } from '../core/connection/resolve-settings.js'
import type { ConnectionSettings } from '../core/connection/settings.js'
import { isRootCertText } from '../core/connection/root-cert-text.js'

type Outcome = { ok: true; settings: ConnectionSettings } | { ok: false; error: ApiError }

/**
 * The form, checked field by field, then resolved as libpq would, without the process's PG* variables
 * (what the admin typed is all that counts in the app). Every problem is named against its field.
 */
export function settingsFromForm(form: ConnectionForm): Outcome {
  const fields: Record<string, string> = {}
  const host = form.host.trim()
  if (!host) fields.host = 'Enter the host name or IP address of the server.'
  else if (/\s/.test(host)) fields.host = 'A host name has no spaces.'
  const port = form.port.trim()
  // Core's own rule, checked here too so that every field's problem is named at once.
  if (port) {
    try {
      parsePort(port)
    } catch (e) {
      if (!(e instanceof InputError)) throw e
      fields.port = sentence(e.message)
    }
  }
  if (!form.database.trim()) fields.database = 'Enter the database name.'
  if (!form.username.trim()) fields.username = 'Enter the read-only role’s name.'
  if (!form.schema.trim()) fields.schema = 'Enter the schema Klairr reads (usually public).'
  const rootCert = form.sslRootCert.trim()
  if (!isRootCertText(rootCert))
    fields.sslRootCert =
      'Paste the root certificate’s PEM text (it starts with -----BEGIN CERTIFICATE-----) or choose its file; the app does not open paths typed here. “system” uses this machine’s trust store.'
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
        sslRootCert: rootCert || undefined,
        privateNetwork: form.privateNetwork,
        allowWritableRole: form.allowWritableRole,
      },
      {},
    )
    return { ok: true, settings }
  } catch (e) {
    if (!(e instanceof InputError)) throw e
    const message = sentence(e.message)
    return {
      ok: false,
      error: { code: 'invalid_request', message, ...(e.field ? { fields: { [e.field]: message } } : {}) },
    }
  }
}

/** Core's messages are CLI lines ("port must be …"); the form shows them as sentences. */
const sentence = (text: string) =>
  `${text.charAt(0).toUpperCase()}${text.slice(1)}${/[.!?]$/.test(text) ? '' : '.'}`
