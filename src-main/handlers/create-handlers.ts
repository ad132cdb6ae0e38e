import { randomUUID } from 'node:crypto'
import type { ApiError, AppEvent, ConnectionForm, SchemaRelation } from '../contract/index.js'
import { InputError, parseConnectionString } from '../core/connection/conninfo.js'
import { formFieldsFromConninfo } from '../core/connection/fields.js'
import { sslModeAtLeast, type ConnectionSettings, type Timeouts } from '../core/connection/settings.js'
import { runChecks, type RunOutput } from '../core/checks/run.js'
import { shareableReport } from '../core/report/shareable-report.js'
import type { ConnectorRecords } from '../core/records/connector-records.js'
import type { VaultChoice } from '../core/secrets/vault.js'
import { readConnectorSecrets } from '../core/secrets/connector-secrets.js'
import { loadGuard, validateSql } from '../core/sql/guard.js'
import {
  formatAllowedFunction,
  parseAllowedFunction,
  parseAllowedFunctions,
  type AllowedFunction,
} from '../core/sql/allowed-functions.js'
import { auditRole } from '../core/use-cases/audit-role.js'
import { VAULT_SERVICE, type FinishedRun } from '../core/use-cases/export-connector.js'
import { roleScript } from '../core/use-cases/role-script.js'
import { runQuery } from '../core/use-cases/run-query.js'
import { withAdvice, type UseCaseEnv } from '../core/use-cases/session.js'
import { settingsOfHostUsed } from '../core/checks/host-list.js'
import { adviceInReport } from '../core/diagnosis/report-advice.js'
import { settingsFingerprint, WarmSession } from '../core/use-cases/warm-session.js'
import { failure, type Handlers } from './dispatch.js'
import { DeletedConnectors } from './deleted-connectors.js'
import { Drafts, withDrafts } from './drafts.js'
import { exportHandler } from './export-handler.js'
import { Jobs, RecentRuns } from './jobs.js'
import { settingsFromForm } from './settings-from-form.js'

export interface HandlerDeps {
  records: ConnectorRecords
  /**
   * The OS-backed vault in the app, a memory vault in the browser bridge, with its warning when it is
   * weaker than a keyring. A promise: the app opens its window while the keyring is still being probed.
   */
  vault: Promise<VaultChoice>
  /**
   * The desktop app only: asks the user in a main-process dialog, then chooses again after they gave
   * or withdrew consent to the built-in key; null when they said no (the page alone cannot decide).
   */
  chooseVault?: (acceptBasicText: boolean) => Promise<VaultChoice | null>
  /** The desktop app's save dialog; absent in the browser, where the page offers the download. */
  saveFile?: (suggestedName: string, text: string) => Promise<string | null>
  emit: (event: AppEvent) => void
  tool: string
  user: string
  timeouts?: Partial<Timeouts>
  /** The desktop app's store for the draft and the last run; absent in `serve` (the tab keeps them). */
  drafts?: Drafts
  /** Tests only: how long the sandbox's kept session may sit unused (warm-session.ts; a minute). */
  warmIdleMs?: number
}

export { VAULT_SERVICE }

/** The main-process side of every contract method, over core. Called only through `dispatch`. */
export function createHandlers(deps: HandlerDeps): Handlers & { shutdown(): void } {
  const jobs = new Jobs()
  const runs = new RecentRuns<FinishedRun>()
  const warm = new WarmSession({ idleMs: deps.warmIdleMs })
  let vaultChoice = deps.vault
  const vault = async () => (await vaultChoice).vault
  const vaultState = async () => {
    const { warning, basicTextConsent } = await vaultChoice
    return { vaultWarning: warning, basicTextConsent }
  }
  const deleted = new DeletedConnectors(deps.records, vault)

  /**
   * The form as settings, with the saved connector's pin and, for each field left empty, what its vault
   * keeps: the password, and the client certificate with its key and passphrase. The pin holds for every
   * run against the connector's host and port, so the TLS upgrade closes the connection to any other
   * certificate before anything is sent. The saved secrets go only to the target they were saved for,
   * verified at least as strictly (see `coveredBy`): a weaker run is refused before it connects. The
   * saved key goes only with the saved certificate: a certificate typed in the form needs its own key.
   */
  async function settingsFor(
    form: ConnectionForm,
  ): Promise<
    | { ok: true; settings: ConnectionSettings; pinnedCertificateSha256: string | undefined }
    | { ok: false; error: ApiError }
  > {
    const record = form.connectorId ? deps.records.get(form.connectorId) : null
    const savedCert = record?.settings.sslCert
    const formCert = form.sslCert?.trim() || undefined
    const wantsKey =
      savedCert !== undefined && !form.sslKey?.trim() && [undefined, savedCert].includes(formCert)
    const { sslCert: _cert, ...withoutCert } = form
    const resolved = settingsFromForm(wantsKey ? withoutCert : form)
    if (!resolved.ok) return resolved
    const { settings } = resolved
    const pinnedCertificateSha256 =
      record?.approvedCertificateSha256 && sameServer(record.settings, settings)
        ? record.approvedCertificateSha256
        : undefined
    const ready = { ok: true as const, settings, pinnedCertificateSha256 }
    const wantsPassword = settings.password === undefined
    if (!record || !(wantsPassword || wantsKey) || !sameTarget(record.settings, settings)) {
      // Elsewhere, a certificate in the form is the form's own: as typed, it asks for its key.
      const own = wantsKey && formCert ? settingsFromForm(form) : ready
      return own.ok ? ready : own
    }
    const kept = [wantsPassword && 'password', wantsKey && 'client key'].filter(Boolean).join(' and ')
    const weaker = weakerThan(record.settings, settings)
    if (weaker)
      return failure(
        'refused',
        `The saved ${kept} is kept for ${describeVerification(record.settings)}; this run ${weaker.because}, so it is not sent. Restore the connector’s settings, or type the ${kept} to test this way.`,
        {
          [weaker.field]: `The saved ${kept} is kept for ${describeVerification(record.settings)}: restore it, or type the ${kept}.`,
        },
      )
    const saved = await readConnectorSecrets(await vault(), record.id)
    if (wantsPassword && saved.password) settings.password = saved.password
    if (wantsKey && saved.clientKey) {
      settings.sslCert = savedCert
      settings.sslKey = saved.clientKey.reveal()
      if (!settings.sslPassword && saved.clientKeyPassphrase) settings.sslPassword = saved.clientKeyPassphrase
    }
    return ready
  }

  const busy = (jobId: string) => failure('invalid_request', `Job ${jobId} is already running.`)

  /**
   * A use case as a job: the form's settings (with the saved connector's pin and password), a cancellable
   * job id, and the use case's own answer, which is a value for everything the server or network does.
   */
  async function asJob<T>(
    jobId: string,
    form: ConnectionForm,
    work: (settings: ConnectionSettings, env: UseCaseEnv) => Promise<T>,
  ): Promise<{ ok: true; value: T } | { ok: false; error: ApiError }> {
    const resolved = await settingsFor(form)
    if (!resolved.ok) return resolved
    const { settings, pinnedCertificateSha256 } = resolved
    const signal = jobs.start(jobId)
    if (!signal) return busy(jobId)
    try {
      return {
        ok: true,
        value: await work(settings, { timeouts: deps.timeouts, signal, pinnedCertificateSha256 }),
      }
    } finally {
      jobs.finish(jobId)
    }
  }

  return withDrafts(deps.drafts, {
    async roleScript(r) {
      return { ok: true, value: roleScript(r) }
    },

    async parseConnectionString({ text }) {
      try {
        // The form's fields, read by the fields table: what the form cannot hold is refused, not dropped.
        const read = formFieldsFromConninfo(parseConnectionString(text.trim()))
        if (!read.ok) return failure('invalid_request', read.message, { text: read.message })
        return { ok: true, value: { fields: read.fields as Partial<Omit<ConnectionForm, 'connectorId'>> } }
      } catch (e) {
        if (e instanceof InputError) return failure('invalid_request', e.message, { text: e.message })
        throw e
      }
    },

    async runChecks({ jobId, connection }) {
      warm.forget()
      const ran = await asJob(jobId, connection, async (settings, env) => {
        // The sandbox keeps the run's session for exactly these settings and pin (warm-session.ts).
        const key = settingsFingerprint(settings, env.pinnedCertificateSha256)
        // Of several hosts, the advice names the one the network check judged.
        let network: Record<string, unknown> | undefined
        const output = await runChecks(settings, {
          ...env,
          keepSession: (session) => warm.adopt(key, session),
          onProgress: (event) => {
            if (event.type !== 'check_finished') return deps.emit({ jobId, ...event })
            if (event.result.id === 'network') network = event.result.evidence
            deps.emit({
              jobId,
              type: 'check_finished',
              result: withAdvice(event.result, settingsOfHostUsed(settings, network)),
            })
          },
        })
        return { settings, output }
      })
      if (!ran.ok) return ran
      const { settings, output } = ran.value
      runs.add(jobId, { settings, report: output.report, connectorId: connection.connectorId ?? null })
      if (connection.connectorId) recordVerdict(deps.records, connection.connectorId, settings, output)
      const schema = output.snapshot && {
        name: output.snapshot.schema,
        relations: output.snapshot.relations.map((r): SchemaRelation => ({
          name: r.name,
          kind: r.kind,
          columnCount: r.columnCount,
          columnsJson: r.columnsJson,
          partitions: r.partitions,
        })),
      }
      return {
        ok: true,
        value: {
          runId: jobId,
          report: {
            ...output.report,
            checks: output.report.checks.map((c) => ({
              ...c,
              advice: adviceInReport(c, settings, output.report),
            })),
          },
          schema,
          share: shareableReport(output.report, settings, { tool: deps.tool, at: new Date().toISOString() }),
        },
      }
    },

    async cancel({ jobId }) {
      const cancelled = jobs.cancel(jobId)
      if (cancelled) warm.close()
      return { ok: true, value: { cancelled } }
    },

    async validateSql({ sql, maxRows, allowFunctions }) {
      await loadGuard()
      const v = validateSql(sql, { maxRows, allowFunctions: allowedFunctions(allowFunctions) })
      return {
        ok: true,
        value: v.allowed
          ? { allowed: true, cappedSql: v.sql }
          : { allowed: false, rule: v.rule, message: v.message, location: v.location },
      }
    },

    async runQuery({ jobId, connection, sql, maxRows, allowFunctions }) {
      const input = { sql, maxRows, allowFunctions: allowedFunctions(allowFunctions) }
      return asJob(jobId, connection, (settings, env) =>
        runQuery(settings, input, {
          ...env,
          warm: { sessions: warm, key: settingsFingerprint(settings, env.pinnedCertificateSha256) },
        }),
      )
    },

    async checkAllowedFunction({ text }) {
      const parsed = parseAllowedFunction(text)
      return parsed.ok
        ? { ok: true, value: { function: formatAllowedFunction(parsed.value) } }
        : failure('invalid_request', `Not a function to allow: ${parsed.message}.`, { text: parsed.message })
    },

    async auditRole({ jobId, connection }) {
      return asJob(jobId, connection, auditRole)
    },

    exportConnector: (request) =>
      exportHandler(request, { ...deps, vault: vaultChoice, runs, newId: randomUUID }),

    async setVaultConsent({ acceptBasicText }) {
      if (!deps.chooseVault)
        return failure(
          'refused',
          'Only the desktop app stores passwords; here they stay in memory until it stops.',
        )
      // Passwords kept in memory until now are not carried over: they are asked for again.
      const chosen = await deps.chooseVault(acceptBasicText)
      if (chosen) vaultChoice = Promise.resolve(chosen)
      return { ok: true, value: await vaultState() }
    },

    async listConnectors() {
      return { ok: true, value: { connectors: deps.records.list(), ...(await vaultState()) } }
    },

    deleteConnector: ({ id }) => deleted.delete(id),

    restoreConnector: ({ id }) => deleted.restore(id),

    shutdown: () => {
      jobs.cancelAll()
      deleted.clear()
      warm.forget()
    },
  })
}

/**
 * The request's names as the guard takes them. The contract's schema already read each one with the same
 * parser, so a failure here is a bug, not bad input.
 */
export function allowedFunctions(texts: readonly string[] | undefined): AllowedFunction[] {
  const parsed = parseAllowedFunctions(texts ?? [])
  if (!parsed.ok) throw new Error('allowFunctions passed the contract but not the parser')
  return parsed.value
}

type Target = Omit<ConnectionSettings, 'password'>

/** Same host and port: where a connector's pinned certificate must be the one presented. */
function sameServer(a: Target, b: Target): boolean {
  return a.host === b.host && a.port === b.port
}

/** Same server, database and role: the connector this run is about. */
function sameTarget(a: Target, b: Target): boolean {
  return sameServer(a, b) && a.database === b.database && a.username === b.username
}

/**
 * How `run` verifies the server less strictly than `saved` did, or null: a weaker sslmode (libpq's order)
 * or another root certificate. The pin is the saved connector's own, applied by `settingsFor`.
 */
function weakerThan(
  saved: Target,
  run: Target,
): { because: string; field: 'sslMode' | 'sslRootCert' } | null {
  if (!sslModeAtLeast(run.sslMode, saved.sslMode))
    return { because: `asks for sslmode ${run.sslMode}`, field: 'sslMode' }
  if ((run.sslRootCert ?? '') !== (saved.sslRootCert ?? ''))
    return { because: 'names another root certificate', field: 'sslRootCert' }
  return null
}

const describeVerification = (s: Target) =>
  `sslmode ${s.sslMode}${s.sslRootCert ? ' with its root certificate' : ''}`

/**
 * Where a saved password may go, and whose verdict a run is: the same target, verified at least as
 * strictly (the pin is the record's own whenever the server is the same).
 */
function coveredBy(saved: Target, run: Target): boolean {
  return sameTarget(saved, run) && weakerThan(saved, run) === null
}

/** A saved connector remembers the verdict of its latest run, when the run was against that connector. */
function recordVerdict(
  records: ConnectorRecords,
  id: string,
  settings: ConnectionSettings,
  output: RunOutput,
): void {
  const record = records.get(id)
  if (!record || output.report.cancelled || !coveredBy(record.settings, settings)) return
  records.save({
    ...record,
    lastRun: {
      at: new Date().toISOString(),
      verdict: output.report.verdict,
      checks: output.report.checks.map((c) => ({ id: c.id, status: c.status, reason: c.reason })),
    },
  })
}
