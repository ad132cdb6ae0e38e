import { useCallback, useEffect, useRef, useState } from 'react'
import type { RoleScriptResponse, RunChecksResponse, VaultState } from '../src-main/contract/index.js'
import type { ConnectorRecord } from '../src-main/core/records/connector-records.js'
import { api, newJobId } from './bridge.js'
import { ConnectorsList } from './components/connectors-list.js'
import { IDLE_RUN, pendingChecks, type RunState } from './run-state.js'
import { STEPS, type ConnectionForm, type RoleOptions, type StepId } from './state.js'
import { ConnectionStep } from './steps/connection-step.js'
import { ExploreStep } from './steps/explore-step.js'
import { ExportStep } from './steps/export-step.js'
import { RoleStep } from './steps/role-step.js'
import { TestStep } from './steps/test-step.js'
import { applyTheme, initialTheme, type Theme } from './theme.js'
import { Brand } from './components/brand.js'
import { ContinueButton } from './components/continue-button.js'
import { keepDesktopDraft, restoreDesktopDraft, restoredRun } from './lib/desktop-draft.js'
import { loadDraft, saveDraft } from './lib/draft.js'
import { STATUS_LABEL, STATUS_MARK, stepStatuses } from './step-status.js'

/** The form as a run tested it, password aside: a run speaks for the form while this stays equal. */
const formKey = (f: ConnectionForm) => JSON.stringify({ ...f, password: '' })
const missingPassword = (r: RunChecksResponse) => r.report.checks.some((c) => c.reason === 'password_missing')
const firstName = (list: string) => list.split(/[,\s]+/).find(Boolean) ?? ''

/** The guided flow: five steps one can move between freely, and the saved connectors beside them. */
export function App() {
  const [draft] = useState(loadDraft)
  const [step, setStep] = useState<StepId>(draft.step)
  const [theme, setTheme] = useState<Theme>(initialTheme)
  const [role, setRole] = useState<RoleOptions>(draft.role)
  const [form, setForm] = useState<ConnectionForm>(draft.form)
  /** The connector's functions allowed by name: the query sandbox uses them, the export records them. */
  const [allowFunctions, setAllowFunctions] = useState<string[]>(draft.allowFunctions)
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({})
  const [run, setRun] = useState<RunState>(() => restoredRun(draft.response))
  /** The form as the last run tested it: "Continue to Test" runs again only when it changed. */
  const [testedForm, setTestedForm] = useState<string | null>(draft.response ? formKey(draft.form) : null)
  /** The role script's state, and its generated password: in memory only, never in the draft. */
  const [script, setScript] = useState<{ result: RoleScriptResponse | null; error: boolean }>({
    result: null,
    error: false,
  })
  const [carried, setCarried] = useState<string | null>(null)
  const [visited, setVisited] = useState<ReadonlySet<StepId>>(() => new Set([draft.step]))
  const [exported, setExported] = useState(false)
  const [connectors, setConnectors] = useState<{ list: ConnectorRecord[] } & VaultState>({
    list: [],
    vaultWarning: null,
    basicTextConsent: 'not_needed',
  })
  const heading = useRef<HTMLHeadingElement>(null)
  const jobRef = useRef<string | null>(null)

  useEffect(() => applyTheme(theme), [theme])
  useEffect(() => {
    if (run.running) return
    const kept = { step, role, form, allowFunctions, response: run.response }
    saveDraft(kept)
    keepDesktopDraft(kept)
  }, [step, role, form, allowFunctions, run])
  // The desktop app: the draft main kept before the last quit (the tab's storage is gone by then).
  useEffect(() => {
    void restoreDesktopDraft().then((d) => {
      if (!d) return
      setStep(d.step)
      setVisited(new Set([d.step]))
      setRole(d.role)
      setForm(d.form)
      setAllowFunctions(d.allowFunctions)
      setRun(restoredRun(d.response))
      setTestedForm(d.response ? formKey(d.form) : null)
    })
  }, [])
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

  /**
   * Opens a step and moves the focus once, when the step has rendered (after an awaited run React may
   * render it a frame or two later): to the field asked for, else to the step's heading.
   */
  const go = (id: StepId, field?: string) => {
    setStep(id)
    setVisited((v) => (v.has(id) ? v : new Set([...v, id])))
    const focus = (frames: number) =>
      requestAnimationFrame(() => {
        const target = field ? document.getElementById(field) : heading.current
        if (target) target.focus()
        else if (frames > 0) focus(frames - 1)
      })
    focus(30)
  }

  const runTests = async (tested: ConnectionForm = form) => {
    // A new run replaces the one in flight: that one is cancelled, not left running beside it.
    const previous = jobRef.current
    if (previous && run.running) void api.cancel({ jobId: previous })
    const jobId = newJobId()
    jobRef.current = jobId
    setExported(false)
    setTestedForm(formKey(tested))
    setFieldErrors({})
    setRun({ jobId, running: true, live: pendingChecks(), response: null, error: null })
    go('test')
    const r = await api.runChecks({ jobId, connection: tested })
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
    if (tested.connectorId) refreshConnectors()
    // A saved connector tested again with no password in the vault: ask for it at its field.
    if (tested.connectorId && !tested.password && missingPassword(r.value)) {
      setFieldErrors({ password: 'No password is saved for this connector: type it, then run the tests.' })
      editField('password')
    }
  }

  /** Role → Connection: the role's name, database, first schema and generated password carry over. */
  const continueToConnection = () => {
    const password = script.result?.generatedPassword ?? null
    const next = {
      ...form,
      username: role.role.trim() || form.username,
      database: role.database.trim() || form.database,
      schema: firstName(role.schemas) || form.schema,
      ...(password ? { password } : {}),
    }
    const moved = [
      next.username !== form.username && 'username',
      next.database !== form.database && 'database',
      next.schema !== form.schema && 'schema',
      password && password !== form.password && 'the generated password (kept in memory only, never saved)',
    ].filter(Boolean)
    if (moved.length) {
      editForm(next)
      setCarried(`From the Role step: ${moved.join(', ')}.`)
    }
    go('connection')
  }

  /** Connection → Test: runs the tests unless the last run tested exactly this form. */
  const continueToTest = () => {
    if (!run.running && testedForm === formKey(form) && run.response) go('test')
    else void runTests()
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

  const editField = (field: string) => go('connection', field)

  const openConnector = (c: ConnectorRecord): ConnectionForm => {
    const s = c.settings
    const opened: ConnectionForm = {
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
    }
    setForm(opened)
    setFieldErrors({})
    setAllowFunctions(c.allowFunctions)
    setRun(IDLE_RUN)
    setCarried(null)
    go('connection')
    return opened
  }

  /** "Test again" from the list: the connector in the Connection step, then its tests (vaulted password). */
  const testAgain = (c: ConnectorRecord) => void runTests(openConnector(c))

  const target = form.host
    ? `${form.username}@${form.host}:${form.port || 5432}/${form.database}`
    : 'the connection'
  const current = STEPS.find((s) => s.id === step)!
  const stale = run.response !== null && testedForm !== formKey(form)
  const statuses = stepStatuses({
    role: script.error ? 'error' : role.role.trim() && role.database.trim() ? 'ready' : 'incomplete',
    form,
    fieldErrors,
    run,
    stale,
    visited,
    exported,
  })
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
        <div className="sidebar">
          <nav aria-label="Steps">
            <ol className="steps">
              {STEPS.map((s, i) => (
                <li key={s.id}>
                  <button
                    type="button"
                    className={`step-link ${statuses[s.id]}${s.id === step ? ' current' : ''}`}
                    aria-current={s.id === step ? 'step' : undefined}
                    onClick={() => go(s.id)}
                  >
                    <span className="step-number" aria-hidden="true">
                      {i + 1}
                    </span>
                    <span className="step-text">
                      <span className="step-title">{s.title}</span>
                      <span className="step-hint">{s.hint}</span>
                    </span>
                    <span className={`step-status ${statuses[s.id]}`} title={STATUS_LABEL[statuses[s.id]]}>
                      <span aria-hidden="true">{STATUS_MARK[statuses[s.id]]}</span>
                      <span className="offscreen">, {STATUS_LABEL[statuses[s.id]]}</span>
                    </span>
                  </button>
                </li>
              ))}
            </ol>
          </nav>
          {/* Beside the steps, not among them: the saved connectors are not a step to go to. */}
          <ConnectorsList
            connectors={connectors.list}
            vault={connectors}
            onVaultConsent={(accept) =>
              void api.setVaultConsent({ acceptBasicText: accept }).then(refreshConnectors)
            }
            activeId={form.connectorId}
            onOpen={openConnector}
            onTestAgain={testAgain}
            onChanged={refreshConnectors}
          />
        </div>
        <main className="content">
          <h1 ref={heading} tabIndex={-1}>
            {STEPS.indexOf(current) + 1}. {current.title}
          </h1>
          {step === 'role' && (
            <>
              <RoleStep
                options={role}
                onChange={setRole}
                onScript={(result, error) => setScript({ result, error })}
              />
              <ContinueButton to="Connection" onClick={continueToConnection} />
            </>
          )}
          {step === 'connection' && (
            <>
              <ConnectionStep
                form={form}
                onChange={editForm}
                fieldErrors={fieldErrors}
                onRun={() => void runTests()}
                carried={carried}
              />
              <ContinueButton
                to="Test"
                onClick={continueToTest}
                hint={
                  testedForm === formKey(form) && run.response
                    ? 'These settings were tested already.'
                    : 'Runs the six tests with these settings.'
                }
              />
            </>
          )}
          {step === 'test' && (
            <TestStep
              run={run}
              target={target}
              connection={form}
              onRun={() => void runTests()}
              onCancel={() => run.jobId && void api.cancel({ jobId: run.jobId })}
              onEditField={editField}
              onContinue={go}
              stale={stale}
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
          {step === 'explore' && <ContinueButton to="Export" onClick={() => go('export')} />}
          {step === 'export' && (
            <ExportStep
              response={run.response}
              connection={form}
              allowFunctions={allowFunctions}
              onExported={() => {
                setExported(true)
                refreshConnectors()
              }}
              onBack={go}
            />
          )}
        </main>
      </div>
    </div>
  )
}
