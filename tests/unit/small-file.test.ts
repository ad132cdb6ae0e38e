import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadTrustAnchors, RootCertError } from '../../src-main/core/connection/tls-upgrade.js'
import { checkSmallFileSync, readSmallFile, SmallFileError } from '../../src-main/core/small-file.js'

// The paths an attacker (or a slip) can name as sslrootcert: each fails in one line, quickly, and none
// of them holds a libuv thread (four FIFOs used to exhaust the pool with reads that never end).
const dir = mkdtempSync(join(tmpdir(), 'klairr-small-file-'))
const fifo = join(dir, 'ca.fifo')
const big = join(dir, 'big.pem')
const good = join(dir, 'ca.pem')
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'
const BOUND_MS = 1000

beforeAll(() => {
  execFileSync('mkfifo', [fifo])
  for (let i = 0; i < 8; i++) execFileSync('mkfifo', [join(dir, `more-${i}.fifo`)])
  writeFileSync(big, Buffer.alloc(2 * 1024 * 1024, 'A'))
  writeFileSync(good, PEM)
  mkdirSync(join(dir, 'a-directory'))
})
afterAll(() => execFileSync('rm', ['-rf', dir]))

const hostile: [string, string, RegExp][] = [
  ['a FIFO', fifo, /is a named pipe, not a file$/],
  ['a directory', join(dir, 'a-directory'), /is a directory, not a file$/],
  ['/dev/zero', '/dev/zero', /is a device, not a file$/],
  ['a 2 MB file', big, /is 2097152 bytes, more than the 1048576 a certificate file can be$/],
  ['a missing file', join(dir, 'none.pem'), /does not exist$/],
  [
    'a UNC path',
    '\\\\fileserver\\share\\ca.pem',
    /is a network \(UNC\) path: copy the file to this machine$/,
  ],
  ['a UNC path, forward slashes', '//fileserver/share/ca.pem', /is a network \(UNC\) path/],
]

describe('readSmallFile: a certificate-sized regular file, or one clear line', () => {
  it.each(hostile)('%s: refused in one line, within the bound', async (_name, path, message) => {
    const started = performance.now()
    const error = await readSmallFile(path, { what: 'sslrootcert' }).catch((e: unknown) => e)
    expect(performance.now() - started).toBeLessThan(BOUND_MS)
    expect(error).toBeInstanceOf(SmallFileError)
    expect((error as Error).message).toMatch(message)
    expect((error as Error).message).not.toContain('\n')
  })

  it.each(hostile)('%s: the CLI’s up-front check refuses it the same way', (_name, path, message) => {
    expect(() => checkSmallFileSync(path, 'sslrootcert')).toThrow(message)
  })

  it('reads a real certificate file', async () => {
    expect(await readSmallFile(good, { what: 'sslrootcert' })).toBe(PEM)
  })

  it('many FIFOs at once leave the thread pool free for other reads', async () => {
    const fifos = Array.from({ length: 8 }, (_, i) => join(dir, `more-${i}.fifo`))
    const refused = await Promise.allSettled(fifos.map((p) => readSmallFile(p, { what: 'sslrootcert' })))
    expect(refused.every((r) => r.status === 'rejected')).toBe(true)
    const started = performance.now()
    await new Promise<void>((resolve, reject) =>
      import('node:fs').then((fs) => fs.readFile(good, (e) => (e ? reject(e) : resolve()))),
    )
    expect(performance.now() - started).toBeLessThan(BOUND_MS)
  })

  it('a read that outlasts its bound fails as a timeout, not a hang', async () => {
    // Stands for a hung network mount: the thread pool is busy with key derivations for longer than
    // the bound, so the read cannot even start in time. (A 0 ms bound raced the read, and sometimes lost.)
    const { pbkdf2 } = await import('node:crypto')
    const busy = Array.from(
      { length: 32 },
      () => new Promise((resolve) => pbkdf2('x', 'y', 200_000, 32, 'sha256', resolve)),
    )
    const started = performance.now()
    const error = await readSmallFile(good, { what: 'sslrootcert', timeoutMs: 50 }).catch((e: unknown) => e)
    expect(performance.now() - started).toBeLessThan(BOUND_MS)
    expect(error).toMatchObject({ kind: 'timeout', message: expect.stringMatching(/within 50 ms$/) })
    await Promise.all(busy)
  })
})

describe('loadTrustAnchors: sslrootcert through the same reader', () => {
  it.each(hostile)('%s: cert_root_unreadable’s error, one line', async (_name, path, message) => {
    const error = await loadTrustAnchors('verify-full', path).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RootCertError)
    expect((error as Error).message).toMatch(message)
  })

  it('PEM text and files are taken as given', async () => {
    expect(await loadTrustAnchors('verify-ca', PEM)).toEqual({ ca: PEM, trust: 'pem' })
    expect(await loadTrustAnchors('verify-ca', good)).toEqual({
      ca: readFileSync(good, 'utf8'),
      trust: 'file',
    })
  })
})
