import { describe, expect, it } from 'vitest'
import { adviceFor } from '../../src-main/core/diagnosis/advice.js'
import { exampleSettings } from '../support/example-settings.js'

const settings = exampleSettings()

const policies = (evidence: Record<string, unknown>) =>
  adviceFor({ reason: 'rls_hides_rows', evidence }, settings)!.commands[0]!.command.split('\n')

describe('rls_hides_rows for views: the policy goes on the table, for the role the view reads as', () => {
  it('a view owned by another role: its table, for that owner; a security_invoker view: for this role', () => {
    expect(
      policies({
        rlsHidden: ['s.t'],
        rlsViews: [
          { view: 's.v1', table: 'd.sales', checkedAs: 'View Owner', invoker: false, policyApplies: false },
          { view: 's.v2', table: 'd.sales', checkedAs: 'klairr_reader', invoker: true, policyApplies: false },
          { view: 's.v3', table: 'd.sales', checkedAs: 'View Owner', invoker: false, policyApplies: false },
          { view: 's.v4', table: 'd.notes', checkedAs: 'klairr_reader', invoker: true, policyApplies: true },
        ],
      }),
    ).toEqual([
      'CREATE POLICY klairr_read ON s.t FOR SELECT TO klairr_reader USING (true);',
      'CREATE POLICY klairr_read ON d.sales FOR SELECT TO "View Owner" USING (true);',
      'CREATE POLICY klairr_read ON d.sales FOR SELECT TO klairr_reader USING (true);',
    ])
  })

  it.each([
    [{ table: 'x; DROP TABLE y', checkedAs: 'o', policyApplies: false }],
    [{ table: 'd.t', checkedAs: 42, policyApplies: false }],
    [null],
    ['s.v'],
  ])('%j: not in the shape the server gives, the placeholder stays', (entry) => {
    expect(policies({ rlsViews: [entry] })).toEqual([
      'CREATE POLICY klairr_read ON <schema.table> FOR SELECT TO klairr_reader USING (true);',
    ])
  })

  it('the steps say where a view’s policy goes', () => {
    const advice = adviceFor({ reason: 'rls_hides_rows', evidence: {} }, settings)!
    expect(advice.steps.join(' ')).toMatch(/A view reads its tables as its owner/)
  })
})
