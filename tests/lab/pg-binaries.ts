/**
 * Where the lab's PostgreSQL binaries run from. As root the servers run as an unprivileged user
 * (os-user.ts), who may not be able to reach node_modules: a clone under /root, or in any folder only
 * root can read. Then each needed major's `native/` tree (bin, lib, share) is staged once into a cache
 * that user can read and execute: owned by root, mode 755, never writable by the server user, keyed by
 * package version and a hash of the tree's contents, built in a private temporary folder and renamed
 * into place, so concurrent processes (vitest workers, a demo beside the tests) never see half a copy.
 */
import { execFileSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import {
  chmodSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, isAbsolute, join, relative, sep } from 'node:path'
import { LabError } from './lab-error.js'
import { serverUser, type RunAs } from './os-user.js'

const require = createRequire(import.meta.url)
const COMPLETE = '.klairr-staged'
/** The parts of `native/` PostgreSQL needs: programs, their shared libraries (RUNPATH $ORIGIN/../lib), share/. */
const PARTS = ['bin', 'lib', 'share']

/** The package's own `native/` folder (bin, lib, share). */
export function packageNative(pkg: string): string {
  let entry: string
  try {
    // The package exports only dist/index.js; the binaries sit beside it in native/.
    entry = require.resolve(pkg)
  } catch {
    throw new LabError(`the PostgreSQL package ${pkg} is not installed: run npm install`)
  }
  const native = join(dirname(entry), '..', 'native')
  if (!existsSync(join(native, 'bin', 'postgres')))
    throw new LabError(`${native} holds no PostgreSQL binaries: run npm install again (Linux x64 only)`)
  return native
}

/** Whether `user` can run this tree's postgres and read its share/ (the test runs exactly as the servers will). */
export function usableBy(native: string, user: RunAs): boolean {
  try {
    execFileSync(
      '/bin/sh',
      [
        '-c',
        '"$1/bin/postgres" --version >/dev/null 2>&1 && test -r "$1/share/postgresql/postgres.bki"',
        'sh',
        native,
      ],
      { uid: user.uid, gid: user.gid, stdio: 'ignore', timeout: 10_000 },
    )
    return true
  } catch {
    return false
  }
}

/** Whether `user` can enter `dir` (and so reach what it gives them inside). */
export function reachableBy(dir: string, user: RunAs): boolean {
  try {
    execFileSync('/bin/sh', ['-c', 'cd "$1"', 'sh', dir], {
      uid: user.uid,
      gid: user.gid,
      stdio: 'ignore',
      timeout: 10_000,
    })
    return true
  } catch {
    return false
  }
}

interface Entry {
  rel: string
  kind: 'dir' | 'file' | 'link'
  exec: boolean
  target?: string
  size?: number
}

function walk(native: string): Entry[] {
  const out: Entry[] = []
  const visit = (rel: string) => {
    const abs = join(native, rel)
    const st = lstatSync(abs)
    if (st.isSymbolicLink()) {
      let target = readlinkSync(abs)
      // A link into the tree itself must stay inside the copy.
      if (isAbsolute(target) && (target + sep).startsWith(native + sep))
        target = relative(dirname(abs), target) || '.'
      out.push({ rel, kind: 'link', exec: false, target })
    } else if (st.isDirectory()) {
      if (rel) out.push({ rel, kind: 'dir', exec: true })
      for (const name of readdirSync(abs).sort()) visit(rel ? join(rel, name) : name)
    } else if (st.isFile()) {
      out.push({ rel, kind: 'file', exec: (st.mode & 0o111) !== 0, size: st.size })
    }
  }
  for (const part of PARTS) if (existsSync(join(native, part))) visit(part)
  return out
}

function treeHash(native: string, entries: Entry[]): string {
  const h = createHash('sha256')
  for (const e of entries) {
    h.update(`${e.kind}\0${e.rel}\0${e.exec ? 'x' : '-'}\0${e.target ?? ''}\0`)
    if (e.kind === 'file') h.update(readFileSync(join(native, e.rel)))
  }
  return h.digest('hex').slice(0, 16)
}

/** Rejects a cache folder anyone but us could have written to (its binaries will be run). */
function assertOurs(path: string, what: string): void {
  const st = lstatSync(path)
  const uid = process.getuid?.() ?? 0
  if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o022) !== 0)
    throw new LabError(
      `${what} ${path} is not a folder owned by uid ${uid} and writable only by it: remove it, or set KLAIRR_LAB_CACHE to another folder`,
    )
}

/** The cache's root: $KLAIRR_LAB_CACHE, else /var/tmp (or the temp folder) + klairr-pg-<uid>. */
export function defaultCacheRoot(): string {
  if (process.env.KLAIRR_LAB_CACHE) return process.env.KLAIRR_LAB_CACHE
  return join(existsSync('/var/tmp') ? '/var/tmp' : tmpdir(), `klairr-pg-${process.getuid?.() ?? 0}`)
}

function openCacheRoot(root: string): void {
  try {
    mkdirSync(root, { recursive: true, mode: 0o755 })
  } catch (e) {
    throw new LabError(
      `cannot create the PostgreSQL binary cache ${root} (${(e as NodeJS.ErrnoException).code}): set KLAIRR_LAB_CACHE to a folder you can write`,
    )
  }
  assertOurs(root, 'the PostgreSQL binary cache')
  // Our own folder, writable by nobody else: make sure the server user can enter it despite a strict umask.
  chmodSync(root, 0o755)
}

/** Whether a staged copy still holds every entry of the source, files at their sizes. */
function intact(staged: string, entries: Entry[]): boolean {
  if (!existsSync(join(staged, COMPLETE))) return false
  try {
    for (const e of entries) {
      const st = lstatSync(join(staged, e.rel))
      const ok =
        e.kind === 'dir'
          ? st.isDirectory()
          : e.kind === 'link'
            ? st.isSymbolicLink()
            : st.isFile() && st.size === e.size
      if (!ok) return false
    }
    return true
  } catch {
    return false
  }
}

/** Removes copies set aside, and staging folders a killed process left behind (older than ten minutes). */
function sweep(root: string): void {
  for (const name of readdirSync(root)) {
    if (!name.startsWith('.staging-')) continue
    const path = join(root, name)
    try {
      if (name.startsWith('.staging-stale-') || Date.now() - statSync(path).mtimeMs > 10 * 60_000)
        rmSync(path, { recursive: true, force: true })
    } catch {
      // another process swept it
    }
  }
}

/**
 * Copies `native` (bin, lib, share) into `cacheRoot` unless an identical copy is already there, and
 * returns the copy's path. The copy is root's, mode 755/644, readable and executable by everyone.
 */
export function stageNative(native: string, cacheRoot: string = defaultCacheRoot()): string {
  const pkg = JSON.parse(readFileSync(join(native, '..', 'package.json'), 'utf8')) as {
    name: string
    version: string
  }
  const entries = walk(native)
  const key = `${pkg.name.replace(/[^A-Za-z0-9.-]+/g, '_')}-${pkg.version}-${treeHash(native, entries)}`
  openCacheRoot(cacheRoot)
  const final = join(cacheRoot, key)
  if (existsSync(final)) {
    assertOurs(final, 'the staged PostgreSQL')
    if (intact(final, entries)) return final
    // Incomplete: made by hand, or thinned by a temp cleaner (systemd-tmpfiles ages /var/tmp). Set it
    // aside under a name the sweep removes, and stage afresh.
    try {
      renameSync(final, join(cacheRoot, `.staging-stale-${process.pid}-${randomBytes(4).toString('hex')}`))
    } catch {
      // another process set it aside first
    }
  }
  sweep(cacheRoot)
  const staging = join(cacheRoot, `.staging-${process.pid}-${randomBytes(4).toString('hex')}`)
  mkdirSync(staging, { mode: 0o700 })
  try {
    for (const e of entries) {
      const to = join(staging, e.rel)
      if (e.kind === 'dir') mkdirSync(to, { mode: 0o755 })
      else if (e.kind === 'link') symlinkSync(e.target!, to)
      else {
        copyFileSync(join(native, e.rel), to)
        chmodSync(to, e.exec ? 0o755 : 0o644)
      }
    }
    for (const e of entries) if (e.kind === 'dir') chmodSync(join(staging, e.rel), 0o755)
    writeFileSync(join(staging, COMPLETE), `${pkg.name}@${pkg.version} from ${native}\n`, { mode: 0o644 })
    chmodSync(staging, 0o755)
    try {
      renameSync(staging, final)
    } catch (e) {
      // Another process renamed its identical copy first: use that one.
      if (!existsSync(join(final, COMPLETE))) throw e
      rmSync(staging, { recursive: true, force: true })
    }
  } catch (e) {
    rmSync(staging, { recursive: true, force: true })
    throw e
  }
  return final
}

const chosen = new Map<string, string>()

/**
 * The `native/` folder the lab runs `pkg` from: the package itself when the servers run as the
 * current user or the server user can reach it, else a staged copy.
 */
export function nativeFor(pkg: string): string {
  const known = chosen.get(pkg)
  if (known) return known
  const native = packageNative(pkg)
  const user = serverUser()
  let use = native
  if (user && !usableBy(native, user)) {
    use = stageNative(native)
    if (!usableBy(use, user))
      throw new LabError(
        `user ${user.name} cannot run the PostgreSQL binaries staged in ${use}: set KLAIRR_LAB_CACHE to a folder ${user.name} can enter`,
      )
  }
  chosen.set(pkg, use)
  return use
}
