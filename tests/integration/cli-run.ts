import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const CLI = fileURLToPath(new URL('../../bin/klairr-companion.cjs', import.meta.url))

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
  pid: number | undefined
}

/** Runs the built CLI as an admin would, with a clean environment unless told otherwise. */
export function runCli(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; stdin?: string; onSpawn?: (pid: number) => void } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, ...opts.env }
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (b) => (stdout += b))
    child.stderr.on('data', (b) => (stderr += b))
    child.once('error', reject)
    if (child.pid) opts.onSpawn?.(child.pid)
    child.stdin.end(opts.stdin ?? '')
    child.once('close', (code) => resolve({ code, stdout, stderr, pid: child.pid }))
  })
}
