import { describe, expect, it } from 'vitest'
import { AUDIT, auditCommand } from '../../src-main/cli/audit-command.js'
import { CHECK, checkCommand } from '../../src-main/cli/check-command.js'
import { parseCommand, renderHelp, type CommandSpec } from '../../src-main/cli/command-spec.js'
import { EXPORT, exportCommand } from '../../src-main/cli/export-command.js'
import { GRANTS, grantsCommand } from '../../src-main/cli/grants-command.js'
import { IMPORT, importCommand } from '../../src-main/cli/import-command.js'
import type { Io } from '../../src-main/cli/io.js'
import { QUERY, queryCommand } from '../../src-main/cli/query-command.js'
import { SERVE, serveCommand } from '../../src-main/cli/serve-command.js'
import { VALIDATE_SQL, validateSqlCommand } from '../../src-main/cli/validate-sql-command.js'
import { fakeIo } from '../support/fake-io.js'

const COMMANDS: [CommandSpec, (io: Io) => Promise<number>][] = [
  [CHECK, checkCommand],
  [AUDIT, auditCommand],
  [QUERY, queryCommand],
  [VALIDATE_SQL, validateSqlCommand],
  [EXPORT, exportCommand],
  [IMPORT, importCommand],
  [GRANTS, grantsCommand],
  [SERVE, serveCommand],
]

describe.each(COMMANDS)('%o --help', (spec, command) => {
  const help = renderHelp(spec)

  it('is what the command prints for --help and -h, exit 0', async () => {
    for (const flag of ['--help', '-h']) {
      const { io, out } = fakeIo([flag])
      expect(await command(io)).toBe(0)
      expect(out).toEqual({ stdout: help, stderr: '' })
    }
  })

  it('documents every flag its parser takes, and the parser takes every flag it documents', () => {
    const documented = [...help.matchAll(/^ {2}(?:-\w, )?--([\w-]+)/gm)].map((m) => m[1])
    expect(documented).toEqual(spec.options.map((o) => o.flag))
    for (const o of spec.options) {
      const argv = o.type === 'string' ? [`--${o.flag}`, 'x'] : [`--${o.flag}`]
      expect(() => parseCommand(spec, argv)).not.toThrow()
    }
  })

  it('has a usage line, examples of the command itself, and the exit status', () => {
    expect(help).toMatch(new RegExp(`^Usage: klairr-companion ${spec.name} `))
    expect(spec.examples.length).toBeGreaterThan(0)
    for (const e of spec.examples) expect(e.command).toContain(`klairr-companion ${spec.name}`)
    expect(help).toMatch(/\nExamples:\n/)
    expect(help).toMatch(/\nExit status: /)
  })

  it('fits 80 columns, except an example command', () => {
    const commands = new Set(spec.examples.map((e) => `  ${e.command}`))
    for (const line of help.split('\n')) if (!commands.has(line)) expect(line.length).toBeLessThanOrEqual(80)
  })
})
