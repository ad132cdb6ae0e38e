import {
  mkdtempSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
  mkdirSync,
  readdirSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CHECK_IDS } from '../../src-main/core/checks/types.js'
import { LAB_PASSWORD } from '../lab/seed.js'
import { runCli } from './cli-run.js'
import { lab, labArgs, portOf } from './helpers.js'

/** `klairr-companion check --report FILE`, against the lab's real servers. */

const folder = mkdtempSync(join(tmpdir(), 'klairr-report-'))
const fileIn = (name: string) => join(folder, name)
const mode = (path: string) => statSync(path).mode & 0o777
const reader = (port = portOf(18)) => [...labArgs(port), '--username', 'klairr_reader']

/** Distinctive, and not the lab's: the server refuses it, and it must be nowhere in either file. */
const WRONG_PASSWORD = 'Rp8!report-only-W1tness-5521'

describe('klairr-companion check --report', () => {
  it('a healthy server: exit 0, a Markdown report with mode 0600, every check, no password', async () => {
    const file = fileIn('healthy.md')
    const r = await runCli(['check', ...reader(), '--report', file], { env: { PGPASSWORD: LAB_PASSWORD } })
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`Report written to ${file} (Markdown).`)
    expect(mode(file)).toBe(0o600)
    const md = readFileSync(file, 'utf8')
    expect(md.split('\n')[0]).toBe('# Klairr setup tests: READY')
    expect(md).toContain(`klairr\\_reader@127.0.0.1:${portOf(18)}/analytics, schema public, sslmode`)
    for (const id of CHECK_IDS) expect(md).toMatch(new RegExp(`### \`${id}\`: PASS \\(\\d+ ms\\)`))
    expect(md).toMatch(/\*\*Server:\*\* PostgreSQL 18\.\d+/)
    expect(md).toMatch(/with klairr-companion\/\d+\.\d+\.\d+/)
    expect(md).not.toContain(LAB_PASSWORD)
    expect(md).not.toContain(encodeURIComponent(LAB_PASSWORD))
  })

  it('the closed port: exit 1, the report still written, with the failure, its reason and its commands', async () => {
    const file = fileIn('closed.md')
    const r = await runCli(['check', ...reader(lab().fakes.closedPort), '--report', file], {
      env: { PGPASSWORD: LAB_PASSWORD },
    })
    expect(r.stderr).toBe('')
    expect(r.code).toBe(1)
    expect(mode(file)).toBe(0o600)
    const md = readFileSync(file, 'utf8')
    expect(md.split('\n')[0]).toBe('# Klairr setup tests: BLOCKED')
    expect(md).toContain('### `network`: FAIL')
    expect(md).toContain('Reason: `tcp_refused` (troubleshooting: `connection_refused`)')
    expect(md).toContain('Troubleshooting, **Connection refused**')
    expect(md).toContain(`\`\`\`sh\npg_isready -h 127.0.0.1 -p ${lab().fakes.closedPort}\n\`\`\``)
    for (const id of CHECK_IDS.slice(1)) expect(md).toContain(`### \`${id}\`: SKIP`)
  })

  it('a wrong, distinctive password: the Markdown and the JSON of a failing run hold it nowhere', async () => {
    const md = fileIn('wrong-password.md')
    const json = fileIn('wrong-password.json')
    const env = { PGPASSWORD: WRONG_PASSWORD }
    const a = await runCli(['check', ...reader(), '--report', md], { env })
    const b = await runCli(['check', ...reader(), '--json', '--report', json], { env })
    expect([a.code, b.code]).toEqual([1, 1])
    const texts = [readFileSync(md, 'utf8'), readFileSync(json, 'utf8'), a.stdout, b.stdout]
    expect(texts[0]).toContain('Reason: `password_invalid`')
    for (const text of texts)
      for (const form of [
        WRONG_PASSWORD,
        encodeURIComponent(WRONG_PASSWORD),
        WRONG_PASSWORD.replace('!', '\\!'),
      ])
        expect(text).not.toContain(form)
    // The JSON report is the same run's --json, byte for byte.
    expect(readFileSync(json, 'utf8')).toBe(b.stdout)
    expect(JSON.parse(b.stdout)).toMatchObject({ verdict: 'blocked', checks: expect.any(Array) })
  })

  it('an existing file is replaced, and ends with mode 0600 whatever it had', async () => {
    const file = fileIn('existing.md')
    writeFileSync(file, 'old', { mode: 0o644 })
    const r = await runCli(['check', ...reader(lab().fakes.closedPort), '--report', file])
    expect(r.code).toBe(1)
    expect(mode(file)).toBe(0o600)
    expect(readFileSync(file, 'utf8')).toMatch(/^# Klairr setup tests: BLOCKED/)
  })

  it.each([
    ['a directory', () => fileIn('')],
    [
      'a symbolic link',
      () => {
        const link = fileIn('link.md')
        symlinkSync(fileIn('elsewhere.md'), link)
        return link
      },
    ],
    ['a missing folder', () => join(folder, 'no', 'such', 'report.md')],
    ['an empty name', () => ''],
  ])('%s: one line, exit 2, before anything runs', async (_name, target) => {
    const r = await runCli(['check', ...reader(), '--report', target()], {
      env: { PGPASSWORD: LAB_PASSWORD },
    })
    expect(r.code).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toMatch(/^klairr-companion check: --report: /)
  })

  it('a write that fails after the run: the run is shown, then one line and exit 2, no file left behind', async () => {
    // /proc exists and is a folder, but nothing can be created in it.
    const r = await runCli(['check', ...reader(lab().fakes.closedPort), '--report', '/proc/klairr-report.md'])
    expect(r.code).toBe(2)
    expect(r.stdout).toContain('Verdict: BLOCKED')
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toMatch(
      /^klairr-companion check: the report was not written: cannot write \/proc\/klairr-report\.md: /,
    )
    expect(readdirSync(folder).filter((f) => f.endsWith('.tmp'))).toEqual([])
  })

  it('a folder of its own is untouched but for the report (no temporary file left)', async () => {
    const own = join(folder, 'own')
    mkdirSync(own)
    await runCli(['check', ...reader(lab().fakes.closedPort), '--report', join(own, 'r.json')])
    expect(readdirSync(own)).toEqual(['r.json'])
  })
})
