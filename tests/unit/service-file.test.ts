import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { lookupService, parseServiceFile } from '../../src-main/core/connection/service-file.js'
import { resolveWithService } from '../../src-main/core/connection/resolve-settings.js'

const FILE = `
# a comment
[other]
host=other-host

  [prod]  
host=db.example.com
port=6432
 dbname=analytics
user=reader
host=second-wins-not
[prodx]
host=wrong
`

describe('parseServiceFile: libpq’s rules', () => {
  it('takes the named section: leading/trailing spaces dropped, first value wins, next section ends it', () => {
    expect(parseServiceFile(FILE, 'prod', 'f')).toEqual({
      found: true,
      params: { host: 'db.example.com', port: '6432', dbname: 'analytics', user: 'reader' },
    })
    expect(parseServiceFile(FILE, 'pro', 'f')).toEqual({ found: false })
  })

  it.each([
    ['[prod]\nhost db', /^syntax error in service file "f", line 2$/],
    ['[prod]\nhost = db', /^syntax error in service file "f", line 2$/],
    ['[prod]\nbogus=1', /^syntax error in service file "f", line 2$/],
    ['[prod]\nservice=other', /^nested service specifications not supported in service file "f", line 2$/],
    ['[prod]\nldap://ldap.example.com/dc=x?y', /^LDAP service lookups are not supported/],
  ])('refuses %j', (text, message) => {
    const r = parseServiceFile(text, 'prod', 'f')
    expect('error' in r && r.error).toMatch(message)
  })

  it('a bad line outside the service’s section is not read, as libpq', () => {
    expect(parseServiceFile('[a]\nnonsense\n[prod]\nhost=h', 'prod', 'f')).toEqual({
      found: true,
      params: { host: 'h' },
    })
  })
})

describe('lookupService: which files, in libpq’s order', () => {
  const dir = mkdtempSync(join(tmpdir(), 'klairr-service-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const home = join(dir, 'home')
  const sys = join(dir, 'sys')
  mkdirSync(home)
  mkdirSync(sys)
  writeFileSync(join(home, '.pg_service.conf'), '[user]\nhost=from-home\n[both]\nhost=home-wins\n')
  writeFileSync(join(sys, 'pg_service.conf'), '[sys]\nhost=from-sys\n[both]\nhost=sys-loses\nport=1\n')
  writeFileSync(join(dir, 'explicit.conf'), '[user]\nhost=from-explicit\n')

  it('~/.pg_service.conf first, and the system file is not read when the user file has the service', async () => {
    const env = { PGSYSCONFDIR: sys }
    expect(await lookupService('both', { env, home })).toEqual({
      ok: true,
      entry: { name: 'both', file: join(home, '.pg_service.conf'), params: { host: 'home-wins' } },
    })
    expect(await lookupService('sys', { env, home })).toMatchObject({
      ok: true,
      entry: { params: { host: 'from-sys' } },
    })
  })

  it('PGSERVICEFILE (or servicefile=) replaces ~/.pg_service.conf, and must exist', async () => {
    const env = { PGSERVICEFILE: join(dir, 'explicit.conf') }
    expect(await lookupService('user', { env, home })).toMatchObject({
      ok: true,
      entry: { params: { host: 'from-explicit' } },
    })
    expect(await lookupService('user', { env: {}, home, serviceFile: join(dir, 'nope.conf') })).toEqual({
      ok: false,
      message: `service file "${join(dir, 'nope.conf')}" not found`,
    })
  })

  it('a service no file has: libpq’s line', async () => {
    expect(await lookupService('prod', { env: {}, home })).toEqual({
      ok: false,
      message: 'definition of service "prod" not found',
    })
  })

  it('a directory as the service file is refused in one line', async () => {
    const r = await lookupService('x', { env: { PGSERVICEFILE: dir }, home })
    expect(r).toMatchObject({ ok: false, message: expect.stringMatching(/is a directory, not a file$/) })
  })

  it('resolves with libpq’s precedence: string over service over PG* variables; refused keywords refused', async () => {
    writeFileSync(
      join(dir, 'svc.conf'),
      '[prod]\nhost=svc-host\nport=6000\ndbname=svcdb\n[kerb]\nhost=h\nkrbsrvname=postgres\n',
    )
    const env = { PGSERVICEFILE: join(dir, 'svc.conf'), PGPORT: '7000', PGUSER: 'envuser' }
    const r = await resolveWithService({ connectionString: 'service=prod dbname=strdb' }, env, { home })
    expect(r.ok && r.settings).toMatchObject({
      host: 'svc-host',
      port: 6000,
      database: 'strdb',
      username: 'envuser',
      service: 'prod',
    })
    const viaEnv = await resolveWithService({}, { ...env, PGSERVICE: 'prod' }, { home })
    expect(viaEnv.ok && viaEnv.settings.host).toBe('svc-host')
    const kerb = await resolveWithService({ connectionString: 'service=kerb' }, env, { home })
    expect(!kerb.ok && kerb.problems.map((p) => p.message)).toEqual([
      'connection option "krbsrvname" in service "kerb" is not supported: Kerberos (GSSAPI) cannot be used by Klairr',
    ])
  })
})
