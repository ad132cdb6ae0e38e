import { accessSync, close, constants, fstat, open, read, stat, statSync, type Stats } from 'node:fs'
import { bounded, StepTimeoutError } from './time.js'

/** Certificates and keys are small: a system CA bundle is about 200 KiB. */
export const SMALL_FILE_MAX_BYTES = 1024 * 1024
export const SMALL_FILE_TIMEOUT_MS = 5000

/** A path that names no small regular file; the message is one line, for the admin. */
export class SmallFileError extends Error {
  override readonly name = 'SmallFileError'
  constructor(
    message: string,
    /** `missing` when nothing is there, so an optional default file can be skipped. */
    readonly kind: 'missing' | 'refused' | 'unreadable' | 'timeout',
  ) {
    super(message)
  }
}

// A FIFO opened without O_NONBLOCK blocks a libuv thread until a writer appears; four of them starve
// the pool. O_NONBLOCK makes that open return at once, and fstat then refuses it. (Windows has neither.)
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0)

/** `\\server\share` or `//server/share`: a network path, which would send this machine's credentials. */
export const isUncPath = (path: string) => /^(\\\\|\/\/)/.test(path)

function kindOf(s: Stats): string {
  if (s.isDirectory()) return 'a directory'
  if (s.isFIFO()) return 'a named pipe'
  if (s.isCharacterDevice() || s.isBlockDevice()) return 'a device'
  if (s.isSocket()) return 'a socket'
  return 'not a regular file'
}

function judge(s: Stats, path: string, what: string, maxBytes: number): void {
  if (!s.isFile()) throw new SmallFileError(`${what} ${path} is ${kindOf(s)}, not a file`, 'refused')
  if (s.size > maxBytes)
    throw new SmallFileError(
      `${what} ${path} is ${s.size} bytes, more than the ${maxBytes} a certificate file can be`,
      'refused',
    )
}

const call = <T>(fn: (done: (err: NodeJS.ErrnoException | null, value: T) => void) => void) =>
  new Promise<T>((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))))

async function readBounded(path: string, what: string, maxBytes: number): Promise<string> {
  // stat first: opening a device can have effects of its own (a tape rewinds, a terminal attaches).
  judge(await call<Stats>((done) => stat(path, done)), path, what, maxBytes)
  const fd = await call<number>((done) => open(path, OPEN_FLAGS, done))
  try {
    // Again on the open descriptor: the path may have been swapped since the stat.
    judge(await call<Stats>((done) => fstat(fd, done)), path, what, maxBytes)
    const buffer = Buffer.alloc(maxBytes + 1)
    let length = 0
    for (;;) {
      const n = await call<number>((done) => read(fd, buffer, length, buffer.length - length, null, done))
      if (n === 0) break
      length += n
      if (length > maxBytes)
        throw new SmallFileError(`${what} ${path} grew past ${maxBytes} bytes while it was read`, 'refused')
    }
    return buffer.subarray(0, length).toString('utf8')
  } finally {
    close(fd, () => undefined)
  }
}

/**
 * Reads a certificate-sized regular file, or fails in one line: a directory, a FIFO, a device, a file
 * over `maxBytes`, a UNC path, or a read that outlasts `timeoutMs` (a hung network mount) are refused.
 */
export async function readSmallFile(
  path: string,
  opts: { what: string; maxBytes?: number; timeoutMs?: number; signal?: AbortSignal },
): Promise<string> {
  const { what, maxBytes = SMALL_FILE_MAX_BYTES, timeoutMs = SMALL_FILE_TIMEOUT_MS } = opts
  if (isUncPath(path))
    throw new SmallFileError(
      `${what} ${path} is a network (UNC) path: copy the file to this machine`,
      'refused',
    )
  try {
    return await bounded(readBounded(path, what, maxBytes), {
      step: `reading ${what}`,
      timeoutMs,
      ...(opts.signal ? { signal: opts.signal } : {}),
    })
  } catch (e) {
    if (e instanceof SmallFileError) throw e
    if (e instanceof StepTimeoutError)
      throw new SmallFileError(`${what} ${path} could not be read within ${timeoutMs} ms`, 'timeout')
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw new SmallFileError(`${what} ${path} does not exist`, 'missing')
    if (code === 'EACCES' || code === 'EPERM')
      throw new SmallFileError(`${what} ${path} is not readable by this user`, 'unreadable')
    if (typeof code === 'string')
      throw new SmallFileError(`cannot read ${what} ${path}: ${code}`, 'unreadable')
    throw e
  }
}

/**
 * The same rules, checked up front without reading (the CLI's flag check, exit 2): stat does not block
 * on a FIFO. The read that follows is still bounded, as the file can change in between.
 */
export function checkSmallFileSync(path: string, what: string, maxBytes = SMALL_FILE_MAX_BYTES): void {
  if (isUncPath(path))
    throw new SmallFileError(
      `${what} ${path} is a network (UNC) path: copy the file to this machine`,
      'refused',
    )
  try {
    judge(statSync(path), path, what, maxBytes)
    accessSync(path, constants.R_OK)
  } catch (e) {
    if (e instanceof SmallFileError) throw e
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw new SmallFileError(`${what} ${path} does not exist`, 'missing')
    throw new SmallFileError(`${what} ${path} is not readable by this user`, 'unreadable')
  }
}
