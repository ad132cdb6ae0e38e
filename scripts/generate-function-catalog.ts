/**
 * Regenerates src-main/core/sql/builtin-functions.generated.ts from the real catalogs of PostgreSQL 12–18.
 *
 *   npx tsx scripts/generate-function-catalog.ts            # initdb + start each major, read pg_proc
 *   npx tsx scripts/generate-function-catalog.ts --cached   # reapply the policy to the last run's facts
 *
 * For each major: initdb a throwaway cluster (as the unprivileged server user, through the lab's helpers),
 * start it, read every function of pg_catalog and information_schema, then CREATE EXTENSION each curated
 * candidate and list its member functions (pg_depend deptype 'e') for review. The policy applied is
 * src-main/core/sql/builtin-policy.ts; the curated extension lists are src-main/core/sql/extension-functions.ts.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as prettier from 'prettier'
import { giveToServer, initCluster, startServer, type PgMajor } from '../tests/lab/server.js'
import { decideBuiltin, factsOf, type NameFacts } from '../src-main/core/sql/builtin-policy.js'
import {
  EXTENSION_FUNCTIONS,
  INSTALLABLE_CURATED_EXTENSIONS,
} from '../src-main/core/sql/extension-functions.js'

const MAJORS: PgMajor[] = [12, 13, 14, 15, 16, 17, 18]
/** The curated extensions, and tablefunc, reviewed and left out. */
const EXTENSIONS = [...INSTALLABLE_CURATED_EXTENSIONS, 'tablefunc']

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const OUT = join(root, 'src-main/core/sql/builtin-functions.generated.ts')
const CACHE = join(root, '.scratch/function-catalog-facts.json')

/** One row of pg_proc: [name, schema, identity signature, provolatile, prokind, proretset]. */
type ProcRow = [
  name: string,
  schema: string,
  signature: string,
  volatility: string,
  kind: string,
  retset: boolean,
]
interface Facts {
  builtins: Record<string, ProcRow[]>
  extensions: Record<string, Record<string, ProcRow[]>>
}

const PROC_COLUMNS = `p.proname AS name, n.nspname AS schema, p.oid::regprocedure::text AS sig,
  p.provolatile AS vol, p.prokind AS kind, p.proretset AS retset`

const BUILTINS_SQL = `SELECT ${PROC_COLUMNS}
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
  WHERE n.nspname IN ('pg_catalog', 'information_schema')
  ORDER BY 1, 3`

const MEMBERS_SQL = (ext: string): string => `SELECT ${PROC_COLUMNS}
  FROM pg_extension e
  JOIN pg_depend d ON d.refclassid = 'pg_extension'::regclass AND d.refobjid = e.oid AND d.deptype = 'e'
  JOIN pg_proc p ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
  JOIN pg_namespace n ON n.oid = p.pronamespace
  WHERE e.extname = '${ext.replace(/'/g, "''")}'
  ORDER BY 1, 3`

function toRows(rows: Record<string, unknown>[]): ProcRow[] {
  return rows.map((r) => [
    String(r.name),
    String(r.schema),
    String(r.sig),
    String(r.vol),
    String(r.kind),
    Boolean(r.retset),
  ])
}

async function collect(): Promise<Facts> {
  const facts: Facts = { builtins: {}, extensions: {} }
  const base = mkdtempSync(join(tmpdir(), 'klairr-fncat-'))
  giveToServer(base)
  try {
    for (const major of MAJORS) {
      const started = Date.now()
      const dataDir = join(base, `pg${major}`)
      const password = `gen-${major}-${Math.random().toString(36).slice(2)}`
      initCluster(major, dataDir, password)
      const server = await startServer(major, dataDir, password)
      try {
        // Every session-level name lookup is pinned, so signatures print the same on every major.
        const client = server.superClient()
        await client.connect()
        try {
          await client.query('SET search_path = pg_catalog')
          facts.builtins[major] = toRows((await client.query(BUILTINS_SQL)).rows)
          const members: Record<string, ProcRow[]> = {}
          await client.query('CREATE SCHEMA ext')
          for (const ext of EXTENSIONS) {
            try {
              await client.query(`CREATE EXTENSION IF NOT EXISTS "${ext}" SCHEMA ext CASCADE`)
              members[ext] = toRows((await client.query(MEMBERS_SQL(ext))).rows)
            } catch (e) {
              console.log(`  pg${major}: extension ${ext} unavailable: ${(e as Error).message}`)
            }
          }
          facts.extensions[major] = members
        } finally {
          await client.end()
        }
      } finally {
        await server.stop()
      }
      console.log(
        `pg${major}: ${facts.builtins[major]!.length} built-in functions, ` +
          `${Object.keys(facts.extensions[major]!).length} extensions, ${Date.now() - started} ms`,
      )
    }
  } finally {
    rmSync(base, { recursive: true, force: true })
  }
  return facts
}

/** "12-18", or a list when a name skipped a major. */
function majorsText(majors: number[]): string {
  const sorted = [...new Set(majors)].sort((a, b) => a - b)
  const first = sorted[0]!
  const last = sorted[sorted.length - 1]!
  if (last - first + 1 === sorted.length) return first === last ? String(first) : `${first}-${last}`
  return sorted.join(',')
}

function order(chars: Iterable<string>, canonical: string): string {
  const set = new Set(chars)
  return [...canonical].filter((c) => set.has(c)).join('')
}

function quoteKey(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : `'${name}'`
}

function render(facts: Facts): { text: string; counts: { allowed: number; denied: number } } {
  const byName = new Map<string, { vol: Set<string>; kind: Set<string>; majors: number[] }>()
  for (const major of MAJORS) {
    for (const [name, , , vol, kind] of facts.builtins[major] ?? []) {
      const key = name.toLowerCase()
      let entry = byName.get(key)
      if (!entry) byName.set(key, (entry = { vol: new Set(), kind: new Set(), majors: [] }))
      entry.vol.add(vol)
      entry.kind.add(kind)
      entry.majors.push(major)
    }
  }
  const counts = { allowed: 0, denied: 0 }
  const lines: string[] = []
  for (const name of [...byName.keys()].sort()) {
    const e = byName.get(name)!
    const factText = `${order(e.vol, 'isv')} ${order(e.kind, 'fawp')} ${majorsText(e.majors)}`
    const facts: NameFacts = factsOf(factText)
    const verdict = decideBuiltin(name, facts)
    if (verdict.includes("'") || verdict.includes(' | '))
      throw new Error(`reason for ${name} must not hold ' or |`)
    if (verdict === 'allowed') counts.allowed++
    else counts.denied++
    lines.push(`  ${quoteKey(name)}: '${verdict} | ${factText}',`)
  }
  const members: string[] = []
  for (const ext of EXTENSIONS) {
    const names = new Set<string>()
    for (const major of MAJORS) for (const row of facts.extensions[major]?.[ext] ?? []) names.add(row[0])
    members.push(`  '${ext}': '${[...names].sort().join(' ')}',`)
  }
  const text = `// Generated by scripts/generate-function-catalog.ts (npm run generate:functions) from the pg_catalog and
// information_schema functions of PostgreSQL ${MAJORS.join(', ')}. Do not edit: change the policy in
// src-main/core/sql/builtin-policy.ts, then regenerate.

/**
 * Every built-in function name (lower case) → \`<verdict> | <facts>\`.
 * verdict: \`allowed\`, or \`denied: <reason>\`; a name is allowed only when every overload in every major is.
 * facts, over every overload in every major: volatilities (i immutable, s stable, v volatile), kinds
 * (f function, a aggregate, w window, p procedure), and the majors that have the name.
 */
export const BUILTIN_FUNCTIONS: Record<string, string> = {
${lines.join('\n')}
}

/** Member functions of the extensions the generator installs (pg_depend deptype 'e'), any major, for review. */
export const EXTENSION_MEMBERS: Record<string, string> = {
${members.join('\n')}
}
`
  return { text, counts }
}

function reviewExtensions(facts: Facts): string[] {
  const problems: string[] = []
  for (const ext of EXTENSIONS) {
    const rows = new Map<string, Set<string>>()
    const kinds = new Map<string, Set<string>>()
    for (const major of MAJORS)
      for (const [name, , sig, vol, kind] of facts.extensions[major]?.[ext] ?? []) {
        rows.set(name, (rows.get(name) ?? new Set()).add(`${sig} ${vol}${kind}`))
        kinds.set(name, (kinds.get(name) ?? new Set()).add(kind))
      }
    const curated = new Set((EXTENSION_FUNCTIONS[ext] ?? []).map((n) => n.toLowerCase()))
    const notCurated = [...rows.keys()].filter((n) => !curated.has(n)).sort()
    const missing = [...curated].filter((n) => !rows.has(n)).sort()
    console.log(
      `  ${ext}: ${rows.size} member names, ${curated.size} curated` +
        (notCurated.length ? `; not curated: ${notCurated.join(' ')}` : ''),
    )
    if (missing.length) problems.push(`${ext}: curated names that are no member of it: ${missing.join(' ')}`)
    const procedures = [...kinds.entries()].filter(([n, k]) => curated.has(n) && k.has('p'))
    if (procedures.length)
      problems.push(`${ext}: curated procedures: ${procedures.map(([n]) => n).join(' ')}`)
  }
  return problems
}

async function main(): Promise<void> {
  const started = Date.now()
  const cached = process.argv.includes('--cached')
  let facts: Facts
  if (cached) {
    if (!existsSync(CACHE)) throw new Error(`no ${CACHE}: run without --cached first`)
    facts = JSON.parse(readFileSync(CACHE, 'utf8')) as Facts
  } else {
    facts = await collect()
    mkdirSync(dirname(CACHE), { recursive: true })
    writeFileSync(CACHE, JSON.stringify(facts))
  }
  const { text, counts } = render(facts)
  // Formatted as the repository formats it, so a regeneration with unchanged facts and policy changes nothing.
  const options = (await prettier.resolveConfig(OUT)) ?? {}
  writeFileSync(OUT, await prettier.format(text, { ...options, filepath: OUT }))
  console.log('Extensions (members not curated are refused unless an admin allows them):')
  const problems = reviewExtensions(facts)
  const rows = MAJORS.map((m) => `pg${m} ${facts.builtins[m]?.length ?? 0}`).join(', ')
  console.log(`Built-in functions per major: ${rows}`)
  console.log(
    `Names: ${counts.allowed + counts.denied} (${counts.allowed} allowed, ${counts.denied} denied); ` +
      `wrote ${OUT.slice(root.length + 1)} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  )
  if (problems.length) {
    console.error(problems.join('\n'))
    process.exitCode = 1
  }
}

await main()
