import { readAll } from './io.js'
import type { Readable, Writable } from 'node:stream'

/** Reads all of stdin as the password (`--password-stdin`), dropping one trailing newline as `docker login` does. */
export async function readPasswordFromStream(input: Readable): Promise<string> {
  return (await readAll(input)).replace(/\r?\n$/, '')
}

/** Prompts on the terminal without echo, like psql. Ctrl-C aborts with null. */
export function promptPassword(
  prompt: string,
  input: NodeJS.ReadStream,
  output: Writable,
): Promise<string | null> {
  return new Promise((resolve) => {
    output.write(prompt)
    const wasRaw = input.isRaw
    input.setRawMode(true)
    input.resume()
    let value = ''
    const done = (result: string | null) => {
      input.setRawMode(wasRaw)
      input.pause()
      input.off('data', onData)
      output.write('\n')
      resolve(result)
    }
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done(value)
        if (ch === '\u0003' || ch === '\u0004') return done(null)
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1)
        else value += ch
      }
    }
    input.on('data', onData)
  })
}
