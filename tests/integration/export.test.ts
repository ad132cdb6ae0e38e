import { generateKeyPairSync } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { bindingOf, openSecret } from '../../src-main/core/export/seal.js'
import { UNSAFE_CHARACTERS } from '../../src-main/core/printable.js'
import {
  ConnectorRecords,
  recordFromExport,
  type KeyValueStore,
} from '../../src-main/core/records/connector-records.js'
import { parseExport } from '../../src-main/core/export/validate-export.js'
import type { RunChecksResponse } from '../../src-main/contract/index.js'
import { dispatch } from '../../src-main/handlers/dispatch.js'
import { testHandlers } from '../support/test-handlers.js'
import { LAB_PASSWORD } from '../lab/seed.js'
import { runCli } from './cli-run.js'
import { labArgs, labForm, portOf } from './helpers.js'

const conn = (username: string, port = portOf(18)) => [...labArgs(port), '--username', username]
function memoryStore(): KeyValueStore {
  let value: unknown
  return { get: () => value, set: (_k, v) => void (value = v) }
}

const workdir = () => mkdtempSync(join(tmpdir(), 'klairr-export-'))

function keyPair(dir: string, name: string) {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const pub = join(dir, `${name}.pub.pem`)
  writeFileSync(pub, pair.publicKey.export({ type: 'spki', format: 'pem' }))
  return { pub, privateKey: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() }
}

describe('klairr-companion export and import', () => {
  it('exports a healthy role: the file validates against the published schema and holds no password', async () => {
    const dir = workdir()
    const out = join(dir, 'connector.json')
    const r = await runCli(['export', ...conn('klairr_reader'), '--out', out, '--password-stdin'], {
      stdin: LAB_PASSWORD,
    })
    expect(r.code).toBe(0)
    const text = readFileSync(out, 'utf8')
    expect(text).not.toContain(LAB_PASSWORD)
    const parsed = await parseExport(text)
    expect(parsed.ok).toBe(true)
    if (parsed.ok) {
      expect(parsed.doc.verification.verdict).toBe('ready')
      expect(parsed.doc.secret).toBeUndefined()
      expect(parsed.doc.verification.tls.certificateSha256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/)
      // The lab is a loopback server: no managed service recognised, said as null (not left out).
      expect(parsed.doc.verification.provider).toBeNull()
      expect(text).toMatch(/"provider": null/)
    }
  })

  it('--allow-function: the file records the functions allowed by name as export writes them; import shows them and refuses other spellings', async () => {
    const out = join(workdir(), 'connector.json')
    const r = await runCli(
      [
        'export',
        ...conn('klairr_reader'),
        '--out',
        out,
        '--password-stdin',
        '--allow-function',
        'Public.My_Fn',
        '--allow-function',
        '"Sales"."NetTotal"',
        '--allow-function=public.my_fn',
      ],
      { stdin: LAB_PASSWORD },
    )
    expect(r.code).toBe(0)
    const doc = JSON.parse(readFileSync(out, 'utf8'))
    expect(doc.guard).toEqual({ allowFunctions: ['public.my_fn', '"Sales"."NetTotal"'] })
    const parsed = await parseExport(readFileSync(out, 'utf8'))
    expect(parsed.ok).toBe(true)
    if (parsed.ok) {
      const records = new ConnectorRecords(memoryStore())
      records.save(recordFromExport('c1', 'with functions', parsed.doc))
      expect(records.get('c1')!.allowFunctions).toEqual(['public.my_fn', '"Sales"."NetTotal"'])
    }

    const shown = await runCli(['import', out])
    expect(shown.code).toBe(0)
    expect(shown.stdout).toContain('functions allowed by name: public.my_fn, "Sales"."NetTotal"\n')

    doc.guard.allowFunctions = ['public.my_fn', 'Sales.NetTotal', 'db.public.f']
    writeFileSync(out, JSON.stringify(doc))
    const tampered = await runCli(['import', out])
    expect(tampered.code).toBe(2)
    expect(tampered.stderr.trim().split('\n')).toEqual([
      `klairr-companion import: ${out}: /guard/allowFunctions/1: not written as export writes it (sales.nettotal)`,
      `klairr-companion import: ${out}: /guard/allowFunctions/2: 3 parts where two are expected: write schema.name (a database name is not part of it)`,
    ])
  })

  it('--allow-function with a malformed name: one line, exit 2, nothing run or written', async () => {
    const out = join(workdir(), 'connector.json')
    const r = await runCli(
      ['export', ...conn('klairr_reader'), '--out', out, '--password-stdin', '--allow-function', 'my_fn'],
      { stdin: LAB_PASSWORD },
    )
    expect(r.code).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr).toMatch(
      /^klairr-companion export: --allow-function "my_fn": the schema is missing[^\n]*\n$/,
    )
    expect(existsSync(out)).toBe(false)
  })

  it('the desktop app: exportConnector records the functions allowed by name in the file and on the connector', async () => {
    const t = testHandlers()
    const run = await dispatch(t.handlers, 'runChecks', {
      jobId: `job-${Date.now()}-export`,
      connection: labForm(18),
    })
    if (!run.ok) throw new Error(run.error.message)
    const { runId, report } = run.value as RunChecksResponse
    const request = {
      runId,
      name: 'Lab with functions',
      acknowledgeWritableRole: false,
      approvedCertificateSha256: report.tls!.chain[0]!.fingerprint256,
    }
    const bad = await dispatch(t.handlers, 'exportConnector', { ...request, allowFunctions: ['a.b.c'] })
    expect(bad).toMatchObject({
      ok: false,
      error: { code: 'invalid_request', fields: { 'allowFunctions.0': expect.any(String) } },
    })
    expect(t.records.list()).toEqual([])

    const r = await dispatch(t.handlers, 'exportConnector', {
      ...request,
      allowFunctions: ['Public.My_Fn', 'analytics."Score"', 'public.my_fn'],
    })
    if (!r.ok) throw new Error(r.error.message)
    const value = r.value as { document: string; record: { id: string; allowFunctions: string[] } }
    expect(JSON.parse(value.document).guard).toEqual({
      allowFunctions: ['public.my_fn', 'analytics."Score"'],
    })
    expect(value.record.allowFunctions).toEqual(['public.my_fn', 'analytics."Score"'])
    expect(t.records.get(value.record.id)!.allowFunctions).toEqual(['public.my_fn', 'analytics."Score"'])
  })

  it('refuses a failing role and writes nothing', async () => {
    const out = join(workdir(), 'connector.json')
    const r = await runCli(
      ['export', ...conn('r_no_usage'), '--schema', 'sales', '--out', out, '--password-stdin'],
      { stdin: LAB_PASSWORD },
    )
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('Export refused')
    expect(existsSync(out)).toBe(false)
  })

  it('refuses a writable role unless acknowledged; the acknowledgement is in the file', async () => {
    const out = join(workdir(), 'connector.json')
    const refused = await runCli(['export', ...conn('r_insert_one'), '--out', out, '--password-stdin'], {
      stdin: LAB_PASSWORD,
    })
    expect(refused.code).toBe(1)
    expect(refused.stdout).toContain('write_probe failed (writable_role)')
    const accepted = await runCli(
      ['export', ...conn('r_insert_one'), '--allow-writable-role', '--out', out, '--password-stdin'],
      { stdin: LAB_PASSWORD },
    )
    expect(accepted.code).toBe(0)
    const doc = JSON.parse(readFileSync(out, 'utf8'))
    expect(doc.connector.allowWritableRole).toBe(true)
    expect(doc.connector.writableRoleAcknowledgement).toEqual({
      by: expect.any(String),
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    })
    expect(doc.verification.verdict).toBe('ready_with_warnings')
    // The desktop app keeps the same acknowledgement on the connector record.
    const records = new ConnectorRecords(memoryStore())
    records.save(recordFromExport('c1', 'writable', doc))
    expect(records.get('c1')).toMatchObject({
      writableRoleAcknowledgement: doc.connector.writableRoleAcknowledgement,
      approvedCertificateSha256: doc.verification.tls.certificateSha256,
    })
  })

  it('--seal-to: the password opens with the matching private key only; the file is private', async () => {
    const dir = workdir()
    const recipient = keyPair(dir, 'klairr')
    const stranger = keyPair(dir, 'stranger')
    const out = join(dir, 'connector.json')
    const r = await runCli(
      ['export', ...conn('klairr_reader'), '--out', out, '--seal-to', recipient.pub, '--password-stdin'],
      { stdin: LAB_PASSWORD },
    )
    expect(r.code).toBe(0)
    expect(statSync(out).mode & 0o777).toBe(0o600)
    const doc = JSON.parse(readFileSync(out, 'utf8'))
    expect(doc.secret.format).toBe('klairr.sealed-secret/v2')
    expect(openSecret(doc.secret, recipient.privateKey, bindingOf(doc))).toEqual({
      secret: LAB_PASSWORD,
      warning: null,
    })
    expect(() => openSecret(doc.secret, stranger.privateKey, bindingOf(doc))).toThrow()
    // Bound to this connector: the same secret in a file naming another port, or pinning another
    // certificate, does not open.
    for (const change of [
      (d: typeof doc) => (d.connector.port += 1),
      (d: typeof doc) =>
        (d.verification.tls.certificateSha256 = Array.from({ length: 32 }, () => '00').join(':')),
    ]) {
      const moved = JSON.parse(JSON.stringify(doc))
      change(moved)
      expect(() => openSecret(doc.secret, recipient.privateKey, bindingOf(moved))).toThrow(
        /another connector/,
      )
    }
    const shown = await runCli(['import', out])
    expect(shown.code).toBe(0)
    expect(shown.stdout).toContain(
      'password: sealed (RSA-OAEP-256+A256GCM, format v2, bound to this connector)',
    )
    expect(shown.stderr).toBe('')
  })

  it('--seal-to refuses a private key, a weak RSA key and e = 3 in one line, before any test runs', async () => {
    const dir = workdir()
    const out = join(dir, 'connector.json')
    const write = (name: string, text: string | Buffer) => {
      writeFileSync(join(dir, name), text)
      return join(dir, name)
    }
    const cases: [string, RegExp][] = [
      [
        write(
          'private.pem',
          generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
            type: 'pkcs8',
            format: 'pem',
          }),
        ),
        /is a private key/,
      ],
      [
        write(
          'weak.pem',
          generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({
            type: 'spki',
            format: 'pem',
          }),
        ),
        /at least 2048 bits \(it has 1024\)/,
      ],
      [
        write(
          'e3.pem',
          generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 3 }).publicKey.export({
            type: 'spki',
            format: 'pem',
          }),
        ),
        /public exponent 65537 \(it has 3\)/,
      ],
    ]
    for (const [key, message] of cases) {
      const r = await runCli(
        ['export', ...conn('klairr_reader'), '--out', out, '--seal-to', key, '--password-stdin'],
        {
          stdin: LAB_PASSWORD,
        },
      )
      expect(r.code).toBe(2)
      expect(r.stdout).toBe('')
      expect(r.stderr).toMatch(
        new RegExp(`^klairr-companion export: --seal-to [^\\n]*: [^\\n]*${message.source}[^\\n]*\\n$`),
      )
      expect(existsSync(out)).toBe(false)
    }
  })

  it('import: a v1 sealed secret is read with a warning', async () => {
    const dir = workdir()
    const recipient = keyPair(dir, 'klairr')
    const out = join(dir, 'connector.json')
    await runCli(
      ['export', ...conn('klairr_reader'), '--out', out, '--seal-to', recipient.pub, '--password-stdin'],
      {
        stdin: LAB_PASSWORD,
      },
    )
    const doc = JSON.parse(readFileSync(out, 'utf8'))
    delete doc.secret.format
    writeFileSync(out, JSON.stringify(doc))
    const r = await runCli(['import', out])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('format v1)')
    expect(r.stderr).toMatch(
      /^klairr-companion import: warning: the password was sealed in format v1[^\n]*\n$/,
    )
  })

  it('import treats the file as hostile: escapes in every string field never reach stdout raw; oversized fields and files are one line, exit 2', async () => {
    const dir = workdir()
    const out = join(dir, 'connector.json')
    await runCli(['export', ...conn('klairr_reader'), '--out', out, '--password-stdin'], {
      stdin: LAB_PASSWORD,
    })
    const exported = JSON.parse(readFileSync(out, 'utf8'))
    const unsafe = new RegExp(UNSAFE_CHARACTERS.source, 'u')
    const paths: (string | number)[][] = []
    const walk = (v: unknown, path: (string | number)[]) => {
      if (typeof v === 'string') paths.push(path)
      else if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]))
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...path, k])
    }
    walk(exported, [])
    expect(paths.map((p) => p.join('/'))).toEqual(
      expect.arrayContaining(['connector/host', 'connector/username', 'verification/server/versionString']),
    )
    // Every field gets one of the payloads in turn (the unit tests give every field every payload);
    // the fields import prints get all four.
    const payloads = ['\u001b[2J\u001b[1;1H', '\r', '\n', '\u202e']
    const printed = [
      'connector/host',
      'connector/username',
      'connector/database',
      'verification/server/versionString',
    ]
    const runs = paths.flatMap((path, i) =>
      printed.includes(path.join('/'))
        ? payloads.map((payload) => ({ path, payload }))
        : [{ path, payload: payloads[i % payloads.length]! }],
    )
    for (const { path, payload } of runs) {
      const doc = JSON.parse(JSON.stringify(exported))
      let at = doc
      for (const p of path.slice(0, -1)) at = at[p]
      at[path[path.length - 1]!] = `${at[path[path.length - 1]!]}${payload}forged`
      const file = join(dir, 'hostile.json')
      writeFileSync(file, JSON.stringify(doc))
      const r = await runCli(['import', file])
      expect([0, 2]).toContain(r.code)
      for (const text of [r.stdout, r.stderr]) {
        expect(text === '' || text.endsWith('\n')).toBe(true)
        for (const line of text.slice(0, -1).split('\n'))
          expect(unsafe.test(line), JSON.stringify(line)).toBe(false)
        expect(text).not.toContain(`${payload}forged`)
      }
      if (r.code === 2)
        for (const line of r.stderr.trim().split('\n')) expect(line).toMatch(/^klairr-companion import: /)
    }
    const named = { ...exported, connector: { ...exported.connector, username: 'ana\u001b[2Jx' } }
    writeFileSync(join(dir, 'named.json'), JSON.stringify(named))
    const refused = await runCli(['import', join(dir, 'named.json')])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toBe(
      `klairr-companion import: ${join(dir, 'named.json')}: /connector/username: control character U+001B\n`,
    )

    const long = { ...exported, connector: { ...exported.connector, username: 'a'.repeat(64) } }
    writeFileSync(join(dir, 'long.json'), JSON.stringify(long))
    const longField = await runCli(['import', join(dir, 'long.json')])
    expect(longField.code).toBe(2)
    expect(longField.stderr).toBe(
      `klairr-companion import: ${join(dir, 'long.json')}: /connector/username: must NOT have more than 63 characters\n`,
    )

    writeFileSync(join(dir, 'big.json'), JSON.stringify({ ...exported, pad: 'x'.repeat(70_000) }))
    const big = await runCli(['import', join(dir, 'big.json')])
    expect(big.code).toBe(2)
    expect(big.stdout).toBe('')
    expect(big.stderr).toMatch(
      /^klairr-companion import: [^\n]*big\.json: \d+ bytes or more, larger than 65536 [^\n]*\n$/,
    )
  })

  it('import re-checks and refuses a pinned certificate the server no longer presents', async () => {
    const dir = workdir()
    const out = join(dir, 'connector.json')
    await runCli(['export', ...conn('klairr_reader'), '--out', out, '--password-stdin'], {
      stdin: LAB_PASSWORD,
    })
    const ok = await runCli(['import', out, '--password-stdin'], { stdin: LAB_PASSWORD })
    expect(ok.code).toBe(0)
    expect(ok.stdout).toContain('Re-checked now: ready')
    const doc = JSON.parse(readFileSync(out, 'utf8'))
    doc.verification.tls.certificateSha256 = Array.from({ length: 32 }, () => '00').join(':')
    writeFileSync(out, JSON.stringify(doc))
    const tampered = await runCli(['import', out, '--password-stdin'], { stdin: LAB_PASSWORD })
    expect(tampered.code).toBe(2)
    expect(tampered.stderr).toContain('is not the pinned one')
  })

  it('import: every malformed field on its own line, exit 2', async () => {
    const file = join(workdir(), 'bad.json')
    writeFileSync(
      file,
      JSON.stringify({ format: 'klairr.connector.postgresql/v9', connector: { port: 'x' } }),
    )
    const r = await runCli(['import', file])
    expect(r.code).toBe(2)
    expect(r.stderr.trim().split('\n').length).toBeGreaterThanOrEqual(3)
    expect(r.stderr).toContain('/format: must be "klairr.connector.postgresql/v1"')
  })

  it('a full check → export → import run leaves the password in no file, output, error, export or process argument', async () => {
    const dir = workdir()
    const home = join(dir, 'home')
    const env = { HOME: home, XDG_CONFIG_HOME: join(home, '.config') }
    const recipient = keyPair(dir, 'klairr')
    const seen: string[] = []
    const record = (pid: number) => {
      try {
        seen.push(
          readFileSync(`/proc/${pid}/cmdline`, 'latin1'),
          readFileSync(`/proc/${pid}/environ`, 'latin1'),
        )
      } catch {
        // the process already ended
      }
    }
    const steps = [
      ['check', ...conn('klairr_reader'), '--password-stdin'],
      ['check', ...conn('klairr_reader'), '--password-stdin', '--json'],
      ['check', ...conn('nobody'), '--password-stdin'],
      ['export', ...conn('klairr_reader'), '--out', join(dir, 'plain.json'), '--password-stdin'],
      [
        'export',
        ...conn('klairr_reader'),
        '--out',
        join(dir, 'sealed.json'),
        '--seal-to',
        recipient.pub,
        '--password-stdin',
      ],
      [
        'export',
        ...conn('r_no_usage'),
        '--schema',
        'sales',
        '--out',
        join(dir, 'refused.json'),
        '--password-stdin',
      ],
      ['import', join(dir, 'plain.json'), '--password-stdin'],
      ['import', join(dir, 'sealed.json'), '--password-stdin'],
      ['query', ...conn('klairr_reader'), '--password-stdin', '--sql', 'SELECT 1/0'],
      ['audit', ...conn('r_member'), '--password-stdin', '--json'],
    ]
    for (const args of steps) {
      const r = await runCli(args, { env, stdin: LAB_PASSWORD, onSpawn: record })
      seen.push(r.stdout, r.stderr)
    }
    const files = (d: string): string[] =>
      existsSync(d)
        ? readdirSync(d, { withFileTypes: true }).flatMap((e) =>
            e.isDirectory() ? files(join(d, e.name)) : [join(d, e.name)],
          )
        : []
    for (const f of files(dir)) seen.push(readFileSync(f, 'latin1'))
    expect(
      files(dir)
        .filter((f) => f.endsWith('.json'))
        .sort(),
    ).toEqual([join(dir, 'plain.json'), join(dir, 'sealed.json')])
    for (const text of seen) {
      expect(text).not.toContain(LAB_PASSWORD)
      expect(text).not.toContain(encodeURIComponent(LAB_PASSWORD))
      expect(text).not.toContain(Buffer.from(LAB_PASSWORD).toString('base64'))
    }
  })
})
