import { useState } from 'react'
import { SSL_MODES } from '../../src-main/core/connection/settings.js'
import { api } from '../bridge.js'
import { Checkbox, Field } from '../components/field.js'
import { PEM_KINDS, PemField, RootCertField } from '../components/root-cert-field.js'
import { FIELD_LABELS } from '../../src-main/core/diagnosis/field-labels.js'
import type { ConnectionForm } from '../state.js'

const SSL_HINTS: Record<string, string> = {
  require: 'Encrypted; the certificate is not checked against a CA (the guide’s recommendation).',
  'verify-ca': 'Encrypted; the certificate must chain to the root certificate below.',
  'verify-full': 'Encrypted; the certificate must chain to the root and name the host.',
  prefer: 'Diagnostic only: Klairr does not accept it.',
  allow: 'Diagnostic only: Klairr does not accept it.',
  disable: 'Diagnostic only: no TLS. Klairr does not accept it.',
}

/** Step 2: the guide's connector form, or a pasted connection URI. */
export function ConnectionStep({
  form,
  onChange,
  fieldErrors,
  onRun,
  carried,
}: {
  form: ConnectionForm
  onChange: (form: ConnectionForm) => void
  fieldErrors: Record<string, string>
  onRun: () => void
  /** What the Role step filled in, said once above the form. */
  carried: string | null
}) {
  const [uri, setUri] = useState('')
  const [uriError, setUriError] = useState<string | null>(null)
  const [filled, setFilled] = useState<string | null>(null)
  const set = <K extends keyof ConnectionForm>(key: K, value: ConnectionForm[K]) =>
    onChange({ ...form, [key]: value })

  const fillFromUri = async () => {
    setFilled(null)
    const r = await api.parseConnectionString({ text: uri })
    if (!r.ok) return setUriError(r.error.message)
    setUriError(null)
    const names = Object.keys(r.value.fields)
    onChange({ ...form, ...r.value.fields, connectorId: undefined })
    setFilled(names.length ? `Filled in: ${names.join(', ')}.` : 'The text named no fields.')
  }

  return (
    <div className="step-body two-columns">
      <form
        className="panel"
        aria-label="Connection"
        onSubmit={(e) => {
          e.preventDefault()
          onRun()
        }}
      >
        {carried && (
          <p className="banner info" role="status">
            {carried}
          </p>
        )}
        <div className="grid-2">
          <Field
            id="host"
            label={FIELD_LABELS.host}
            error={fieldErrors.host}
            hint="Name or IP address, as Klairr will reach it."
          >
            {(p) => (
              <input
                {...p}
                value={form.host}
                onChange={(e) => set('host', e.target.value)}
                autoComplete="off"
                spellCheck={false}
              />
            )}
          </Field>
          <Field id="port" label={FIELD_LABELS.port} error={fieldErrors.port}>
            {(p) => (
              <input
                {...p}
                inputMode="numeric"
                value={form.port}
                onChange={(e) => set('port', e.target.value)}
              />
            )}
          </Field>
          <Field id="database" label={FIELD_LABELS.database} error={fieldErrors.database}>
            {(p) => (
              <input
                {...p}
                value={form.database}
                onChange={(e) => set('database', e.target.value)}
                spellCheck={false}
              />
            )}
          </Field>
          <Field id="schema" label={FIELD_LABELS.schema} error={fieldErrors.schema}>
            {(p) => (
              <input
                {...p}
                value={form.schema}
                onChange={(e) => set('schema', e.target.value)}
                spellCheck={false}
              />
            )}
          </Field>
          <Field id="username" label={FIELD_LABELS.username} error={fieldErrors.username}>
            {(p) => (
              <input
                {...p}
                value={form.username}
                onChange={(e) => set('username', e.target.value)}
                autoComplete="off"
                spellCheck={false}
              />
            )}
          </Field>
          <Field
            id="password"
            label={FIELD_LABELS.password}
            error={fieldErrors.password}
            hint={
              form.connectorId && !form.password
                ? 'Empty: the saved password is used, for this connector’s server and role only.'
                : 'Kept in memory only: a reload forgets it, and drafts never hold it.'
            }
          >
            {(p) => (
              <input
                {...p}
                type="password"
                value={form.password}
                onChange={(e) => set('password', e.target.value)}
                autoComplete="off"
              />
            )}
          </Field>
        </div>
        <Field
          id="sslMode"
          label={FIELD_LABELS.sslMode}
          error={fieldErrors.sslMode}
          hint={SSL_HINTS[form.sslMode]}
        >
          {(p) => (
            <select
              {...p}
              value={form.sslMode}
              onChange={(e) => set('sslMode', e.target.value as ConnectionForm['sslMode'])}
            >
              {SSL_MODES.map((m) => (
                <option key={m} value={m}>
                  {m}
                </option>
              ))}
            </select>
          )}
        </Field>
        <RootCertField
          value={form.sslRootCert}
          onChange={(v) => set('sslRootCert', v)}
          error={fieldErrors.sslRootCert}
        />
        <details className="client-cert" open={Boolean(form.sslCert || form.sslKey)}>
          <summary>Client certificate (only if the server asks for one)</summary>
          <PemField
            kind={PEM_KINDS.sslCert}
            value={form.sslCert ?? ''}
            onChange={(v) => set('sslCert', v)}
            error={fieldErrors.sslCert}
          />
          <PemField
            kind={PEM_KINDS.sslKey}
            value={form.sslKey ?? ''}
            onChange={(v) => set('sslKey', v)}
            error={fieldErrors.sslKey}
          />
          <Field
            id="sslPassword"
            label={FIELD_LABELS.sslPassword}
            error={fieldErrors.sslPassword}
            hint="Only for an encrypted key. Kept in memory only, like the password."
          >
            {(p) => (
              <input
                {...p}
                type="password"
                value={form.sslPassword ?? ''}
                onChange={(e) => set('sslPassword', e.target.value)}
                autoComplete="off"
              />
            )}
          </Field>
        </details>
        <Checkbox
          id="privateNetwork"
          label={FIELD_LABELS.privateNetwork}
          hint="Klairr reaches it through a private link or tunnel, not the internet."
          checked={form.privateNetwork}
          onChange={(v) => set('privateNetwork', v)}
        />
        <Checkbox
          id="allowWritableRole"
          label={FIELD_LABELS.allowWritableRole}
          hint="Only if you accept that the role can change data; export then records who accepted it."
          checked={form.allowWritableRole}
          onChange={(v) => set('allowWritableRole', v)}
        />
        <div className="actions">
          <button type="submit" className="button primary">
            Run the tests
          </button>
        </div>
      </form>
      <section className="panel" aria-labelledby="uri-title">
        <h3 id="uri-title">Or paste a connection string</h3>
        <p className="muted">
          A postgresql:// URI, libpq’s key=value form, a JDBC URL, a DATABASE_URL= line or a psql command. It
          fills in the fields; nothing connects yet.
        </p>
        <Field id="uri" label="Connection string" error={uriError ?? undefined}>
          {(p) => (
            <textarea
              {...p}
              rows={3}
              value={uri}
              spellCheck={false}
              placeholder="postgresql://klairr_reader@db.example.com:5432/analytics?sslmode=require"
              onChange={(e) => setUri(e.target.value)}
            />
          )}
        </Field>
        <div className="actions">
          <button type="button" className="button" onClick={() => void fillFromUri()} disabled={!uri.trim()}>
            Fill in the form
          </button>
        </div>
        {filled && (
          <p className="banner info" role="status">
            {filled}
          </p>
        )}
      </section>
    </div>
  )
}
