import { useEffect, useState } from 'react'
import type { RoleScriptResponse } from '../../src-main/contract/index.js'
import { providerFromHost } from '../../src-main/core/diagnosis/provider.js'
import { api } from '../bridge.js'
import { CodeBlock } from '../components/copy-button.js'
import { Checkbox, ErrorBanner, Field } from '../components/field.js'
import { HostingChoice } from '../components/hosting-choice.js'
import { loadDraft } from '../lib/draft.js'
import { nameList, type RoleOptions } from '../state.js'

/**
 * The admin's explicit Self-hosted / Managed choice for this page's life (the step remounts as the admin
 * moves between steps); null until they choose, and then the Connection step's host decides.
 */
let chosenHosting: boolean | null = null

/** Step 1: the read-only role's script, regenerated as the options change. */
export function RoleStep({
  options,
  onChange,
  onScript,
}: {
  options: RoleOptions
  onChange: (o: RoleOptions) => void
  /** The script as last generated (its generated password carries over to Connection), or an error. */
  onScript: (result: RoleScriptResponse | null, error: boolean) => void
}) {
  const [result, setResult] = useState<RoleScriptResponse | null>(null)
  const [error, setError] = useState<{ message: string; fields: Record<string, string> } | null>(null)
  // A host the Connection step already holds (the draft) that belongs to a managed provider chooses
  // "Managed cloud" to begin with; the admin's own choice holds from then on, across the steps.
  const [detected] = useState(() => providerFromHost(loadDraft().form.host))
  const [managed, setManaged] = useState(() => chosenHosting ?? detected !== null)
  const chooseHosting = (m: boolean) => {
    chosenHosting = m
    setManaged(m)
  }
  const set = <K extends keyof RoleOptions>(key: K, value: RoleOptions[K]) =>
    onChange({ ...options, [key]: value })

  useEffect(() => {
    let current = true
    const timer = setTimeout(() => {
      const limit = options.connectionLimit.trim()
      void api
        .roleScript({
          role: options.role.trim(),
          database: options.database.trim() || '<database>',
          schemas: nameList(options.schemas),
          owners: nameList(options.owners),
          readOnlyDefault: options.readOnlyDefault,
          statementTimeout: options.statementTimeout.trim() || null,
          connectionLimit: limit ? Number(limit) : null,
          generatePassword: options.generatePassword,
          managed,
        })
        .then((r) => {
          if (!current) return
          if (r.ok) {
            setResult(r.value)
            setError(null)
            onScript(r.value, false)
          } else {
            setError({ message: r.error.message, fields: r.error.fields ?? {} })
            onScript(null, true)
          }
        })
    }, 150)
    return () => {
      current = false
      clearTimeout(timer)
    }
    // onScript only reports; the script follows the options.
  }, [options, managed])

  const fieldError = (key: string) => error?.fields[key]
  return (
    <div className="step-body two-columns">
      <form className="panel" onSubmit={(e) => e.preventDefault()} aria-label="Role options">
        <p className="lead">
          Klairr connects as its own role that can read, and only read. Pick its name and what it may see; the
          script on the right creates it. Run it in psql as{' '}
          {managed ? 'the provider’s admin role' : 'a superuser'}, connected to the database.
        </p>
        <HostingChoice managed={managed} onChange={chooseHosting} detected={detected} />
        <Field id="role-name" label="Role name" error={fieldError('role')}>
          {(p) => (
            <input
              {...p}
              value={options.role}
              onChange={(e) => set('role', e.target.value)}
              autoComplete="off"
            />
          )}
        </Field>
        <Field id="role-database" label="Database" error={fieldError('database')}>
          {(p) => (
            <input
              {...p}
              value={options.database}
              placeholder="analytics"
              onChange={(e) => set('database', e.target.value)}
            />
          )}
        </Field>
        <Field
          id="role-schemas"
          label="Schemas"
          hint="Comma-separated. Klairr reads the first."
          error={fieldError('schemas')}
        >
          {(p) => <input {...p} value={options.schemas} onChange={(e) => set('schemas', e.target.value)} />}
        </Field>
        <Field
          id="role-owners"
          label={managed ? 'Roles that own the tables' : 'Roles that create tables'}
          hint={
            managed
              ? 'Needed on a managed cloud: default privileges are set FOR ROLE each owner, so Klairr sees the tables it creates later; the admin role must belong to it (the script says how).'
              : 'Default privileges cover their future tables. Empty: the role running the script.'
          }
          error={fieldError('owners')}
        >
          {(p) => (
            <input
              {...p}
              value={options.owners}
              placeholder="app_owner, etl"
              onChange={(e) => set('owners', e.target.value)}
            />
          )}
        </Field>
        <Field
          id="role-timeout"
          label="Statement timeout"
          hint="e.g. 30s or 5min; empty for none."
          error={fieldError('statementTimeout')}
        >
          {(p) => (
            <input
              {...p}
              value={options.statementTimeout}
              onChange={(e) => set('statementTimeout', e.target.value)}
            />
          )}
        </Field>
        <Field
          id="role-limit"
          label="Connection limit"
          hint="Empty for no limit."
          error={fieldError('connectionLimit')}
        >
          {(p) => (
            <input
              {...p}
              inputMode="numeric"
              value={options.connectionLimit}
              onChange={(e) => set('connectionLimit', e.target.value)}
            />
          )}
        </Field>
        <Checkbox
          id="role-readonly"
          label="Default to read-only transactions"
          hint="A seatbelt, not security: the grants are what keep the role read-only."
          checked={options.readOnlyDefault}
          onChange={(v) => set('readOnlyDefault', v)}
        />
        <Checkbox
          id="role-generate"
          label="Generate a strong password into the script"
          hint="Shown once. Without it the script has a <password> placeholder."
          checked={options.generatePassword}
          onChange={(v) => set('generatePassword', v)}
        />
      </form>
      <div className="panel scripts">
        <ErrorBanner message={error?.message ?? null} />
        {result && (
          <>
            <CodeBlock
              code={result.script}
              what="role script"
              label={
                managed
                  ? 'Role script (run as the provider’s admin role)'
                  : 'Role script (run as a superuser)'
              }
              unbroken={result.generatedPassword}
            />
            {result.generatedPassword && (
              <p className="banner info">
                The script holds a generated password. “Continue to Connection” puts it in the password field
                for this session only: Klairr Companion keeps it in memory, never on disk or in a draft.
              </p>
            )}
            <CodeBlock code={result.verification} what="verification query" label="Verification query" />
            <details>
              <summary>Remove the role later</summary>
              <CodeBlock code={result.cleanup} what="cleanup script" />
            </details>
          </>
        )}
      </div>
    </div>
  )
}
