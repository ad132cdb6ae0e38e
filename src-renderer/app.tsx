import { useCallback, useEffect, useRef, useState } from 'react'
import type { VaultState } from '../src-main/contract/index.js'
import type { ConnectorRecord } from '../src-main/core/records/connector-records.js'
import { api, newJobId } from './bridge.js'
import { ConnectorsList } from './components/connectors-list.js'
import { IDLE_RUN, pendingChecks, type RunState } from './run-state.js'
import {
  DEFAULT_ROLE,
  EMPTY_FORM,
  STEPS,
  type ConnectionForm,
  type RoleOptions,
  type StepId,
} from './state.js'
import { ConnectionStep } from './steps/connection-step.js'
import { ExploreStep } from './steps/explore-step.js'
import { ExportStep } from './steps/export-step.js'
import { RoleStep } from './steps/role-step.js'
import { TestStep } from './steps/test-step.js'
import { applyTheme, initialTheme, type Theme } from './theme.js'
import { Brand } from './components/brand.js'

/** The guided flow: five steps one can move between freely, and the saved connectors beside them. */
export function App() {
  const [step, setStep] = useState<StepId>('role')
  const [theme, setTheme] = useState<Theme>(initialTheme)
  const [role, setRole] = useState<RoleOptions>(DEFAULT_ROLE)
  const [form, setForm] = useState<ConnectionForm>(EMPTY_FORM)
  /** The connector's functions allowed by name: the query sandbox uses them, the export records them. */
  const [allowFunctions, setAllowFunctions] = useState<string[]>([])
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({})
  const [run, setRun] = useState<RunState>(IDLE_RUN)
  const [connectors, setConnectors] = useState<{ list: ConnectorRecord[] } & VaultState>({
    list: [],
    vaultWarning: null,
    basicTextConsent: 'not_needed',
  })
  const heading = useRef<HTMLHeadingElement>(null)
  const jobRef = useRef<string | null>(null)

  useEffect(() => applyTheme(theme), [theme])
  const refreshConnectors = useCallback(() => {
    void api.listConnectors({}).then((r) => r.ok && setConnectors({ ...r.value, list: r.value.connectors }))
  }, [])
  useEffect(refreshConnectors, [refreshConnectors])

  useEffect(
    () =>
      api.onEvent((event) => {
        if (event.jobId !== jobRef.current) return
        setRun((r) => ({
          ...r,
          live: {
            ...r.live,
            ...(event.type === 'check_started'
              ? { [event.id]: { state: 'running', since: performance.now() } }
              : { [event.result.id]: { state: 'done', result: event.result } }),
          },
        }))
      }),
    [],
  )

  const go = (id: StepId) => {
    setStep(id)
    requestAnimationFrame(() => heading.current?.focus())
  }

  const runTests = async () => {
    const jobId = newJobId()
    jobRef.current = jobId
    setFieldErrors({})
    setRun({ jobId, running: true, live: pendingChecks(), response: null, error: null })
    go('test')
    const r = await api.runChecks({ jobId, connection: form })
    if (jobRef.current !== jobId) return
    if (!r.ok) {
      setRun({ ...IDLE_RUN, error: r.error.message })
      if (r.error.fields) {
        setFieldErrors(r.error.fields)
        go('connection')
      }
      return
    }
    const live = Object.fromEntries(
      r.value.report.checks.map((c) => [c.id, { state: 'done' as const, result: c }]),
    )
    setRun({ jobId, running: false, live, response: r.value, error: null })
    if (form.connectorId) refreshConnectors()
  }

  // An edited field's error goes with the edit; the others stay until the next run.
  const editForm = (next: ConnectionForm) => {
    const edited = (Object.keys(next) as (keyof ConnectionForm)[]).filter((k) => next[k] !== form[k])
    setForm(next)
    if (edited.some((k) => k in fieldErrors))
      setFieldErrors(
        Object.fromEntries(
          Object.entries(fieldErrors).filter(([k]) => !edited.includes(k as keyof ConnectionForm)),
        ),
      )
  }

  const editField = (field: string) => {
    go('connection')
    requestAnimationFrame(() => document.getElementById(field)?.focus())
  }

  const openConnector = (c: ConnectorRecord) => {
    const s = c.settings
    setForm({
      host: s.host,
      port: String(s.port),
      database: s.database,
      schema: s.schema,
      username: s.username,
      password: '',
      sslMode: s.sslMode,
      sslRootCert: s.sslRootCert ?? '',
      privateNetwork: s.privateNetwork,
      allowWritableRole: s.allowWritableRole,
      connectorId: c.id,
    })
    setAllowFunctions(c.allowFunctions)
    setRun(IDLE_RUN)
    go('connection')
  }

  const target = form.host
    ? `${form.username}@${form.host}:${form.port || 5432}/${form.database}`
    : 'the connection'
  const current = STEPS.find((s) => s.id === step)!
  return (
    <div className="app">
      <header className="topbar">
        <Brand />
        <button
          type="button"
          className="button small"
          onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')}
          aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`}
        >
          {theme === 'dark' ? 'Light theme' : 'Dark theme'}
        </button>
      </header>
      <div className="layout">
        <nav className="sidebar" aria-label="Steps">
          <ol className="steps">
            {STEPS.map((s, i) => (
              <li key={s.id}>
                <button
                  type="button"
                  className={`step-link${s.id === step ? ' current' : ''}`}
                  aria-current={s.id === step ? 'step' : undefined}
                  onClick={() => go(s.id)}
                >
                  <span className="step-number">{i + 1}</span>
                  <span>
                    <span className="step-title">{s.title}</span>
                    <span className="step-hint">{s.hint}</span>
                  </span>
                </button>
              </li>
            ))}
          </ol>
          <ConnectorsList
            connectors={connectors.list}
            vault={connectors}
            onVaultConsent={(accept) =>
              void api.setVaultConsent({ acceptBasicText: accept }).then(refreshConnectors)
            }
            activeId={form.connectorId}
            onOpen={openConnector}
            onDelete={(c) => void api.deleteConnector({ id: c.id }).then(refreshConnectors)}
          />
        </nav>
        <main className="content">
          <h1 ref={heading} tabIndex={-1}>
            {STEPS.indexOf(current) + 1}. {current.title}
          </h1>
          {step === 'role' && <RoleStep options={role} onChange={setRole} />}
          {step === 'connection' && (
            <ConnectionStep
              form={form}
              onChange={editForm}
              fieldErrors={fieldErrors}
              onRun={() => void runTests()}
            />
          )}
          {step === 'test' && (
            <TestStep
              run={run}
              target={target}
              connection={form}
              onRun={() => void runTests()}
              onCancel={() => run.jobId && void api.cancel({ jobId: run.jobId })}
              onEditField={editField}
            />
          )}
          {step === 'explore' && (
            <ExploreStep
              response={run.response}
              connection={form}
              allowFunctions={allowFunctions}
              onAllowFunctionsChange={setAllowFunctions}
            />
          )}
          {step === 'export' && (
            <ExportStep
              response={run.response}
              connection={form}
              allowFunctions={allowFunctions}
              onExported={refreshConnectors}
            />
          )}
        </main>
      </div>
    </div>
  )
}
