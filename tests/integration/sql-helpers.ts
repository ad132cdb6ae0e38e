import { connect } from '../../src-main/core/checks/connect.js'
import type { Session } from '../../src-main/core/connection/pg-session.js'
import {
  DEFAULT_EXECUTE,
  executeQuery,
  type ExecuteOptions,
  type QueryOutcome,
} from '../../src-main/core/sql/executor.js'
import type { SettingsInput } from '../../src-main/core/connection/resolve-settings.js'
import { labSettings } from './helpers.js'

export async function session(major: number, over: SettingsInput = {}): Promise<Session> {
  const connected = await connect(labSettings(major, 'main', { username: 'klairr_reader', ...over }))
  if (!connected.ok) throw new Error(`cannot connect: ${connected.failure.summary}`)
  return connected.session
}

export function run(s: Session, sql: string, over: Partial<ExecuteOptions> = {}): Promise<QueryOutcome> {
  return executeQuery(s, sql, { ...DEFAULT_EXECUTE, timeouts: { query: 10_000, lock: 1000 }, ...over })
}

export function isDiscarded(s: Session): boolean {
  return Boolean(
    (s.client as unknown as { connection: { stream: { destroyed: boolean } } }).connection.stream.destroyed,
  )
}
