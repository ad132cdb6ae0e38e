import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CLI } from '../integration/cli-run.js'

export interface ServeProcess {
  /** The printed URL, token included. */
  url: string
  origin: string
  port: number
  /** Where this server keeps saved connectors. */
  dataDir: string
  output: () => string
  stop(): Promise<number | null>
}

/** Starts the built `klairr-companion serve --port 0` as an admin would, and reads the URL it prints. */
export async function startServeProcess(extraArgs: string[] = []): Promise<ServeProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'klairr-serve-'))
  const child: ChildProcess = spawn(
    process.execPath,
    [CLI, 'serve', '--port', '0', '--data-dir', dataDir, ...extraArgs],
    {
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let out = ''
  child.stdout!.on('data', (b) => (out += b))
  child.stderr!.on('data', (b) => (out += b))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve printed no URL: ${out}`)), 15_000)
    const look = () => {
      const m = /http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]+/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve(m[0])
      }
    }
    child.stdout!.on('data', look)
    child.once('exit', () => reject(new Error(`serve exited: ${out}`)))
  })
  const parsed = new URL(url)
  return {
    url,
    origin: parsed.origin,
    port: Number(parsed.port),
    dataDir,
    output: () => out,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode)
        child.once('exit', (code) => resolve(code))
        child.kill('SIGINT')
      }),
  }
}
