// Runs Doyensec's electronegativity on the Electron sources (main and preload, TypeScript) and fails on
// any HIGH or CRITICAL finding. The Electron version is the installed one: no network lookups matter.
import { spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const require = createRequire(import.meta.url)
const electronVersion = require('electron/package.json').version
const bin = join(import.meta.dirname, '..', 'node_modules', '.bin', 'electronegativity')
const out = mkdtempSync(join(tmpdir(), 'electronegativity-'))
// Main and preload are scanned together: the global checks (navigation limits, permission handler, CSP)
// look for their answer anywhere in the app, and main holds it.
const sources = join(out, 'sources')
for (const dir of ['src-main', 'src-preload']) cpSync(dir, join(sources, dir), { recursive: true })
const csv = join(out, 'findings.csv')
const run = spawnSync(bin, ['-i', sources, '-r', '-e', electronVersion, '-v', 'false', '-o', csv], {
  encoding: 'utf8',
})
if (run.status !== 0) {
  process.stderr.write(run.stdout + run.stderr)
  process.exit(run.status ?? 1)
}
let high = 0
for (const row of readFileSync(csv, 'utf8').trim().split('\n').slice(1).filter(Boolean)) {
  const [issue, severity, confidence, file, location] = row.split(',').map((c) => c.replace(/^"|"$/g, ''))
  process.stdout.write(`${severity.padEnd(8)} ${confidence.padEnd(9)} ${issue} ${file}:${location}\n`)
  if (severity === 'HIGH' || severity === 'CRITICAL') high++
}
process.stdout.write(
  high
    ? `electronegativity: ${high} HIGH or CRITICAL finding(s)\n`
    : 'electronegativity: no HIGH or CRITICAL findings\n',
)
process.exit(high ? 1 : 0)
