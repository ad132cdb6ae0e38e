import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { RunChecksResponse } from '../../src-main/contract/index.js'
import { dispatch } from '../../src-main/handlers/dispatch.js'
import { LAB_PASSWORD } from '../lab/seed.js'
import { testHandlers } from '../support/test-handlers.js'
import { runCli } from './cli-run.js'
import { labArgs, labForm, portOf } from './helpers.js'

/**
 * One renderer for the report: `check --report` and the app's run answer give the same Markdown and the
 * same JSON for the same kind of run, leaving out only what differs between any two runs (timings, the
 * time) and two callers (the tool's name).
 */

const folder = mkdtempSync(join(tmpdir(), 'klairr-report-parity-'))
let n = 0

/** Every timing becomes N (`12 ms`, evidence lines `Connect ms: 12`), every time AT, the tool TOOL. */
const untimedMarkdown = (md: string) =>
  md
    .replace(/\d+ ms\b/g, 'N ms')
    .replace(/( ms: )\d+/g, '$1N')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g, 'AT')
    .replace(/klairr-companion\/[\w.-]+/g, 'TOOL')
const untimedJson = (json: string) =>
  JSON.parse(json, (key, v) => (/Ms$/.test(key) && typeof v === 'number' ? 0 : v)) as unknown

describe('the report is the same from the CLI and the app', () => {
  it.each([
    ['a healthy server', 'main', 'klairr_reader', 0],
    ['a server without TLS', 'noTls', 'klairr_reader', 1],
    ['a writable role', 'main', 'r_owner', 1],
  ] as const)('%s', async (_name, variant, username, exit) => {
    const port = portOf(18, variant)
    const file = join(folder, `run-${n++}.md`)
    const cli = await runCli(
      ['check', ...labArgs(port), '--username', username, '--sslmode', 'require', '--json', '--report', file],
      { env: { PGPASSWORD: LAB_PASSWORD } },
    )
    expect(cli.stderr).toBe('')
    expect(cli.code).toBe(exit)
    const run = await dispatch(testHandlers().handlers, 'runChecks', {
      jobId: `report-parity-${Date.now()}-${n}`,
      connection: labForm(18, { port: String(port), username }),
    })
    if (!run.ok) throw new Error(run.error.message)
    const { share } = run.value as RunChecksResponse
    expect(untimedMarkdown(readFileSync(file, 'utf8'))).toBe(untimedMarkdown(share.markdown))
    expect(untimedJson(cli.stdout)).toEqual(untimedJson(share.json))
    expect(share.markdown).not.toContain(LAB_PASSWORD)
    expect(share.json).not.toContain(LAB_PASSWORD)
  })
})
