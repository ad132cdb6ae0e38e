/**
 * Issue 13 ("start anywhere"): as root the lab runs PostgreSQL as an unprivileged user, who cannot
 * reach node_modules in a folder only root can read. These tests put the pg18 package behind such a
 * folder and prove that the staged copy is what that user can run, that it is safe (root's, writable by
 * nobody else), reused, and that two processes staging at once agree on one copy.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serverUser, type RunAs } from '../lab/os-user.js'
import { packageNative, stageNative, usableBy } from '../lab/pg-binaries.js'

const isRoot = process.getuid?.() === 0
const here = dirname(fileURLToPath(import.meta.url))
const repo = resolve(here, '..', '..')

/** Every path below `dir`, the folder itself included. */
function everything(dir: string): string[] {
  const out = [dir]
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (lstatSync(path).isDirectory()) out.push(...everything(path))
    else out.push(path)
  }
  return out
}

function runAs(user: RunAs, program: string, args: string[]): string {
  return execFileSync(program, args, { uid: user.uid, gid: user.gid, encoding: 'utf8', stdio: 'pipe' })
}

describe.skipIf(!isRoot)('PostgreSQL binaries staged out of a folder only root can read (as root)', () => {
  let user: RunAs
  let privateDir = ''
  let privateNative = ''
  let cacheBase = ''
  let cacheRoot = ''

  beforeAll(() => {
    user = serverUser()!
    // A clone in a mode-700 folder: its node_modules/pg18 (a link to the installed package, so no
    // 60 MB copy) is reached only through that folder.
    privateDir = mkdtempSync(join(tmpdir(), 'klairr-private-'))
    chmodSync(privateDir, 0o700)
    const installed = dirname(packageNative('pg18'))
    mkdirSync(join(privateDir, 'app', 'node_modules'), { recursive: true })
    symlinkSync(installed, join(privateDir, 'app', 'node_modules', 'pg18'))
    privateNative = join(privateDir, 'app', 'node_modules', 'pg18', 'native')
    // The cache's parent is root's and not writable by the server user, as /var/tmp/klairr-pg-0's is.
    cacheBase = mkdtempSync(join(existsSync('/var/tmp') ? '/var/tmp' : tmpdir(), 'klairr-stage-test-'))
    chmodSync(cacheBase, 0o755)
    cacheRoot = join(cacheBase, 'cache')
  })

  afterAll(() => {
    if (privateDir) rmSync(privateDir, { recursive: true, force: true })
    if (cacheBase) rmSync(cacheBase, { recursive: true, force: true })
  })

  it('the server user cannot run the binaries in place: the defect the staging answers', () => {
    expect(existsSync(join(privateNative, 'bin', 'postgres'))).toBe(true)
    expect(usableBy(privateNative, user)).toBe(false)
    expect(() => runAs(user, join(privateNative, 'bin', 'postgres'), ['--version'])).toThrow(/EACCES/)
  })

  it('stages a copy the server user runs: postgres --version, and initdb (libraries and share/ complete)', () => {
    const staged = stageNative(privateNative, cacheRoot)
    expect(staged.startsWith(cacheRoot + sep)).toBe(true)
    expect(usableBy(staged, user)).toBe(true)
    expect(runAs(user, join(staged, 'bin', 'postgres'), ['--version'])).toMatch(
      /^postgres \(PostgreSQL\) 18\./,
    )

    const data = mkdtempSync(join(cacheBase, 'data-'))
    execFileSync('chown', [`${user.uid}:${user.gid}`, data])
    runAs(user, join(staged, 'bin', 'initdb'), [
      '-D',
      join(data, 'pg'),
      '-U',
      'postgres',
      '-A',
      'trust',
      '--locale',
      'C',
      '--no-sync',
    ])
    expect(existsSync(join(data, 'pg', 'PG_VERSION'))).toBe(true)
    rmSync(data, { recursive: true, force: true })
  }, 30_000)

  it('the copy is root’s and writable by nobody else; its library links stay inside it', () => {
    const staged = stageNative(privateNative, cacheRoot)
    for (const path of [cacheRoot, ...everything(staged)]) {
      const st = lstatSync(path)
      expect({ path, uid: st.uid }).toEqual({ path, uid: 0 })
      if (!st.isSymbolicLink())
        expect({ path, groupOrOtherWrite: st.mode & 0o022 }).toEqual({ path, groupOrOtherWrite: 0 })
      else expect(realpathSync(path).startsWith(staged + sep)).toBe(true)
    }
    expect(readlinkSync(join(staged, 'lib', 'libpq.so'))).not.toMatch(/^\//)
  })

  it('reuses a complete copy, restages a thinned one, and refuses a cache anyone else could write', () => {
    const first = stageNative(privateNative, cacheRoot)
    // A file of our own in the copy tells reuse (it stays) from a fresh copy (it is gone).
    const sentinel = join(first, 'sentinel')
    writeFileSync(sentinel, '')
    expect(stageNative(privateNative, cacheRoot)).toBe(first)
    expect(existsSync(sentinel)).toBe(true)

    // A temp cleaner removed a file: the copy is set aside and staged afresh.
    rmSync(join(first, 'share', 'postgresql', 'postgres.bki'))
    expect(stageNative(privateNative, cacheRoot)).toBe(first)
    expect(existsSync(join(first, 'share', 'postgresql', 'postgres.bki'))).toBe(true)
    expect(existsSync(sentinel)).toBe(false)
    expect(readdirSync(cacheRoot)).toEqual([first.slice(cacheRoot.length + 1)])

    const open = join(cacheBase, 'open')
    mkdirSync(open)
    chmodSync(open, 0o777)
    expect(() => stageNative(privateNative, open)).toThrow(/writable only by it/)
  })

  it('two processes staging at once end with one complete copy and no leftovers', async () => {
    const race = join(cacheBase, 'race')
    const script = join(cacheBase, 'stage.ts')
    const module = join(repo, 'tests', 'lab', 'pg-binaries.ts')
    writeFileSync(
      script,
      `import { stageNative } from ${JSON.stringify(module)}\nprocess.stdout.write(stageNative(${JSON.stringify(privateNative)}, ${JSON.stringify(race)}))\n`,
    )
    const tsx = createRequire(import.meta.url).resolve('tsx/cli')
    const stage = () =>
      new Promise<string>((done, fail) => {
        const child = spawn(process.execPath, [tsx, script], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] })
        let out = ''
        let err = ''
        child.stdout.on('data', (b: Buffer) => (out += b.toString()))
        child.stderr.on('data', (b: Buffer) => (err += b.toString()))
        child.once('exit', (code) => (code === 0 ? done(out) : fail(new Error(err))))
      })
    const [a, b] = await Promise.all([stage(), stage()])
    expect(a).toBe(b)
    expect(readdirSync(race)).toEqual([a.slice(race.length + 1)])
    expect(usableBy(a, user)).toBe(true)
  }, 30_000)
})

describe('the demo when the lab cannot start', () => {
  it('says what to do in one line and exits non-zero, without a stack', () => {
    // No PATH: as root there is no `id`/`useradd` to find a server user, otherwise no openssl for the certificates.
    const tsx = createRequire(import.meta.url).resolve('tsx/cli')
    const run = spawnSync(process.execPath, [tsx, join(repo, 'tests', 'lab', 'demo.ts')], {
      cwd: repo,
      env: { HOME: tmpdir(), PATH: join(tmpdir(), 'klairr-no-such-bin') },
      encoding: 'utf8',
      timeout: 20_000,
    })
    expect(run.status).toBe(1)
    const lines = run.stderr.trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(
      isRoot
        ? /^demo: PostgreSQL refuses to run as root .*: create one/
        : /^demo: cannot make the lab's certificates with openssl \(is it installed\?\)/,
    )
    expect(run.stderr).not.toMatch(/\n\s+at /)
  }, 30_000)
})
