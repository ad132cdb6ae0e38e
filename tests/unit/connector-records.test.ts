import { describe, expect, it } from 'vitest'
import {
  connectorForExport,
  ConnectorRecords,
  migrate,
  targetKey,
  targetLabel,
  RECORDS_SCHEMA_VERSION,
  type ConnectorRecord,
  type KeyValueStore,
} from '../../src-main/core/records/connector-records.js'
import { memoryVault } from '../../src-main/core/secrets/vault.js'
import { VAULT_SERVICE } from '../../src-main/core/use-cases/export-connector.js'
import { DeletedConnectors } from '../../src-main/handlers/deleted-connectors.js'

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

describe('one saved connector per target', () => {
  const settings = record('x').settings
  it.each([
    ['another role', { username: 'other' }, false],
    ['another host', { host: 'db2' }, false],
    ['the host in other case (DNS ignores it)', { host: 'DB' }, true],
    ['another port', { port: 6432 }, false],
    ['another database', { database: 'sales' }, false],
    ['another schema', { schema: 'mart' }, false],
    ['another sslmode (same target, verified differently)', { sslMode: 'verify-full' as const }, true],
    ['another name for the server’s certificate root', { sslRootCert: 'system' }, true],
  ])('%s: same target is %s', (_what, over, same) => {
    expect(targetKey({ ...settings, ...over }) === targetKey(settings)).toBe(same)
  })

  it('an export updates the run’s own connector, else the one saved for its target, else none', () => {
    const saved = [
      record('a'),
      record('b', { settings: { ...settings, database: 'sales' } }),
      record('c'), // a duplicate left by an older version
    ]
    expect(connectorForExport(saved, null, settings)).toBe('a')
    expect(connectorForExport(saved, 'c', settings)).toBe('c')
    expect(connectorForExport(saved, null, { ...settings, database: 'sales' })).toBe('b')
    // The run was opened from "a" and edited to point elsewhere: that is another connector, a new one.
    expect(connectorForExport(saved, 'a', { ...settings, host: 'elsewhere' })).toBeNull()
    expect(connectorForExport([], null, settings)).toBeNull()
  })

  it('withTarget lists the records of one target', () => {
    const records = new ConnectorRecords(memoryStore())
    records.save(record('a'))
    records.save(record('b', { settings: { ...settings, port: 6432 } }))
    records.save(record('c'))
    expect(records.withTarget(settings).map((r) => r.id)).toEqual(['a', 'c'])
  })

  it.each([
    [{ username: 'analytics', host: '127.0.0.1', port: 5432 }, 'analytics@127.0.0.1:5432'],
    [{ username: 'r', host: '::1', port: 5433 }, 'r@[::1]:5433'],
    [{ username: 'r', host: '[::1]', port: 5433 }, 'r@[::1]:5433'],
  ])('the list shows %j as %s', (s, label) => {
    expect(targetLabel(s)).toBe(label)
  })
})

describe('delete with undo', () => {
  async function setup(windowMs = 60_000) {
    const records = new ConnectorRecords(memoryStore())
    const vault = memoryVault()
    records.save(record('a'))
    await vault.setPassword(VAULT_SERVICE, 'a', 'pw-Zq7-undo')
    return { records, vault, bin: new DeletedConnectors(records, async () => vault, windowMs) }
  }

  it('removes the record and its vaulted password at once; Undo puts both back', async () => {
    const { records, vault, bin } = await setup()
    expect(await bin.delete('a')).toEqual({ ok: true, value: { deleted: true } })
    expect(records.list()).toEqual([])
    expect(await vault.getPassword(VAULT_SERVICE, 'a')).toBeNull()
    expect(await bin.restore('a')).toEqual({ ok: true, value: { record: record('a') } })
    expect(records.list()).toEqual([record('a')])
    expect(await vault.getPassword(VAULT_SERVICE, 'a')).toBe('pw-Zq7-undo')
    // Undone once: a second Undo has nothing to bring back.
    expect(await bin.restore('a')).toMatchObject({ ok: false, error: { code: 'not_found' } })
  })

  it('after the window, or once cleared (the app quits), the delete is for good', async () => {
    const { records, vault, bin } = await setup(20)
    await bin.delete('a')
    await new Promise((r) => setTimeout(r, 60))
    expect(await bin.restore('a')).toMatchObject({
      ok: false,
      error: { code: 'not_found', message: expect.stringMatching(/Too late to undo/) },
    })
    expect(records.list()).toEqual([])
    expect(await vault.getPassword(VAULT_SERVICE, 'a')).toBeNull()

    const again = await setup()
    await again.bin.delete('a')
    again.bin.clear()
    expect(await again.bin.restore('a')).toMatchObject({ ok: false })
  })

  it('a connector without a saved password comes back without one; an unknown id is not found', async () => {
    const { vault, bin } = await setup()
    await vault.deletePassword(VAULT_SERVICE, 'a')
    await bin.delete('a')
    await bin.restore('a')
    expect(await vault.getPassword(VAULT_SERVICE, 'a')).toBeNull()
    expect(await bin.delete('nope')).toMatchObject({ ok: false, error: { code: 'not_found' } })
  })
})
