import type { ProviderFinding } from '../../src-main/core/diagnosis/provider.js'

const OPTIONS = [
  {
    managed: false,
    label: 'Self-hosted',
    hint: 'Run the script as a superuser (or a role with CREATEROLE).',
  },
  {
    managed: true,
    label: 'Managed cloud (RDS, Azure, Cloud SQL, …)',
    hint: 'Nobody is a superuser there: the script is for the provider’s admin role (rds_superuser, azure_pg_admin, cloudsqlsuperuser) and needs no superuser statement.',
  },
] as const

/** Where the database runs, which decides who runs the role script: a superuser, or a provider's admin role. */
export function HostingChoice({
  managed,
  onChange,
  detected,
}: {
  managed: boolean
  onChange: (managed: boolean) => void
  /** The provider the Connection step's host name belongs to, which chose "Managed" to begin with. */
  detected: ProviderFinding | null
}) {
  return (
    <fieldset className="choice">
      <legend>Where the database runs</legend>
      {OPTIONS.map((o) => {
        const id = `role-hosting-${o.managed ? 'managed' : 'self'}`
        return (
          <div className="checkbox" key={id}>
            <input
              type="radio"
              id={id}
              name="role-hosting"
              checked={managed === o.managed}
              onChange={() => onChange(o.managed)}
              aria-describedby={`${id}-hint`}
            />
            <label htmlFor={id}>{o.label}</label>
            <div className="hint" id={`${id}-hint`}>
              {o.hint}
              {o.managed && detected && ` The Connection step’s host is ${detected.name}.`}
            </div>
          </div>
        )
      })}
    </fieldset>
  )
}
