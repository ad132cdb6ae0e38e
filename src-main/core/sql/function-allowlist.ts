/**
 * The lookups the guard and the executor use to decide function calls: built-in functions by name (verdicts
 * generated from the real catalogs of PostgreSQL 12–18, see builtin-policy.ts), the curated read-only
 * functions of popular extensions (extension-functions.ts), and TABLESAMPLE methods.
 * Every lookup is O(1): the maps are built once, when the module loads.
 */
import { BUILTIN_FUNCTIONS } from './builtin-functions.generated.js'
import { EXTENSION_FUNCTIONS } from './extension-functions.js'

export type BuiltinVerdict = { allowed: true } | { allowed: false; reason: string }

const ALLOWED: BuiltinVerdict = Object.freeze({ allowed: true })

/** name → verdict; the facts after ` | ` are for review and the policy test only. */
const BUILTINS = new Map<string, BuiltinVerdict>()
/** Denied names with a stable or immutable overload (facts: `<volatilities> <kinds> <majors>`). */
const UNSAFE_NON_VOLATILE: string[] = []
/** Allowed names with a volatile overload (the policy's reviewed pure reads, such as random). */
const SAFE_VOLATILE: string[] = []
for (const [name, entry] of Object.entries(BUILTIN_FUNCTIONS)) {
  const bar = entry.indexOf(' | ')
  const verdict = bar < 0 ? entry : entry.slice(0, bar)
  const volatilities = entry.slice(bar + 3).split(' ')[0] ?? ''
  if (verdict !== 'allowed' && /[is]/.test(volatilities)) UNSAFE_NON_VOLATILE.push(name)
  if (verdict === 'allowed' && volatilities.includes('v')) SAFE_VOLATILE.push(name)
  BUILTINS.set(
    name,
    verdict === 'allowed'
      ? ALLOWED
      : Object.freeze({ allowed: false, reason: verdict.replace(/^denied: /, '') }),
  )
}

const CURATED = new Map<string, readonly string[]>()
const pairs: (readonly [extension: string, name: string])[] = []
for (const [extension, names] of Object.entries(EXTENSION_FUNCTIONS)) {
  for (const raw of names) {
    const name = raw.toLowerCase()
    const holders = CURATED.get(name)
    if (holders?.includes(extension)) continue
    CURATED.set(name, Object.freeze([...(holders ?? []), extension]))
    pairs.push(Object.freeze([extension, name] as const))
  }
}

const NONE: readonly string[] = Object.freeze([])

const TABLESAMPLE_METHODS = new Set(['system', 'bernoulli', 'system_rows', 'system_time'])

/**
 * The verdict for a built-in (pg_catalog or information_schema) function name in any of PostgreSQL 12–18; undefined when no built-in has that name. Name is compared lower-case.
 *
 * Caution for callers: PostgreSQL folds only unquoted names. A quoted `"Random"()` names a function
 * called `Random`, which is no built-in (every built-in a query can call is lower case), yet this lookup
 * answers for `random`. Pass the name as the parser gives it and treat one that is not all lower case as
 * no built-in.
 */
export function builtinFunction(name: string): BuiltinVerdict | undefined {
  return BUILTINS.get(name.toLowerCase())
}

/** Extensions whose curated read-only list holds this function name (lower-case compare). */
export function curatedExtensionsOf(name: string): readonly string[] {
  return CURATED.get(name.toLowerCase()) ?? NONE
}

/** Every curated (extension, function name) pair, for the executor's catalog check. */
export const CURATED_FUNCTIONS: readonly (readonly [extension: string, name: string])[] = Object.freeze(pairs)

/**
 * Built-in names that are denied although some overload is stable or immutable (the policy's exceptions,
 * such as table_to_xml or txid_current): volatility alone would pass them, so a check that trusts
 * non-volatile built-ins (the executor's catalog check, for the functions behind a user's type) must
 * refuse these by name. A fresh array on each call.
 */
export function unsafeNonVolatileBuiltins(): string[] {
  return [...UNSAFE_NON_VOLATILE]
}

/**
 * Built-in names that are allowed although some overload is volatile (random, clock_timestamp, …): a
 * check that refuses volatile built-ins by default must pass these. A fresh array on each call.
 */
export function safeVolatileBuiltins(): string[] {
  return [...SAFE_VOLATILE]
}

/** TABLESAMPLE methods allowed: system, bernoulli, system_rows, system_time. Exact compare: pass the name as the parser gives it (a quoted "SYSTEM" names another function). */
export function tablesampleAllowed(name: string): boolean {
  return TABLESAMPLE_METHODS.has(name)
}
