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
