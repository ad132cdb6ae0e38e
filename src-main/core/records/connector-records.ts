import type { ConnectionSettings } from '../connection/settings.js'
import type { CheckStatus, Verdict } from '../checks/types.js'

/**
 * What the desktop app keeps per connector: settings without the password, the client key or its
 * passphrase (those live in the vault, connector-secrets.ts), the last run, the "Allow writable role"
 * acknowledgement and the approved certificate fingerprint. The client certificate (`settings.sslCert`,
 * public) is kept when the connector needs one; records saved before it have none, and read as such.
 */
export interface ConnectorRecord {
  id: string
  name: string
  settings: Omit<ConnectionSettings, 'password' | 'sslKey' | 'sslPassword'>
  lastRun: {
    at: string
    verdict: Verdict
    checks: { id: string; status: CheckStatus; reason: string | null }[]
  } | null
  writableRoleAcknowledgement: { by: string; at: string } | null
  approvedCertificateSha256: string | null
  /** Functions the admin allowed by name, `schema.name` as the export recorded them (see allowed-functions.ts). */
  allowFunctions: string[]
}

/** The stored document. The version is explicit; `migrate` brings any earlier shape to this one. */
export interface RecordsDocument {
  schemaVersion: typeof RECORDS_SCHEMA_VERSION
  records: ConnectorRecord[]
}

export const RECORDS_SCHEMA_VERSION = 3

/** The small part of electron-store the records use, so core and its tests need no Electron. */
export interface KeyValueStore {
  get(key: string): unknown
  set(key: string, value: unknown): void
}

const STORE_KEY = 'connectors'

/** Settings a record never holds: each is kept in the vault (connector-secrets.ts). */
const SECRET_SETTINGS = [
  ['password', 'a password'],
  ['sslKey', 'a client key'],
  ['sslPassword', 'a key passphrase'],
] as const

/**
 * Brings a stored document from any earlier version to the current one. Version 1 (the first release)
 * kept `acknowledgedWritableBy` and `acknowledgedWritableAt` as two fields and no fingerprint; version 2
 * had no allowed functions (none were allowed then). Nothing stored means an empty list. Unknown future
 * versions are refused, not guessed at.
 */
export function migrate(stored: unknown): RecordsDocument {
  if (stored === undefined || stored === null) return { schemaVersion: RECORDS_SCHEMA_VERSION, records: [] }
  const doc = stored as { schemaVersion?: unknown; records?: unknown }
  const version = typeof doc.schemaVersion === 'number' ? doc.schemaVersion : 1
  if (!Array.isArray(doc.records))
    throw new Error('stored connectors are not a list: refusing to overwrite them')
  if (version > RECORDS_SCHEMA_VERSION)
    throw new Error(
      `stored connectors have schema version ${version}, newer than this app (${RECORDS_SCHEMA_VERSION}): update the app`,
    )
  if (version === RECORDS_SCHEMA_VERSION) return doc as RecordsDocument
  let records = doc.records as Record<string, unknown>[]
  if (version < 2) records = records.map(fromVersion1)
  records = records.map((r) => ({ ...r, allowFunctions: [] }))
  return { schemaVersion: RECORDS_SCHEMA_VERSION, records: records as unknown as ConnectorRecord[] }
}

/** Version 1 to 2: the acknowledgement as one object, and no approved fingerprint yet. */
function fromVersion1(r: Record<string, unknown>): Record<string, unknown> {
  const { acknowledgedWritableBy, acknowledgedWritableAt, ...rest } = r as Record<string, unknown> & {
    acknowledgedWritableBy?: string
    acknowledgedWritableAt?: string
  }
  return {
    ...rest,
    writableRoleAcknowledgement:
      acknowledgedWritableBy && acknowledgedWritableAt
        ? { by: acknowledgedWritableBy, at: acknowledgedWritableAt }
        : null,
    approvedCertificateSha256: null,
  }
}

/** Connector records over a key-value store (electron-store in the app). Every read migrates. */
export class ConnectorRecords {
  constructor(private readonly store: KeyValueStore) {}

  private read(): RecordsDocument {
    const doc = migrate(this.store.get(STORE_KEY))
    return doc
  }

  private write(records: ConnectorRecord[]): void {
    const doc: RecordsDocument = { schemaVersion: RECORDS_SCHEMA_VERSION, records }
    this.store.set(STORE_KEY, doc)
  }

  list(): ConnectorRecord[] {
    return this.read().records
  }

  get(id: string): ConnectorRecord | null {
    return this.read().records.find((r) => r.id === id) ?? null
  }

  save(record: ConnectorRecord): void {
    for (const [field, what] of SECRET_SETTINGS)
      if (field in (record.settings as object))
        throw new Error(`a connector record never holds ${what}: it belongs in the vault`)
    const others = this.read().records.filter((r) => r.id !== record.id)
    this.write([...others, record])
  }

  /** Every saved connector for the same target as `settings` (one, once duplicates from older versions are gone). */
  withTarget(settings: TargetFields): ConnectorRecord[] {
    const key = targetKey(settings)
    return this.read().records.filter((r) => targetKey(r.settings) === key)
  }

  remove(id: string): boolean {
    const records = this.read().records
    const kept = records.filter((r) => r.id !== id)
    this.write(kept)
    return kept.length !== records.length
  }
}

/** The fields that say what a connector is: the role, the server, the database and the schema it reads. */
export type TargetFields = Pick<
  ConnectorRecord['settings'],
  'username' | 'host' | 'port' | 'database' | 'schema'
>

/**
 * A connector's identity: `user@host:port/database` and its schema. One saved connector per target, so a
 * re-export of the same target updates its entry. Host names compare without case (DNS ignores it).
 */
export function targetKey(s: TargetFields): string {
  return JSON.stringify([s.username, s.host.toLowerCase(), s.port, s.database, s.schema])
}

/** `user@host:port`, as the list shows it under the connector's name (IPv6 hosts in brackets). */
export function targetLabel(s: Pick<TargetFields, 'username' | 'host' | 'port'>): string {
  const host = s.host.includes(':') && !s.host.startsWith('[') ? `[${s.host}]` : s.host
  return `${s.username}@${host}:${s.port}`
}

/**
 * The saved connector an export updates: the run's own when it still has the run's target, else the one
 * saved for that target, else none (the export makes a new one).
 */
export function connectorForExport(
  saved: readonly ConnectorRecord[],
  runConnectorId: string | null,
  settings: TargetFields,
): string | null {
  const key = targetKey(settings)
  const same = saved.filter((r) => targetKey(r.settings) === key)
  return (same.find((r) => r.id === runConnectorId) ?? same[0])?.id ?? null
}

/**
 * The record a verified export leaves behind: its settings, run, acknowledgement, pinned certificate,
 * the functions it allows by name, and the client certificate the run presented (`sslCert`), if any.
 */
export function recordFromExport(
  id: string,
  name: string,
  doc: {
    connector: Omit<ConnectorRecord['settings'], never> & {
      writableRoleAcknowledgement?: { by: string; at: string }
      clientCertificate?: true
    }
    guard?: { allowFunctions: string[] }
    verification: {
      at: string
      verdict: Verdict
      checks: { id: string; status: CheckStatus; reason: string | null }[]
      tls: { certificateSha256: string }
    }
  },
  sslCert?: string,
): ConnectorRecord {
  const { writableRoleAcknowledgement, clientCertificate: _needsOne, ...settings } = doc.connector
  return {
    id,
    name,
    settings: sslCert === undefined ? settings : { ...settings, sslCert },
    lastRun: {
      at: doc.verification.at,
      verdict: doc.verification.verdict,
      checks: doc.verification.checks.map(({ id: checkId, status, reason }) => ({
        id: checkId,
        status,
        reason,
      })),
    },
    writableRoleAcknowledgement: writableRoleAcknowledgement ?? null,
    approvedCertificateSha256: doc.verification.tls.certificateSha256,
    allowFunctions: [...(doc.guard?.allowFunctions ?? [])],
  }
}
