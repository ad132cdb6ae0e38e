import { Readable, Writable } from 'node:stream'
import type { Io } from '../../src-main/cli/io.js'

/** A command's process, in memory: argv, a piped stdin, and what it wrote. */
export function fakeIo(argv: string[], stdin = '') {
  const out = { stdout: '', stderr: '' }
  const sink = (key: 'stdout' | 'stderr') =>
    new Writable({
      write(chunk, _encoding, done) {
        out[key] += String(chunk)
        done()
      },
    }) as unknown as NodeJS.WriteStream
  const input = Readable.from(stdin ? [Buffer.from(stdin)] : []) as unknown as NodeJS.ReadStream
  const io: Io = { argv, env: {}, stdin: input, stdout: sink('stdout'), stderr: sink('stderr') }
  return { io, out }
}
