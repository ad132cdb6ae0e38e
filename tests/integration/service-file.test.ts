import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LAB_DATABASE, LAB_PASSWORD } from '../lab/seed.js'
import { runCli } from './cli-run.js'
import { lab, portOf } from './helpers.js'

/** `klairr-companion check "service=prod"` against the lab, through pg_service.conf files as libpq reads them. */
describe('klairr-companion check: the service file', () => {
  let dir: string
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'klairr-service-it-'))
    const prod = [
      '# the lab, as an admin would describe it',
      '[prod]',
      'host=127.0.0.1',
      `port=${portOf(18)}`,
      `dbname=${LAB_DATABASE}`,
      'user=klairr_reader',
      'sslmode=verify-full',
      `sslrootcert=${lab().caCert}`,
      '',
      '[kerberos]',
      'host=127.0.0.1',
      'krbsrvname=postgres',
    ].join('\n')
    writeFileSync(join(dir, 'user.conf'), prod)
    writeFileSync(join(dir, 'pg_service.conf'), prod.replace('[prod]', '[sysprod]'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('PGSERVICEFILE: the section is the connection, verified in full', async () => {
    const r = await runCli(['check', 'service=prod', '--private-network', '--json'], {
      env: { PGSERVICEFILE: join(dir, 'user.conf'), PGPASSWORD: LAB_PASSWORD },
    })
    expect(r.stderr).toBe('')
    const report = JSON.parse(r.stdout)
    expect(report.checks[1].summary).toContain('chain and host name verified')
    expect(report.checks[2].status).toBe('pass')
    expect(r.code).toBe(0)
  })

  it('PGSERVICE and PGSYSCONFDIR: the system file, when the user file has no such service', async () => {
    const r = await runCli(['check', '--private-network', '--json'], {
      env: {
        PGSERVICE: 'sysprod',
        PGSYSCONFDIR: dir,
        PGSERVICEFILE: join(dir, 'user.conf'),
        PGPASSWORD: LAB_PASSWORD,
      },
    })
    expect(JSON.parse(r.stdout).checks[2].status).toBe('pass')
    expect(r.code).toBe(0)
  })

  it('options win over the service file', async () => {
    const r = await runCli(['check', 'service=prod', '--port', '1', '--private-network', '--json'], {
      env: { PGSERVICEFILE: join(dir, 'user.conf'), PGPASSWORD: LAB_PASSWORD },
    })
    expect(JSON.parse(r.stdout).checks[0].status).toBe('fail')
  })

  it.each([
    ['a service no file has', 'service=nope', 'definition of service "nope" not found'],
    [
      'a refused keyword in the section',
      'service=kerberos',
      'connection option "krbsrvname" in service "kerberos" is not supported: Kerberos (GSSAPI) cannot be used by Klairr',
    ],
  ])('%s: one line, exit 2', async (_name, conn, line) => {
    const r = await runCli(['check', conn], { env: { PGSERVICEFILE: join(dir, 'user.conf') } })
    expect(r).toMatchObject({ code: 2, stdout: '' })
    expect(r.stderr).toBe(`klairr-companion check: ${line}\n`)
  })

  it('a missing PGSERVICEFILE: libpq’s line, exit 2', async () => {
    const r = await runCli(['check', 'service=prod'], { env: { PGSERVICEFILE: join(dir, 'none.conf') } })
    expect(r).toMatchObject({ code: 2, stdout: '' })
    expect(r.stderr).toBe(`klairr-companion check: service file "${join(dir, 'none.conf')}" not found\n`)
  })

  it('several problems: one line each, exit 2', async () => {
    const r = await runCli(['check', 'krbsrvname=postgres port=0'], { env: { PGGSSENCMODE: 'require' } })
    expect(r).toMatchObject({ code: 2, stdout: '' })
    expect(r.stderr.trimEnd().split('\n')).toEqual([
      'klairr-companion check: port must be a whole number from 1 to 65535, not "0"',
      'klairr-companion check: environment variable PGGSSENCMODE (connection option "gssencmode") is not supported: GSSAPI encryption cannot be used by Klairr: give gssencmode=disable',
      'klairr-companion check: connection option "krbsrvname" is not supported: Kerberos (GSSAPI) cannot be used by Klairr',
    ])
  })
})
