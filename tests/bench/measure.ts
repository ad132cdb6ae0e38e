import { spawn } from 'node:child_process'
import { closeSync, existsSync, openSync, readdirSync, readSync, realpathSync } from 'node:fs'
import { delimiter, join } from 'node:path'

export interface Sample {
  ms: number
  code: number | null
}

/** Runs a command to completion and returns its wall-clock time, as a user would see it. */
export function timeProcess(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  input?: string,
): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const start = performance.now()
    const child = spawn(cmd, args, {
      env,
      stdio: [input === undefined ? 'ignore' : 'pipe', 'ignore', 'ignore'],
    })
    if (input !== undefined) child.stdin?.end(input)
    child.once('error', reject)
    child.once('exit', (code) => resolve({ ms: performance.now() - start, code }))
  })
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!
}

/** Alternates the contenders run by run so drift in machine load hits both alike. */
export async function interleaved(
  runs: number,
  contenders: Record<string, () => Promise<Sample>>,
): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]))
  for (let i = 0; i < runs; i++) {
    for (const [name, run] of Object.entries(contenders)) {
      const s = await run()
      if (s.code !== 0 && s.code !== 1) throw new Error(`${name} exited with ${s.code}`)
      out[name]!.push(s.ms)
    }
  }
  return out
}

/** Runs a command once, returning its output, wall time and peak RSS (GNU time's %M). */
export function runOnce(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ ms: number; stdout: string; stderr: string; maxRssKb: number }> {
  return new Promise((resolve, reject) => {
    const start = performance.now()
    const child = spawn('/usr/bin/time', ['-f', '__MAXRSS__%M', cmd, ...args], { env })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (b) => (stdout += b))
    child.stderr.on('data', (b) => (stderr += b))
    child.once('error', reject)
    child.once('close', () => {
      const maxRssKb = Number(/__MAXRSS__(\d+)/.exec(stderr)?.[1] ?? NaN)
      resolve({ ms: performance.now() - start, stdout, stderr, maxRssKb })
    })
  })
}

function isScript(file: string): boolean {
  const head = Buffer.alloc(2)
  const fd = openSync(file, 'r')
  try {
    readSync(fd, head, 0, 2, 0)
  } finally {
    closeSync(fd)
  }
  return head.toString('latin1') === '#!'
}

/**
 * The psql program itself. On Debian `psql` on the PATH is pg_wrapper, a Perl script that picks a
 * version and then runs the real binary: tens of milliseconds per run that are not psql's work, so a
 * baseline through it would flatter every whole-process ratio. `wrapper` is that script, if any.
 */
export function findPsql(): { binary: string; wrapper: string | null } {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    let found: string
    try {
      found = realpathSync(join(dir, 'psql'))
    } catch {
      continue
    }
    if (!isScript(found)) return { binary: found, wrapper: null }
    const root = '/usr/lib/postgresql'
    const versions = (existsSync(root) ? readdirSync(root, { withFileTypes: true }) : [])
      .map((d) => Number(d.name))
      .filter((v) => Number.isInteger(v) && existsSync(`${root}/${v}/bin/psql`))
      .sort((x, y) => y - x)
    // The wrapper is run by its own name (it reads argv[0]), not by the script's path.
    if (versions.length) return { binary: `${root}/${versions[0]}/bin/psql`, wrapper: join(dir, 'psql') }
    return { binary: found, wrapper: null }
  }
  return { binary: 'psql', wrapper: null }
}
