import { describe, expect, it } from 'vitest'
import { settingsOfHostUsed } from '../../src-main/core/checks/host-list.js'
import { resolveSettingsOrThrow } from '../../src-main/core/connection/resolve-settings.js'
import { adviceInReport } from '../../src-main/core/diagnosis/report-advice.js'

const settings = resolveSettingsOrThrow(
  {
    connectionString:
      'host=first.example,second.example port=5432,6543 hostaddr=,10.0.0.2 user=klairr_reader dbname=analytics',
  },
  {},
)

describe('advice for the host the run ended on', () => {
  it('is the first host when the run used it, or when the report has no network part', () => {
    expect(settingsOfHostUsed(settings, { judgedHost: { host: 'first.example', port: 5432 } })).toBe(settings)
    expect(settingsOfHostUsed(settings, {})).toBe(settings)
  })

  it('takes the judged host’s name, port and hostaddr', () => {
    const used = settingsOfHostUsed(settings, { judgedHost: { host: 'second.example', port: 6543 } })
    expect([used.host, used.port, used.hostaddr]).toEqual(['second.example', 6543, '10.0.0.2'])
  })

  it('names that host in the advice of a later check', () => {
    const advice = adviceInReport(
      { id: 'auth', status: 'fail', reason: 'pg_hba_rejected', evidence: {} } as never,
      settings,
      {
        checks: [
          {
            id: 'network',
            evidence: {
              hostsTried: [
                { host: 'first.example', port: 5432 },
                { host: 'second.example', port: 6543 },
              ],
            },
          },
        ] as never,
        provider: null,
      },
    )
    const text = JSON.stringify(advice)
    expect(text).toContain('second.example')
    expect(text).not.toContain('first.example')
  })
})
