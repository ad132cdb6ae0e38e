import { describe, expect, it } from 'vitest'
import { grantsCommand } from '../../src-main/cli/grants-command.js'
import { fakeIo } from '../support/fake-io.js'

/** What a process cannot be given as an argument (a NUL), through the command itself. */
describe('klairr-companion grants: names the contract refuses', () => {
  it.each([
    ['--role', ['--role', 'a\0b', '--database', 'd']],
    ['--database', ['--role', 'r', '--database', 'd\0']],
    ['--schema', ['--role', 'r', '--database', 'd', '--schema', '\0']],
  ])('a NUL in %s: one line naming the flag, exit 2', async (flag, argv) => {
    const { io, out } = fakeIo(argv)
    expect(await grantsCommand(io)).toBe(2)
    expect(out.stdout).toBe('')
    expect(out.stderr).toBe(`klairr-companion grants: ${flag}: must not contain a NUL character\n`)
  })
})

describe('klairr-companion grants --managed', () => {
  it('prints the managed-cloud script, and its cleanup joins the role first', async () => {
    const managed = fakeIo(['--role', 'klairr_reader', '--database', 'analytics', '--managed'])
    expect(await grantsCommand(managed.io)).toBe(0)
    expect(managed.out.stdout).toMatch(/no statement here needs a superuser/)
    const cleanup = fakeIo(['--role', 'klairr_reader', '--database', 'analytics', '--managed', '--cleanup'])
    expect(await grantsCommand(cleanup.io)).toBe(0)
    expect(cleanup.out.stdout).toContain('GRANT klairr_reader TO CURRENT_USER;')
    const plain = fakeIo(['--role', 'klairr_reader', '--database', 'analytics'])
    expect(await grantsCommand(plain.io)).toBe(0)
    expect(plain.out.stdout).not.toMatch(/superuser statement|no statement here needs/)
  })
})
