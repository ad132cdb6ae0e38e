import type { Readable } from 'node:stream'

/** What a command gets from the process: injected, so commands run the same in tests. */
export interface Io {
  argv: string[]
  env: NodeJS.ProcessEnv
  readonly stdin: NodeJS.ReadStream
  stdout: NodeJS.WriteStream
  stderr: NodeJS.WriteStream
}

/** All of a stream as UTF-8 text (SQL, NDJSON, a piped password). */
export async function readAll(input: Readable): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of input) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)))
  return Buffer.concat(chunks).toString('utf8')
}
