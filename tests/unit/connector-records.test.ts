import { describe, expect, it } from 'vitest'
import {
  ConnectorRecords,
  migrate,
  RECORDS_SCHEMA_VERSION,
  type ConnectorRecord,
  type KeyValueStore,
} from '../../src-main/core/records/connector-records.js'

function memoryStore(initial?: unknown): KeyValueStore & { raw(): unknown } {
  let value = initial
  return { get: () => value, set: (_k, v) => void (value = structuredClone(v)), raw: () => value }
}

const record = (id: string, over: Partial<ConnectorRecord> = {}): ConnectorRecord => ({
  id,
  name: `Connector ${id}`,
  settings: {
    host: 'db',
    port: 5432,
    database: 'analytics',
    schema: 'public',
    username: 'klairr_reader',
    sslMode: 'require',
    privateNetwork: false,
    allowWritableRole: false,
  },
  lastRun: null,
  writableRoleAcknowledgement: null,
  approvedCertificateSha256: null,
  allowFunctions: [],
  ...over,
})

describe('connector records', () => {
  it('save, list, get, replace, remove; stored with its schema version', () => {
    const store = memoryStore()
    const records = new ConnectorRecords(store)
    records.save(record('a'))
    records.save(record('b'))
    records.save(record('a', { name: 'renamed' }))
    expect(
      records
        .list()
        .map((r) => r.name)
        .sort(),
    ).toEqual(['Connector b', 'renamed'])
    expect(records.get('a')?.name).toBe('renamed')
    expect(records.remove('a')).toBe(true)
    expect(records.remove('a')).toBe(false)
    expect(store.raw()).toMatchObject({ schemaVersion: RECORDS_SCHEMA_VERSION, records: [{ id: 'b' }] })
  })

  it('refuses a record that carries a password', () => {
    const records = new ConnectorRecords(memoryStore())
    const bad = record('x')
    ;(bad.settings as Record<string, unknown>).password = 'nope'
    expect(() => records.save(bad)).toThrow(/never holds a password/)
  })

  it('migrates version 1 (two acknowledgement fields, no fingerprint) and writes the new version back', () => {
    const {
      writableRoleAcknowledgement: _a,
      approvedCertificateSha256: _f,
      allowFunctions: _l,
      ...v1
    } = record('old')
    const store = memoryStore({
      records: [{ ...v1, acknowledgedWritableBy: 'ana', acknowledgedWritableAt: '2026-01-02T03:04:05Z' }],
    })
    const records = new ConnectorRecords(store)
    expect(records.get('old')).toMatchObject({
      writableRoleAcknowledgement: { by: 'ana', at: '2026-01-02T03:04:05Z' },
      approvedCertificateSha256: null,
      allowFunctions: [],
    })
    records.save(record('new'))
    expect(store.raw()).toMatchObject({ schemaVersion: 3 })
    expect(JSON.stringify(store.raw())).not.toContain('acknowledgedWritableBy')
  })

  it('migrates version 2 (no allowed functions): none allowed, everything else kept', () => {
    const { allowFunctions: _l, ...v2 } = record('two', {
      approvedCertificateSha256: 'AB',
      writableRoleAcknowledgement: { by: 'ana', at: '2026-01-02T03:04:05Z' },
    })
    const store = memoryStore({ schemaVersion: 2, records: [v2] })
    const records = new ConnectorRecords(store)
    expect(records.get('two')).toEqual({ ...v2, allowFunctions: [] })
    records.save(record('new', { allowFunctions: ['public.my_fn', '"Sales"."Net"'] }))
    expect(store.raw()).toMatchObject({
      schemaVersion: 3,
      records: [{ id: 'two', allowFunctions: [] }, { allowFunctions: ['public.my_fn', '"Sales"."Net"'] }],
    })
  })

  it.each([
    [undefined, { schemaVersion: 3, records: [] }],
    [null, { schemaVersion: 3, records: [] }],
  ])('nothing stored (%j) is an empty list', (stored, expected) => {
    expect(migrate(stored)).toEqual(expected)
  })

  it('refuses to guess at a newer version or a broken document', () => {
    expect(() => migrate({ schemaVersion: 9, records: [] })).toThrow(/newer than this app/)
    expect(() => migrate({ schemaVersion: 3, records: 'x' })).toThrow(/not a list/)
  })
})
