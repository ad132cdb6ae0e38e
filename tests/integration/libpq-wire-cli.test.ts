import { describe, expect, it } from 'vitest'
import type { CheckReport } from '../../src-main/core/checks/types.js'
import { LAB_DATABASE, LAB_PASSWORD } from '../lab/seed.js'
import { runCli } from './cli-run.js'
import { lab, portOf } from './helpers.js'

// The libpq keywords end to end: a keyword string as an admin types it, parsed by the fields table and
// honoured on the wire by the built CLI (npm run build:cli first).

const env = { PGPASSWORD: LAB_PASSWORD }
const base = `dbname=${LAB_DATABASE} user=klairr_reader`

async function checkJson(
  conninfo: string,
): Promise<{ code: number | null; report: CheckReport; stderr: string }> {
  const r = await runCli(['check', conninfo, '--private-network', '--json'], { env })
  expect(r.stdout + r.stderr).not.toContain(LAB_PASSWORD)
  return { code: r.code, report: JSON.parse(r.stdout) as CheckReport, stderr: r.stderr }
}

describe('libpq keywords through the CLI', () => {
  it('hostaddr with verify-full on a certificate for another name: exit 0, the name verified, the address dialled', async () => {
    const { code, report } = await checkJson(
      `host=db.wrong.example hostaddr=127.0.0.1 port=${portOf(18, 'wrongHost')} ${base} sslmode=verify-full sslrootcert=${lab().caCert}`,
    )
    expect(code).toBe(0)
    expect(report.checks[0]?.evidence).toMatchObject({
      hostaddr: '127.0.0.1',
      verifiedName: 'db.wrong.example',
    })
  })

  it('host=a,b with target_session_attrs=read-write: the standby skipped, main judged', async () => {
    const { code, report } = await checkJson(
      `host=127.0.0.1,127.0.0.1 port=${portOf(18, 'standby')},${portOf(18)} ${base} target_session_attrs=read-write`,
    )
    expect(code).toBe(0)
    expect(report.checks[0]?.evidence.judgedHost).toEqual({ host: '127.0.0.1', port: portOf(18) })
  })

  it('require_auth, channel_binding, application_name, options, connect_timeout and sslnegotiation in one string', async () => {
    const { code, report } = await checkJson(
      `host=127.0.0.1 port=${portOf(18)} ${base} require_auth=scram-sha-256 channel_binding=require application_name=cli-test options='-c work_mem=4242kB' connect_timeout=5 sslnegotiation=direct`,
    )
    expect(code).toBe(0)
    expect(report.checks[2]?.evidence.authMethod).toBe('scram-sha-256-plus')
    expect(report.checks[0]?.evidence.sslNegotiation).toBe('direct')
  })

  it('channel_binding=require through PgBouncer: exit 1, channel_binding_required', async () => {
    const { code, report } = await checkJson(
      `host=127.0.0.1 port=${portOf(18, 'pgbouncerSession')} ${base} channel_binding=require`,
    )
    expect(code).toBe(1)
    expect(report.checks[2]?.reason).toBe('channel_binding_required')
  })
})
