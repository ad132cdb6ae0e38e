import { describe, expect, it } from 'vitest'
import { runChecks } from '../../src-main/core/checks/run.js'
import { columnsOf } from '../../src-main/core/checks/introspection.js'
import { SUPPORTED_MAJORS } from '../lab/server.js'
import { FAST, labSettings } from './helpers.js'

describe.each(SUPPORTED_MAJORS)('introspection on PostgreSQL %i', (major) => {
  it('lists every relation kind with its columns and types, as the role sees them', async () => {
    const { snapshot } = await runChecks(labSettings(major, 'main', { username: 'klairr_reader' }), {
      timeouts: FAST,
    })
    const byName = new Map(snapshot!.relations.map((r) => [r.name, r]))
    expect([...byName.keys()]).toEqual([
      'customers',
      'events',
      'order_totals',
      'orders',
      'owned_by_role',
      'region_counts',
    ])
    expect(byName.get('order_totals')?.kind).toBe('view')
    expect(byName.get('region_counts')?.kind).toBe('materialized_view')
    const orders = byName.get('orders')!
    expect(orders.columnCount).toBe(5)
    expect(columnsOf(orders)).toEqual([
      { name: 'id', type: 'bigint', notNull: true },
      { name: 'customer_id', type: 'bigint', notNull: false },
      { name: 'total', type: 'numeric(12,2)', notNull: false },
      { name: 'status', type: 'text', notNull: false },
      { name: 'ordered_at', type: 'timestamp with time zone', notNull: false },
    ])
  })

  it('shows a role only the relations it holds a privilege on, like information_schema', async () => {
    const { snapshot } = await runChecks(
      labSettings(major, 'main', { username: 'r_partial', schema: 'sales' }),
      { timeouts: FAST },
    )
    expect(snapshot!.relations.map((r) => r.name)).toEqual(['leads'])
  })
})
