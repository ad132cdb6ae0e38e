import type { AllowedFunction } from './allowed-functions.js'
import type { CallSites, Site } from './call-sites.js'
import {
  builtinFunction,
  CURATED_FUNCTIONS,
  curatedExtensionsOf,
  tablesampleAllowed,
  safeVolatileBuiltins,
  unsafeNonVolatileBuiltins,
} from './function-allowlist.js'
import { buildPrecheck, type Precheck } from './precheck.js'
import {
  isSensitiveFunction,
  isSensitiveRelation,
  isSettingReader,
  settingReadProblem,
} from './sensitive-catalogs.js'

export type Judgement =
  | { ok: true; precheck: Precheck | null }
  | {
      ok: false
      rule: 'function_not_allowed' | 'sensitive_catalog'
      message: string
      location: number | undefined
    }

/** Schemas whose functions are PostgreSQL's own. */
const BUILTIN_SCHEMAS = new Set(['pg_catalog', 'information_schema'])

const CURATED_EXTENSIONS = [...new Set(CURATED_FUNCTIONS.map(([extension]) => extension))]
const UNSAFE_BUILTINS = unsafeNonVolatileBuiltins()
const SAFE_VOLATILE_BUILTINS = safeVolatileBuiltins()

const shown = (parts: string[]) => parts.join('.')

const refuse = (
  site: Site,
  message: string,
  rule: 'function_not_allowed' | 'sensitive_catalog' = 'function_not_allowed',
): Judgement => ({ ok: false, rule, message, location: site.location })

const HOW_TO_ALLOW = 'allow it by name (--allow-function schema.name) if you trust it'

/**
 * A built-in's verdict. Built-in names are all lower case: a quoted "PG_SLEEP" or "Lower" names a
 * different (user's) function, so it is not a built-in.
 */
const builtin = (name: string) => (name === name.toLowerCase() ? builtinFunction(name) : undefined)

/**
 * Judges each place the query may run a function or read a relation, from the text: what the text
 * decides is refused or passed here; what it cannot decide (a name that reaches no built-in, which a
 * user's function could answer to) goes to the precheck, which the server's catalog settles.
 */
export function judgeCallSites(
  sites: CallSites,
  allow: readonly AllowedFunction[],
  nonAsciiNames = false,
): Judgement {
  const adminAllows = (schema: string | null, name: string) =>
    allow.some((f) => f.name === name && (schema === null || f.schema === schema))

  const unqualified = new Set<string>()
  const qualified: [string, string][] = []
  for (const site of sites.calls) {
    const name = site.parts[site.parts.length - 1] ?? ''
    const schema = site.parts.length > 1 ? site.parts[site.parts.length - 2]! : null
    if (isSensitiveFunction(name)) {
      return refuse(
        site,
        `${shown(site.parts)}() reads secrets or the server's configuration: not allowed`,
        'sensitive_catalog',
      )
    }
    if (isSettingReader(name)) {
      const problem = settingReadProblem(site.firstLiteral)
      if (problem) return refuse(site, `${problem}: not readable through Klairr`, 'sensitive_catalog')
    }
    const verdict = builtin(name)
    // The parser qualifies SQL syntax (`NORMALIZE(x)`, `x AT TIME ZONE y`) and legacy forms
    // (`json_object('{a,b}')`) with pg_catalog; a server older than the parser may read a plain call,
    // looked up through the search path. So a pg_catalog name is looked up unqualified too.
    if (schema === null || schema === 'pg_catalog') unqualified.add(name)
    if (schema !== null) qualified.push([schema, name])
    if (schema !== null && adminAllows(schema, name)) continue
    if (verdict && !verdict.allowed) {
      // Unqualified, PostgreSQL finds the built-in first (pg_catalog leads the search path).
      if (schema === null && adminAllows('pg_catalog', name)) continue
      return refuse(site, `${shown(site.parts)}() is not on the allow-list: it ${verdict.reason}`)
    }
    if (schema === null || BUILTIN_SCHEMAS.has(schema)) {
      if (verdict?.allowed) continue
      if (schema === null && (curatedExtensionsOf(name).length || adminAllows(null, name))) continue
    } else if (curatedExtensionsOf(name).length) continue
    return refuse(site, `${shown(site.parts)}() is not on the allow-list: ${HOW_TO_ALLOW}`)
  }

  for (const site of sites.fields) {
    const name = site.parts[0]!
    const verdict = builtin(name)
    const sensitive = isSensitiveFunction(name) || isSettingReader(name)
    if (sensitive || (verdict && !verdict.allowed && !adminAllows('pg_catalog', name))) {
      return refuse(
        site,
        `.${name} may run the function ${name}(), which is not on the allow-list (PostgreSQL reads x.${name} as ${name}(x))`,
        sensitive ? 'sensitive_catalog' : 'function_not_allowed',
      )
    }
    unqualified.add(name)
  }

  const operators = new Set<string>()
  for (const site of sites.operators) {
    const name = site.parts[site.parts.length - 1] ?? ''
    if (site.parts.length > 1 && site.parts[site.parts.length - 2] !== 'pg_catalog') {
      return refuse(
        site,
        `operator ${shown(site.parts)} is outside pg_catalog: its function is not on the allow-list`,
      )
    }
    if (name) operators.add(name)
  }

  for (const site of sites.tablesamples) {
    const name = site.parts[site.parts.length - 1] ?? ''
    const schema = site.parts.length > 1 ? site.parts[site.parts.length - 2] : 'pg_catalog'
    if (schema !== 'pg_catalog' || !tablesampleAllowed(name)) {
      return refuse(site, `TABLESAMPLE ${shown(site.parts)} is not an allowed sampling method`)
    }
    unqualified.add(name)
  }
  for (const name of sites.syntaxFunctions) unqualified.add(name)

  for (const site of sites.relations) {
    const name = site.parts[site.parts.length - 1] ?? ''
    if (isSensitiveRelation(name)) {
      return refuse(
        site,
        `${shown(site.parts)} holds secrets or the server's configuration: not readable through Klairr`,
        'sensitive_catalog',
      )
    }
  }

  const pair = (parts: string[]): [string, string] =>
    parts.length > 1 ? [parts[parts.length - 2]!, parts[parts.length - 1]!] : ['', parts[0] ?? '']
  const used = new Set([...unqualified, ...qualified.map(([, name]) => name)])
  return {
    ok: true,
    precheck: buildPrecheck({
      functions: [...unqualified],
      qualifiedFunctions: qualified,
      operators: [...operators],
      // A call no function answers is a cast to the type of that name (`abs('x'::text)` casts to a
      // domain called abs), and so may be a field: every such name is a type name too.
      types: dedupe([
        ...sites.types.filter((t) => t.parts[0] !== 'pg_catalog').map((t) => pair(t.parts)),
        ...[...unqualified].map((name): [string, string] => ['', name]),
        ...qualified,
      ]),
      relations: dedupe(sites.relations.map((r) => pair(r.parts))),
      curated: [...used].flatMap((name) => curatedExtensionsOf(name).map((ext) => [ext, name] as const)),
      curatedExtensions: CURATED_EXTENSIONS,
      admin: allow.map((f) => [f.schema, f.name]),
      unsafeBuiltins: UNSAFE_BUILTINS,
      safeVolatileBuiltins: SAFE_VOLATILE_BUILTINS,
      nonAsciiNames,
    }),
  }
}

function dedupe(pairs: [string, string][]): [string, string][] {
  const seen = new Set<string>()
  return pairs.filter((p) => {
    const key = JSON.stringify(p)
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}
