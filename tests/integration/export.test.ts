import { generateKeyPairSync } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openSecret } from '../../src-main/core/export/seal.js'
import {
  ConnectorRecords,
  recordFromExport,
  type KeyValueStore,
} from '../../src-main/core/records/connector-records.js'
import { parseExport } from '../../src-main/core/export/validate-export.js'
import { LAB_PASSWORD } from '../lab/seed.js'
import { runCli } from './cli-run.js'
import { labArgs, portOf } from './helpers.js'

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
    }
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
    expect(openSecret(doc.secret, recipient.privateKey)).toBe(LAB_PASSWORD)
    expect(() => openSecret(doc.secret, stranger.privateKey)).toThrow()
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
