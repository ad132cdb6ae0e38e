/**
 * Exact redaction, proved against the lab: with a password that is a common word (`an`, `password`),
 * one character (`x`) or the role's own name, no output, JSON or file holds the password, no word is
 * mangled, and the auth check warns weak_password where it should.
 *
 * A short password is in any English text (`an` in "an earlier check"), so "the output does not contain
 * it" cannot be the test. Each run is compared with the same run under a long random password instead:
 * the password, as a whole token, appears exactly as often in both, so none of its occurrences came
 * from the password; and `[redacted]` appears in neither, so the sweep cut nothing out of a word.
 */
import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runAuth } from '../../src-main/core/checks/auth.js'
import type { RunContext } from '../../src-main/core/checks/context.js'
import { runNetwork } from '../../src-main/core/checks/network.js'
import { runTls } from '../../src-main/core/checks/tls.js'
import type { CheckReport } from '../../src-main/core/checks/types.js'
import { closeSession, destroyClient } from '../../src-main/core/connection/pg-session.js'
import { resolveSettingsOrThrow } from '../../src-main/core/connection/resolve-settings.js'
import { DEFAULT_TIMEOUTS } from '../../src-main/core/connection/settings.js'
import { bindingOf, openSecret } from '../../src-main/core/export/seal.js'
import { REDACTED } from '../../src-main/core/redact.js'
import { quoteIdent, quoteLiteral } from '../../src-main/core/sql-ident.js'
import type { RunChecksResponse } from '../../src-main/contract/index.js'
import { VAULT_SERVICE } from '../../src-main/handlers/create-handlers.js'
import { dispatch } from '../../src-main/handlers/dispatch.js'
import { testHandlers } from '../support/test-handlers.js'
import { startFakePg } from '../lab/fake-pg.js'
import { guideGrants, LAB_DATABASE, LAB_PASSWORD } from '../lab/seed.js'
import { runCli } from './cli-run.js'
import { check, lab, labArgs, labForm, labSettings, portOf, statusLine } from './helpers.js'
import { asSuperuser } from './superuser.js'

const MAJOR = 18
/** A role whose name is a common word, for the password that equals it. */
const ROLE = 'reader'
const STRONG = LAB_PASSWORD

const setPassword = (password: string) =>
  asSuperuser(MAJOR, 'postgres', (c) =>
    c.query(`ALTER ROLE ${quoteIdent(ROLE)} PASSWORD ${quoteLiteral(password)}`),
  )

beforeAll(async () => {
  await asSuperuser(MAJOR, 'postgres', (c) => c.query(`CREATE ROLE ${quoteIdent(ROLE)} LOGIN`))
  await asSuperuser(MAJOR, LAB_DATABASE, (c) => c.query(guideGrants(ROLE)))
})

afterAll(async () => {
  await asSuperuser(MAJOR, LAB_DATABASE, (c) => c.query(`DROP OWNED BY ${quoteIdent(ROLE)}`))
  await asSuperuser(MAJOR, 'postgres', (c) => c.query(`DROP ROLE ${quoteIdent(ROLE)}`))
})

/** Occurrences of `word` not run on from letters, digits or `_`: how a reader would find it. */
function tokens(text: string, word: string): number {
  const body = word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  return text.match(new RegExp(`(?<![\\p{L}\\p{N}_])${body}(?![\\p{L}\\p{N}_])`, 'gu'))?.length ?? 0
}

/** The passwords of the issue, with what the auth check must say about each. */
const WEAK: [string, 'shorter_than_8' | 'equals_role_name' | null][] = [
  ['an', 'shorter_than_8'],
  ['x', 'shorter_than_8'],
  ['password', null],
  [ROLE, 'equals_role_name'],
]

const SENTENCE = {
  shorter_than_8: 'The password is shorter than 8 characters.',
  equals_role_name: 'The password equals the role name.',
} as const

describe('the setup tests with weak passwords (PostgreSQL 18, SCRAM)', () => {
  let baseline: CheckReport
  beforeAll(async () => {
    await setPassword(STRONG)
    baseline = await check(labSettings(MAJOR, 'main', { username: ROLE, password: STRONG }))
    expect(statusLine(baseline)).toBe('PPPPPP')
  })

  it.each(WEAK)('password %j (weakness: %s): only the auth check changes', async (password, weakness) => {
    await setPassword(password)
    const report = await check(labSettings(MAJOR, 'main', { username: ROLE, password }))
    const auth = report.checks.find((c) => c.id === 'auth')!
    const before = baseline.checks.find((c) => c.id === 'auth')!
    if (weakness) {
      expect(statusLine(report)).toBe('PPWPPP')
      expect(report.verdict).toBe('ready_with_warnings')
      expect(auth).toMatchObject({ status: 'warn', reason: 'weak_password', troubleshooting: null })
      expect(auth.evidence).toEqual({ ...before.evidence, weakPassword: weakness })
      expect(auth.summary).toBe(`${before.summary} ${SENTENCE[weakness]}`)
    } else {
      expect(statusLine(report)).toBe('PPPPPP')
      expect(auth.summary).toBe(before.summary)
      expect(auth.evidence).toEqual(before.evidence)
    }
    const text = JSON.stringify(report)
    expect(text).not.toContain(REDACTED)
    expect(tokens(text, password)).toBe(tokens(JSON.stringify(baseline), password))
    // The role name is where a role name belongs.
    expect(auth.summary).toContain(`Logged in as ${ROLE} to ${LAB_DATABASE}`)
  })

  it('a password equal to the role name but for case is weak too', async () => {
    await setPassword(ROLE.toUpperCase())
    const report = await check(labSettings(MAJOR, 'main', { username: ROLE, password: ROLE.toUpperCase() }))
    expect(report.checks[2]).toMatchObject({
      reason: 'weak_password',
      evidence: { weakPassword: 'equals_role_name' },
    })
    expect(JSON.stringify(report)).not.toContain(ROLE.toUpperCase())
  })

  it('a wrong short or word-like password fails as password_invalid, the server’s words whole', async () => {
    for (const password of ['an', 'x', 'password']) {
      const report = await check(labSettings(MAJOR, 'main', { username: 'klairr_reader', password }))
      const auth = report.checks[2]!
      expect(auth.reason).toBe('password_invalid')
      expect(auth.summary).toContain('password authentication failed for user "klairr_reader"')
      expect(JSON.stringify(report)).not.toContain(REDACTED)
    }
  })
})

describe('no weak_password when no password was sent', () => {
  it('trust authentication (a fake server) logs in without asking: the one-character password is not judged', async () => {
    const fake = await startFakePg((s: Socket) => s.end())
    try {
      const settings = resolveSettingsOrThrow(
        {
          host: '127.0.0.1',
          port: fake.port,
          database: 'fake',
          username: 'fake',
          password: 'x',
          sslMode: 'prefer',
          privateNetwork: true,
        },
        {},
      )
      const ctx: RunContext = { settings, timeouts: DEFAULT_TIMEOUTS, now: () => performance.now() }
      const net = await runNetwork(ctx)
      const tls = await runTls(ctx, net.socket!, net.sslAnswer!)
      const auth = await runAuth(ctx, tls.socket, net.report.connectedAddress)
      expect(auth.session?.passwordSent).toBe(false)
      expect(auth.result).toMatchObject({ status: 'pass', reason: null })
      expect(auth.result.evidence).not.toHaveProperty('weakPassword')
      if (auth.session) destroyClient(auth.session.client)
    } finally {
      await fake.close()
    }
  })

  it('SCRAM asks for it: the session says it was sent', async () => {
    await setPassword(STRONG)
    const settings = labSettings(MAJOR, 'main', { username: ROLE, password: STRONG })
    const ctx: RunContext = { settings, timeouts: DEFAULT_TIMEOUTS, now: () => performance.now() }
    const net = await runNetwork(ctx)
    const tls = await runTls(ctx, net.socket!, net.sslAnswer!)
    const auth = await runAuth(ctx, tls.socket, net.report.connectedAddress)
    expect(auth.session?.passwordSent).toBe(true)
    await closeSession(auth.session!.client)
  })
})

/** Text a query returns that a short password would have cut into. */
const NOTE = 'did not answer; an earlier check; x; password'

/** Every command an admin runs with the password, as `klairr-companion` runs them; outputs and files. */
async function cliRuns(
  password: string,
): Promise<{ outputs: string[]; files: Map<string, string>; sealed: unknown }> {
  const dir = mkdtempSync(join(tmpdir(), 'klairr-leak-'))
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const pub = join(dir, 'klairr.pub.pem')
  writeFileSync(pub, pair.publicKey.export({ type: 'spki', format: 'pem' }))
  const conn = [...labArgs(portOf(MAJOR)), '--username', ROLE, '--password-stdin']
  const steps = [
    ['check', ...conn],
    ['check', ...conn, '--json'],
    ['export', ...conn, '--out', join(dir, 'plain.json')],
    ['export', ...conn, '--out', '-'],
    ['export', ...conn, '--out', join(dir, 'sealed.json'), '--seal-to', pub],
    ['import', join(dir, 'plain.json'), '--password-stdin'],
    ['query', ...conn, '--sql', `SELECT ${quoteLiteral(NOTE)} AS note`],
    ['query', ...conn, '--sql', `SELECT ${quoteLiteral(NOTE)} AS note`, '--json'],
    ['query', ...conn, '--sql', 'SELECT 1/0'],
    ['audit', ...conn],
    ['audit', ...conn, '--json'],
  ]
  const outputs: string[] = []
  for (const args of steps) {
    const r = await runCli(args, { stdin: password })
    // The work directory's random name is the one thing that differs between two runs.
    outputs.push(`${args[0]} exit ${r.code}\n${r.stdout}\n${r.stderr}`.split(dir).join('DIR'))
  }
  const files = new Map<string, string>()
  for (const name of readdirSync(dir))
    if (name.endsWith('.json')) files.set(name, readFileSync(join(dir, name), 'utf8'))
  const sealedDoc = JSON.parse(files.get('sealed.json') ?? '{}')
  const privateKey = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  const sealed = sealedDoc.secret ? openSecret(sealedDoc.secret, privateKey, bindingOf(sealedDoc)) : null
  // The sealed secret is random bytes: whatever it spells is chance, not the password.
  delete sealedDoc.secret
  files.set('sealed.json', JSON.stringify(sealedDoc, null, 2))
  return { outputs, files, sealed }
}

/** Export timestamps and durations differ between any two runs. */
const stable = (text: string) =>
  text
    .replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, 'AT')
    .replace(/"durationMs": \d+/g, '"durationMs": 0')
    .replace(/\d+ ms/g, 'N ms')

describe('the CLI with weak passwords: no output or file holds the password, no word is mangled', () => {
  let baseline: Awaited<ReturnType<typeof cliRuns>>
  beforeAll(async () => {
    await setPassword(STRONG)
    baseline = await cliRuns(STRONG)
    for (const text of [...baseline.outputs, ...baseline.files.values()]) expect(text).not.toContain(STRONG)
    expect(baseline.sealed).toEqual({ secret: STRONG, warning: null })
  }, 120_000)

  it.each(WEAK)('password %j', async (password, weakness) => {
    await setPassword(password)
    const run = await cliRuns(password)
    expect([...run.files.keys()].sort()).toEqual(['plain.json', 'sealed.json'])
    // Sealing is where the clear text goes: it opens to the password itself.
    expect(run.sealed).toEqual({ secret: password, warning: null })
    const pairs: [string, string, string][] = [
      ...run.outputs.map((out, i): [string, string, string] => [`output ${i}`, out, baseline.outputs[i]!]),
      ...[...run.files].map(([name, text]): [string, string, string] => [
        name,
        text,
        baseline.files.get(name)!,
      ]),
    ]
    for (const [what, text, before] of pairs) {
      expect(text, what).not.toContain(REDACTED)
      // The weak_password advice names the role (`\password reader`): where a role name belongs.
      const compared = stable(text).replace(/\n {2}auth: weak_password\n[^]*?(?=\n\n|$)/, '')
      expect(tokens(compared, password), `${what}: ${text}`).toBe(tokens(stable(before), password))
    }
    const [checkText, checkJson, , exportStdout] = run.outputs as [string, string, string, string]
    // The query's own text comes back whole.
    expect(run.outputs[6]).toContain(NOTE)
    expect(run.outputs[7]).toContain(NOTE)
    // The role name stays where a role name belongs.
    expect(checkText).toContain(`Klairr setup tests for ${ROLE}@127.0.0.1`)
    expect(run.files.get('plain.json')).toContain(`"username": "${ROLE}"`)
    if (weakness) {
      expect(checkText).toMatch(/WARN\s+auth/)
      expect(checkText).toContain('auth: weak_password')
      expect(checkText).toContain('Verdict: READY WITH WARNINGS')
      expect(
        JSON.parse(checkJson.slice(checkJson.indexOf('{'), checkJson.lastIndexOf('}') + 1)).checks[2],
      ).toMatchObject({
        reason: 'weak_password',
        evidence: { weakPassword: weakness },
      })
      expect(exportStdout).toContain('"reason": "weak_password"')
      expect(run.files.get('plain.json')).toContain(`"weakPassword": "${weakness}"`)
    } else {
      expect(run.outputs.join('\n')).not.toContain('weak_password')
    }
  })
})

/** A wrong password long enough to be swept: the baseline each weak wrong password is compared with. */
const WRONG = 'Wr0ng-but-long-enough-secret-17'

describe('the leak test’s failures (tests/integration/cli.test.ts), with wrong weak passwords', () => {
  const base = () => labArgs(portOf(MAJOR))
  const cases: [string, string, () => string[]][] = [
    ['a wrong password', 'klairr_reader', () => base()],
    ['a writable role', 'r_super', () => base()],
    ['a wrong user', 'nobody_here', () => base()],
    ['a pg_hba rejection', 'r_rejected', () => base()],
    [
      'a TLS failure',
      'klairr_reader',
      () => [
        ...labArgs(portOf(MAJOR, 'selfSigned')),
        '--sslmode',
        'verify-full',
        '--sslrootcert',
        lab().caCert,
      ],
    ],
    ['plaintext diagnosis', 'r_tls_only', () => [...base(), '--sslmode', 'disable']],
    ['a port that speaks HTTP', 'klairr_reader', () => labArgs(lab().fakes.httpPort)],
    ['a hung port', 'klairr_reader', () => [...labArgs(lab().fakes.hungPort), '--timeout-ms', '800']],
  ]
  it.each(cases)(
    '%s (role %s): as often as with a long wrong password, nothing cut',
    async (_name, role, args) => {
      for (const json of [false, true]) {
        const argv = ['check', ...args(), '--username', role, '--password-stdin', ...(json ? ['--json'] : [])]
        const out = async (password: string) => {
          const r = await runCli(argv, { stdin: password })
          return stable(`exit ${r.code}\n${r.stdout}\n${r.stderr}`)
        }
        const before = await out(WRONG)
        expect(before).not.toContain(WRONG)
        // The role's own name as its password is the last one: in the report, it is the role's name.
        for (const password of ['an', 'x', 'password', role]) {
          const text = await out(password)
          expect(text).not.toContain(REDACTED)
          expect(tokens(text, password), text).toBe(tokens(before, password))
        }
      }
    },
  )
})

describe('the app’s handlers with weak passwords: what the renderer receives and the record kept', () => {
  let jobs = 0
  /** A run, its events and its export, as the renderer and the record store see them; and what the vault holds. */
  async function appRun(password: string) {
    const t = testHandlers()
    const r = await dispatch(t.handlers, 'runChecks', {
      jobId: `leak-job-${Date.now()}-${jobs++}`,
      connection: labForm(MAJOR, { username: ROLE, password }),
    })
    if (!r.ok) throw new Error(r.error.message)
    const out = r.value as RunChecksResponse
    const exported = await dispatch(t.handlers, 'exportConnector', {
      runId: out.runId,
      name: 'Leak test',
      acknowledgeWritableRole: false,
      approvedCertificateSha256: out.report.tls!.chain[0]!.fingerprint256,
    })
    if (!exported.ok) throw new Error(exported.error.message)
    const value = exported.value as { document: string; record: { id: string } }
    const { runId: _runId, share, ...response } = out
    return {
      report: out.report,
      // The report to share, Markdown and JSON: searched on its own, as its advice is rendered anew.
      shared: stable(`${share.markdown}\n${share.json}`),
      // Ids and times differ between any two runs; durations too.
      text: stable(
        JSON.stringify([response, t.events.map(({ jobId: _j, ...e }) => e), value.document]),
      ).replace(/"(id|jobId|runId)":"[^"]*"/g, '"$1":"ID"'),
      stored: JSON.stringify(t.stored()),
      vaulted: await t.vault.getPassword(VAULT_SERVICE, value.record.id),
    }
  }

  let baseline: Awaited<ReturnType<typeof appRun>>
  beforeAll(async () => {
    await setPassword(STRONG)
    baseline = await appRun(STRONG)
    expect(baseline.text).not.toContain(STRONG)
    expect(baseline.shared).not.toContain(STRONG)
  })

  it.each(WEAK)('password %j', async (password, weakness) => {
    await setPassword(password)
    const run = await appRun(password)
    // The vault is where the clear text goes, and the record never holds it.
    expect(run.vaulted).toBe(password)
    expect(run.stored).not.toContain(REDACTED)
    expect(tokens(run.stored, password)).toBe(tokens(baseline.stored, password))
    expect(run.text).not.toContain(REDACTED)
    expect(run.shared).not.toContain(REDACTED)
    // The report's card for a weak password names the role where a role name belongs, as the advice does.
    const withoutAdvice = (md: string) =>
      md.replace(/\*\*What it means:\*\*[^]*?(?=\n<details>|\n### |\n---)/g, '')
    expect(tokens(withoutAdvice(run.shared), password)).toBe(tokens(withoutAdvice(baseline.shared), password))
    const auth = run.report.checks.find((c) => c.id === 'auth')!
    if (weakness) {
      expect(auth).toMatchObject({
        status: 'warn',
        reason: 'weak_password',
        evidence: { weakPassword: weakness },
      })
      // Its advice comes with it, for the troubleshooting card; it names the role where a role name belongs.
      const advice = JSON.stringify((auth as { advice?: unknown }).advice)
      expect(advice).toContain(ROLE)
      const compared = run.text.split(advice).join('')
      expect(tokens(compared, password)).toBe(tokens(baseline.text, password))
    } else {
      expect(auth).toMatchObject({ status: 'pass', reason: null })
      expect(tokens(run.text, password)).toBe(tokens(baseline.text, password))
    }
  })
})
