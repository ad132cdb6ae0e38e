/** Quoting for SQL text shown to people: quoted only where PostgreSQL needs it, so scripts stay readable. */

const RESERVED = new Set(
  'all analyse analyze and any array as asc asymmetric authorization binary both case cast check collate collation column concurrently constraint create cross current_catalog current_date current_role current_schema current_time current_timestamp current_user default deferrable desc distinct do else end except false fetch for foreign freeze from full grant group having ilike in initially inner intersect into is isnull join lateral leading left like limit localtime localtimestamp natural not notnull null offset on only or order outer overlaps placing primary references returning right select session_user similar some symmetric system_user table tablesample then to trailing true union unique user using variadic verbose when where window with'.split(
    ' ',
  ),
)

export function quoteIdent(name: string): string {
  if (/^[a-z_][a-z0-9_$]*$/.test(name) && !RESERVED.has(name)) return name
  return `"${name.replace(/"/g, '""')}"`
}

export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`
}

/** A libpq keyword/value string for psql, values quoted where libpq needs it. Never given a password. */
export function conninfoString(parts: Record<string, string | number>): string {
  return Object.entries(parts)
    .map(([k, v]) => {
      const text = String(v)
      return /^[^\s'\\]+$/.test(text) && text !== ''
        ? `${k}=${text}`
        : `${k}='${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
    })
    .join(' ')
}
