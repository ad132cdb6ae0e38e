import { randomBytes } from 'node:crypto'
import {
  closeSync,
  constants,
  fchmodSync,
  fsyncSync,
  lstatSync,
  openSync,
  renameSync,
  unlinkSync,
  writeSync,
  type Stats,
} from 'node:fs'
import { basename, dirname, join } from 'node:path'

/** Why a file was not written, in one line for the admin. */
export class PrivateFileError extends Error {
  override readonly name = 'PrivateFileError'
}

function existing(path: string): Stats | null {
  try {
    return lstatSync(path)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw e
  }
}

const reasonOf = (e: unknown) => {
  const err = e as NodeJS.ErrnoException
  if (err.code === 'EACCES' || err.code === 'EPERM') return 'permission denied'
  if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return 'its folder does not exist'
  if (err.code === 'ENOSPC') return 'the disk is full'
  if (err.code === 'EROFS') return 'the file system is read-only'
  return err.code ?? err.message
}

/**
 * Refuses, before any work, a path that cannot become an ordinary file of the admin's: a directory, a
 * symbolic link (its target would be a surprise), a pipe or a device, or a folder that does not exist.
 * An existing regular file is replaced.
 */
export function checkPrivateFileTarget(path: string): void {
  if (!path.trim()) throw new PrivateFileError('the file name is empty')
  const now = existing(path)
  if (now?.isDirectory()) throw new PrivateFileError(`${path} is a directory`)
  if (now?.isSymbolicLink()) throw new PrivateFileError(`${path} is a symbolic link: name the file itself`)
  if (now && !now.isFile()) throw new PrivateFileError(`${path} is not a regular file`)
  const folder = existing(dirname(path))
  if (!folder?.isDirectory()) throw new PrivateFileError(`the folder ${dirname(path)} does not exist`)
}

/**
 * Writes `text` to `path` with mode 0600: into a new file beside it (O_EXCL, so nothing there is reused or
 * followed), then renamed over `path` in one step, so a reader never sees half a file and a symbolic
 * link planted at `path` meanwhile is replaced, never followed. Fails with a PrivateFileError.
 */
export function writePrivateFile(path: string, text: string): void {
  checkPrivateFileTarget(path)
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`)
  let fd: number | null = null
  try {
    fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600)
    // The umask can only take bits away from 0600; fchmod makes it exactly 0600 whatever it is.
    if (process.platform !== 'win32') fchmodSync(fd, 0o600)
    const bytes = Buffer.from(text, 'utf8')
    for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done)
    fsyncSync(fd)
    closeSync(fd)
    fd = null
    // Checked again just before the rename: a directory put there since the first check stays.
    if (existing(path)?.isDirectory()) throw new PrivateFileError(`${path} is a directory`)
    renameSync(temp, path)
  } catch (e) {
    if (fd !== null) closeSync(fd)
    try {
      unlinkSync(temp)
    } catch {
      // Never created, or already renamed.
    }
    if (e instanceof PrivateFileError) throw e
    throw new PrivateFileError(`cannot write ${path}: ${reasonOf(e)}`)
  }
}
