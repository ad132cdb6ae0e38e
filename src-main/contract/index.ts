import { z } from 'zod'
import type { MethodName } from './methods.js'
import { SSL_MODES } from '../core/connection/settings.js'
import { ROOT_CERT_TEXT_MAX } from '../core/connection/root-cert-text.js'
import type { CheckReport, CheckResult } from '../core/checks/types.js'
import type { RelationKind } from '../core/checks/introspection.js'
import type { Advice } from '../core/diagnosis/advice.js'
import type { AuditReport } from '../core/grants/audit.js'
import type { GuardRule } from '../core/sql/guard.js'
import { isDuration } from '../core/grants/duration.js'
import {
  MAX_ALLOWED_FUNCTION_TEXT,
  MAX_ALLOWED_FUNCTIONS,
  parseAllowedFunction,
} from '../core/sql/allowed-functions.js'
import type { QueryOutcome } from '../core/sql/executor.js'
import type { ShareableReport } from '../core/report/shareable-report.js'
import type { ConnectorRecord } from '../core/records/connector-records.js'
import type { VaultBackend, VaultChoice } from '../core/secrets/vault.js'

/**
 * The one contract between the renderer and main: every method's request schema (zod, checked in main
 * before anything runs) and its response type. The preload, the `serve` bridge and the renderer are all
 * typed against `DesktopApi` below, so a method added here and not wired elsewhere does not compile.
 */

const text = (max: number) => z.string().max(max)
const name = text(63 * 4)
const jobId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'a job id is 8 to 64 letters, digits, "-" or "_"')

/** The guide's connector form. Strings as typed; main resolves and validates them as libpq would. */
export const connectionForm = z.strictObject({
  host: text(255),
  port: text(5),
  database: name,
  schema: name,
  username: name,
  password: text(1024),
  sslMode: z.enum(SSL_MODES),
  /** PEM text, `system`, or empty for none: never a path (main does not read files the renderer names). */
  sslRootCert: text(ROOT_CERT_TEXT_MAX),
  /** The client certificate and its key as PEM text (never paths), and the key's passphrase. */
  sslCert: text(ROOT_CERT_TEXT_MAX).optional(),
  sslKey: text(ROOT_CERT_TEXT_MAX).optional(),
  sslPassword: text(1024).optional(),
  privateNetwork: z.boolean(),
  allowWritableRole: z.boolean(),
  /** A saved connector whose vaulted password is used when `password` is empty. */
  connectorId: text(64).optional(),
})
export type ConnectionForm = z.infer<typeof connectionForm>

/** One function the admin allows by name, `schema.name`: main reads it with the CLI's own parser. */
const allowedFunction = text(MAX_ALLOWED_FUNCTION_TEXT).superRefine((value, ctx) => {
  const parsed = parseAllowedFunction(value)
  if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.message })
})

/** Functions allowed by name beyond the built-ins and the reviewed extensions; none when absent. */
const allowFunctions = z.array(allowedFunction).max(MAX_ALLOWED_FUNCTIONS).optional()

/** A role, database or schema name for the role script: PostgreSQL cannot hold a NUL in a name. */
const scriptName = name.min(1).refine((v) => !v.includes('\0'), 'must not contain a NUL character')

/** `30s`, `5min`, `500ms`; blank means none (the form's empty field). */
const statementTimeout = text(32)
  .refine((v) => !v.trim() || isDuration(v), 'Use a number with an optional unit: 30s, 5min, 500ms.')
  .nullable()

/**
 * The limits every adapter shares: the CLI reads its flags with these same schemas (`grants`, `query`,
 * `validate-sql`), so a bound or a default here is the bound or default everywhere.
 */
export const LIMITS = { maxRows: 100_000, connectionLimit: 10_000, schemas: 50, owners: 50 } as const

/** The steps of the flow, as the renderer names them. */
const STEP_IDS = ['role', 'connection', 'test', 'explore', 'export'] as const

/**
 * What the desktop app keeps of a session across a restart: the step, the Role step's options, the
 * connection form without its password, client key or key passphrase, the functions allowed by
 * name, and which run the last answer was (main kept that answer itself).
 */
export const desktopDraft = z.strictObject({
  step: z.enum(STEP_IDS),
  role: z
    .record(text(64), z.union([text(4096), z.boolean(), z.null()]))
    .refine((r) => Object.keys(r).length <= 32, 'at most 32 role options'),
  form: connectionForm.omit({ password: true, sslKey: true, sslPassword: true }),
  allowFunctions: z.array(text(MAX_ALLOWED_FUNCTION_TEXT)).max(MAX_ALLOWED_FUNCTIONS),
  runId: jobId.nullable(),
})
export type DesktopDraft = z.infer<typeof desktopDraft>

export const REQUESTS = {
  roleScript: z.strictObject({
    role: scriptName,
    database: scriptName,
    schemas: z.array(scriptName).min(1).max(LIMITS.schemas),
    owners: z.array(scriptName).max(LIMITS.owners),
    /** `ALTER ROLE … SET default_transaction_read_only = on`: on in the app's form and the CLI alike. */
    readOnlyDefault: z.boolean(),
    statementTimeout,
    connectionLimit: z.number().int().min(1).max(LIMITS.connectionLimit).nullable(),
    generatePassword: z.boolean(),
    /** A managed cloud's admin role runs it (no superuser); absent is self-hosted. */
    managed: z.boolean().optional(),
  }),
  parseConnectionString: z.strictObject({ text: text(4096) }),
  runChecks: z.strictObject({ jobId, connection: connectionForm }),
  cancel: z.strictObject({ jobId }),
  validateSql: z.strictObject({
    sql: text(100_000),
    maxRows: z.number().int().min(1).max(LIMITS.maxRows),
    allowFunctions,
  }),
  runQuery: z.strictObject({
    jobId,
    connection: connectionForm,
    sql: text(100_000),
    maxRows: z.number().int().min(1).max(LIMITS.maxRows),
    allowFunctions,
  }),
  /** One `schema.name` as the admin typed it: its canonical spelling, or why it is not one. */
  checkAllowedFunction: z.strictObject({ text: text(MAX_ALLOWED_FUNCTION_TEXT) }),
  auditRole: z.strictObject({ jobId, connection: connectionForm }),
  exportConnector: z.strictObject({
    /** The run to export: main kept its report; the renderer's copy is never trusted. */
    runId: jobId,
    name: text(100).min(1),
    acknowledgeWritableRole: z.boolean(),
    /** The SHA-256 fingerprint the admin approved; must be the run's. */
    approvedCertificateSha256: z.string().regex(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/),
    /** Recorded in the file and on the connector record. */
    allowFunctions,
  }),
  listConnectors: z.strictObject({}),
  deleteConnector: z.strictObject({ id: text(64).min(1) }),
  /** Undo of a delete, within its window (UNDO_DELETE_MS): the record and its vaulted password come back. */
  restoreConnector: z.strictObject({ id: text(64).min(1) }),
  /** The desktop app keeps the draft in its store; `serve` keeps it in the tab (saved is false there). */
  saveDraft: z.strictObject({ draft: desktopDraft }),
  loadDraft: z.strictObject({}),
  /** The desktop app on Linux without a keyring: store passwords with Electron's built-in key, or not. */
  setVaultConsent: z.strictObject({ acceptBasicText: z.boolean() }),
} as const satisfies Record<MethodName, z.ZodType>

export type { MethodName }
export type RequestOf<M extends MethodName> = z.infer<(typeof REQUESTS)[M]>

export interface RoleScriptResponse {
  script: string
  verification: string
  cleanup: string
  /** Set when the admin asked for a generated password: shown once, never stored. */
  generatedPassword: string | null
}

export interface SchemaRelation {
  name: string
  kind: RelationKind
  columnCount: number
  /** `[[name, type, notNull], …]` as JSON: parsed only when a relation is opened. */
  columnsJson: string
  /** A partitioned table's partitions, read through it and not listed on their own; 0 otherwise. */
  partitions: number
}

export interface CheckWithAdvice extends CheckResult {
  advice: Advice | null
}

export interface RunChecksResponse {
  runId: string
  report: Omit<CheckReport, 'checks'> & { checks: CheckWithAdvice[] }
  schema: { name: string; relations: SchemaRelation[] } | null
  /** The run as a report to share (Markdown and JSON, no secret in them), rendered once in main. */
  share: ShareableReport
}

export type ValidateSqlResponse =
  | { allowed: true; cappedSql: string }
  | { allowed: false; rule: GuardRule; message: string; location: number | null }

export type RunQueryResponse =
  | { stage: 'guard'; rule: GuardRule; message: string; location: number | null }
  | { stage: 'connect'; check: CheckWithAdvice }
  /** The rows as the executor read them: columns with types, the cap's and the byte budget's verdict. */
  | ({ stage: 'execute' } & Extract<QueryOutcome, { ok: true }>)
  | { stage: 'execute'; ok: false; reason: string; message: string; sqlstate: string | null }

/** Why the role is writable or blind, and the smallest fix; or why it could not connect or finish. */
export type AuditResponse =
  | { stage: 'connect'; check: CheckWithAdvice }
  | { stage: 'audit'; ok: true; report: AuditReport }
  | {
      stage: 'audit'
      ok: false
      /** timeout: a query hit its bound (the CLI's --timeout-ms) or the server's statement_timeout. */
      reason: 'timeout' | 'server_error' | 'connection_lost' | 'cancelled'
      message: string
      sqlstate: string | null
    }

export interface ExportResponse {
  fileName: string
  /** The verified connector file, as written. */
  document: string
  /** Where the desktop app saved it; null in the browser (the page offers the download). */
  savedTo: string | null
  record: ConnectorRecord
  /** Where the password went: the OS-backed vault, this process's memory (the browser bridge), or nowhere. */
  passwordStored: VaultBackend | 'none'
}

/** Where passwords go, said to the user: a warning when weaker than a keyring, and whether consent matters. */
export interface VaultState {
  vaultWarning: string | null
  basicTextConsent: VaultChoice['basicTextConsent']
}

export interface Responses {
  roleScript: RoleScriptResponse
  parseConnectionString: { fields: Partial<Omit<ConnectionForm, 'connectorId'>> }
  runChecks: RunChecksResponse
  cancel: { cancelled: boolean }
  validateSql: ValidateSqlResponse
  runQuery: RunQueryResponse
  /** `schema.name` quoted only where PostgreSQL needs it: `Public.My_Fn` gives `public.my_fn`. */
  checkAllowedFunction: { function: string }
  auditRole: AuditResponse
  exportConnector: ExportResponse
  listConnectors: { connectors: ConnectorRecord[] } & VaultState
  deleteConnector: { deleted: boolean }
  restoreConnector: { record: ConnectorRecord }
  saveDraft: { saved: boolean }
  /** The draft, and the last run's answer when it is the draft's run; nulls when none is kept. */
  loadDraft: { draft: DesktopDraft | null; response: RunChecksResponse | null }
  setVaultConsent: VaultState
}

export type ErrorCode =
  'invalid_request' | 'unknown_method' | 'forbidden' | 'not_found' | 'refused' | 'internal'

/** An expected failure, returned as a value: one sentence, and the form fields it concerns. */
export interface ApiError {
  code: ErrorCode
  message: string
  fields?: Record<string, string>
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError }

/** Pushed from main while a job runs: each check as it starts and as it ends, with its advice. */
export type AppEvent = { jobId: string } & (
  { type: 'check_started'; id: CheckResult['id'] } | { type: 'check_finished'; result: CheckWithAdvice }
)

/** What the preload exposes as `window.klairr` and the browser bridge implements. */
export type DesktopApi = {
  [M in MethodName]: (request: RequestOf<M>) => Promise<Result<Responses[M]>>
} & {
  /** Subscribes to job events; returns the unsubscribe function. */
  onEvent(listener: (event: AppEvent) => void): () => void
}

/** The IPC channels (Electron) and paths (serve) the API travels on. */
export const INVOKE_CHANNEL = 'klairr:invoke'
export const EVENT_CHANNEL = 'klairr:event'
