import { boundedQuery, escapeLiteral, type PgClient } from '../connection/pg-session.js'
import { rlsInForce, selectPolicyApplies, WRITE_PATHS_SQL } from '../checks/catalog-sql.js'
import { describeFinding, toFindings, type WriteFinding, type WritePathRow } from '../checks/write-paths.js'
import { fixFor } from '../diagnosis/advice.js'
import { quoteIdent } from '../sql-ident.js'
import { commentText } from './role-script.js'

export type VisibilityKind =
  | 'schema_not_found'
  | 'no_schema_usage'
  | 'no_select'
  | 'rls_hides_rows'
  | 'default_privileges_missing'
  | 'default_privileges_wrong_owner'

export interface AuditFinding {
  kind: WriteFinding['kind'] | VisibilityKind
  /** The object it applies to, as SQL names it. */
  object: string | null
  /** How the role came by it: a direct grant, PUBLIC, a chain of memberships, an attribute, ownership, or something missing. */
  cause: WriteFinding['cause'] | 'missing' | 'ownership'
  /** Roles from the audited role to the one holding the privilege. */
  via: string[]
  description: string
  /** The statement that fixes it, or null when none can (then `instead` says what to do). */
  fix: string | null
  instead: string | null
}

/** A fact worth knowing that is not a problem to fix: BYPASSRLS lets the role read more, never write. */
export interface AuditNote {
  kind: 'bypass_rls'
  object: string
  description: string
}

export interface AuditReport {
  role: string
  schema: string
  findings: AuditFinding[]
  /** Read-side facts, explained; the fix script carries them as comments and changes nothing for them. */
  notes: AuditNote[]
  /** The smallest script that fixes every finding a statement can fix, for a superuser to run. */
  fixScript: string
}

interface VisibilityRow {
  bypass_rls: boolean
  schema_exists: boolean
  usage: boolean
  unreadable: string[] | null
  rls_hidden: string[] | null
  table_owners: string[] | null
  default_select_for: string[] | null
}

/**
 * What the role can see in the schema. A relation counts as readable with SELECT on it or on any of its
 * columns (Klairr reads the columns it may); partitions are read through their parent and not listed.
 */
function visibilitySql(schema: string): string {
  return `SELECT coalesce((SELECT rolbypassrls FROM pg_roles WHERE rolname = current_user), false) AS bypass_rls,
  n.oid IS NOT NULL AS schema_exists,
  coalesce(has_schema_privilege(n.oid, 'USAGE'), false) AS usage,
  (SELECT array_agg(format('%I.%I', n.nspname, c.relname) ORDER BY c.relname) FROM pg_class c
    WHERE c.relnamespace = n.oid AND c.relkind IN ('r', 'v', 'm', 'p', 'f') AND NOT c.relispartition
      AND NOT has_any_column_privilege(c.oid, 'SELECT')) AS unreadable,
  (SELECT array_agg(format('%I.%I', n.nspname, c.relname) ORDER BY c.relname) FROM pg_class c
    WHERE c.relnamespace = n.oid AND c.relkind IN ('r', 'p') AND NOT c.relispartition
      AND has_any_column_privilege(c.oid, 'SELECT')
      AND ${rlsInForce('c', 'coalesce((SELECT rolbypassrls OR rolsuper FROM pg_roles WHERE rolname = current_user), false)')}
      AND NOT ${selectPolicyApplies('c.oid')}) AS rls_hidden,
  (SELECT array_agg(DISTINCT pg_get_userbyid(c.relowner)::text) FROM pg_class c
    WHERE c.relnamespace = n.oid AND c.relkind IN ('r', 'p', 'v', 'm', 'f')) AS table_owners,
  (SELECT array_agg(DISTINCT pg_get_userbyid(d.defaclrole)::text) FROM pg_default_acl d CROSS JOIN LATERAL aclexplode(d.defaclacl) a
    WHERE d.defaclobjtype = 'r' AND d.defaclnamespace IN (n.oid, 0) AND a.privilege_type = 'SELECT'
      AND a.grantee IN (0, (SELECT oid FROM pg_roles WHERE rolname = current_user))) AS default_select_for
FROM (SELECT 1) AS one LEFT JOIN pg_namespace n ON n.nspname = ${escapeLiteral(schema)}`
}

const OWNERSHIP = new Set(['ownership', 'schema_ownership', 'database_ownership'])

/** Why a write finding cannot be fixed by a statement, in words; null when it can. */
function cannotFix(f: WriteFinding, role: string): string | null {
  if (OWNERSHIP.has(f.kind)) {
    return `${role} owns ${f.object}: an owner keeps every right and no REVOKE removes them. Make the application's own role the owner (ALTER … OWNER TO), or give Klairr a separate role that owns nothing.`
  }
  return null
}

/**
 * What makes the role writable or its tables invisible, each with its object and cause, and the smallest
 * fix. Runs as the role itself: it reads only catalogs every role may read.
 */
export async function auditRole(
  client: PgClient,
  schema: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<AuditReport> {
  const [vis, paths, who] = await boundedQuery(
    client,
    `${visibilitySql(schema)};\n${WRITE_PATHS_SQL};\nSELECT current_user AS role`,
    timeoutMs,
    signal,
  )
  const role = String(who?.rows[0]?.role ?? '')
  const v = vis?.rows[0] as VisibilityRow
  const r = quoteIdent(role)
  const s = quoteIdent(schema)
  const findings: AuditFinding[] = []
  const add = (f: Omit<AuditFinding, 'via' | 'instead'> & Partial<Pick<AuditFinding, 'via' | 'instead'>>) =>
    findings.push({ via: [], instead: null, ...f })

  if (!v.schema_exists) {
    add({
      kind: 'schema_not_found',
      object: s,
      cause: 'missing',
      description: `schema ${schema} does not exist`,
      fix: null,
      instead: 'Check the Schema field: no statement for this role can create what Klairr should read.',
    })
  } else {
    if (!v.usage)
      add({
        kind: 'no_schema_usage',
        object: s,
        cause: 'missing',
        description: `no USAGE on schema ${schema}: its tables are invisible`,
        fix: `GRANT USAGE ON SCHEMA ${s} TO ${r};`,
      })
    const unreadable = v.unreadable ?? []
    if (unreadable.length) {
      add({
        kind: 'no_select',
        object: s,
        cause: 'missing',
        description: `no SELECT on ${unreadable.length} relation${unreadable.length === 1 ? '' : 's'} in ${schema}: ${unreadable.slice(0, 5).join(', ')}${unreadable.length > 5 ? ', …' : ''}`,
        fix: `GRANT SELECT ON ALL TABLES IN SCHEMA ${s} TO ${r};`,
      })
    }
    const hidden = v.rls_hidden ?? []
    if (hidden.length) {
      // No automatic fix: which rows Klairr may see is the data owner's decision, not a grant to repair.
      add({
        kind: 'rls_hides_rows',
        object: s,
        cause: 'missing',
        description: `row-level security lets ${role} see no row of ${hidden.length} table${hidden.length === 1 ? '' : 's'} in ${schema}: ${hidden.slice(0, 5).join(', ')}${hidden.length > 5 ? ', …' : ''}`,
        fix: null,
        instead:
          'Add a permissive SELECT policy for the role on each (CREATE POLICY klairr_read ON <table> FOR SELECT TO <role> USING (…)), or give the role BYPASSRLS if it should see every row.',
      })
    }
    const covered = new Set(v.default_select_for ?? [])
    const owners = (v.table_owners ?? []).filter((o) => o !== role)
    const missing = owners.filter((o) => !covered.has(o))
    for (const owner of missing) {
      add({
        kind: 'default_privileges_missing',
        object: quoteIdent(owner),
        cause: 'missing',
        description: `tables ${owner} creates in ${schema} from now on will be invisible: no default privileges FOR ROLE ${owner}`,
        fix: `ALTER DEFAULT PRIVILEGES FOR ROLE ${quoteIdent(owner)} IN SCHEMA ${s} GRANT SELECT ON TABLES TO ${r};`,
      })
    }
    for (const wrong of [...covered].filter((o) => !owners.includes(o))) {
      if (missing.length === 0) continue
      add({
        kind: 'default_privileges_wrong_owner',
        object: quoteIdent(wrong),
        cause: 'missing',
        description: `default privileges are set FOR ROLE ${wrong}, who owns no table in ${schema}; the tables belong to ${missing.join(', ')}`,
        fix: null,
        instead:
          'Harmless, but they do not make future tables visible: the statements above, FOR ROLE the real owners, do.',
      })
    }
  }

  for (const f of toFindings((paths?.rows ?? []) as WritePathRow[])) {
    const instead = cannotFix(f, role)
    add({
      kind: f.kind,
      object: f.column ? `${f.object} (${f.column})` : f.object,
      cause: OWNERSHIP.has(f.kind) ? 'ownership' : f.cause,
      via: f.via,
      description: describeFinding(f),
      fix: instead ? null : fixFor(f, role),
      instead:
        instead ??
        (f.kind === 'attribute' && f.privilege === 'SUPERUSER'
          ? 'A superuser passes every permission check: remove the attribute, or better, give Klairr a separate role.'
          : null),
    })
  }
  const notes: AuditNote[] = v.bypass_rls
    ? [
        {
          kind: 'bypass_rls',
          object: r,
          description: `${role} has BYPASSRLS: it reads every row of the tables it may read, whatever their row-level security policies say. It grants no write. Keep it if Klairr should see all rows; otherwise ALTER ROLE ${r} NOBYPASSRLS and add SELECT policies for the role`,
        },
      ]
    : []
  return { role, schema, findings, notes, fixScript: fixScriptFor(role, findings, notes) }
}

function fixScriptFor(role: string, findings: AuditFinding[], notes: AuditNote[]): string {
  const statements = [...new Set(findings.map((f) => f.fix).filter((x): x is string => Boolean(x)))]
  const manual = findings.filter((f) => f.instead && !f.fix)
  const lines = [`-- Fix for ${commentText(role)}: run as a superuser, connected to the same database.`]
  if (!statements.length) lines.push('-- Nothing a statement can fix.')
  lines.push(...statements)
  for (const f of manual)
    lines.push(`-- Not fixable by a statement: ${commentText(f.description)}. ${f.instead}`)
  for (const n of notes) lines.push(`-- Note, nothing to fix: ${commentText(n.description)}.`)
  return lines.join('\n') + '\n'
}
