/**
 * Relations and functions that hold secrets or the server's configuration files, refused by name
 * whatever the schema or quoting (a quoted "PG_AUTHID" names no real relation, and is refused all the
 * same): password hashes, user mappings (their options hold remote passwords), statistics samples
 * (values the role may have no privilege on), subscriptions (their conninfo holds passwords), large
 * objects, and pg_hba.conf, pg_ident.conf, postgresql.conf and pg_config.
 */
const RELATIONS = new Set([
  'pg_authid',
  'pg_shadow',
  'pg_user_mapping',
  'pg_user_mappings',
  // information_schema's views of the same options
  'user_mapping_options',
  '_pg_user_mappings',
  'pg_statistic',
  'pg_statistic_ext_data',
  'pg_subscription',
  'pg_largeobject',
  'pg_hba_file_rules',
  'pg_ident_file_mappings',
  'pg_file_settings',
  'pg_config',
])

/** The set-returning functions behind those views, and the large-object readers. */
const FUNCTIONS = new Set([
  'pg_hba_file_rules',
  'pg_ident_file_mappings',
  'pg_show_all_file_settings',
  'pg_config',
  'loread',
  'lo_get',
  'lo_export',
  'lo_open',
])

const folded = (name: string) => name.toLowerCase()

export const isSensitiveRelation = (name: string): boolean => RELATIONS.has(folded(name))

export const isSensitiveFunction = (name: string): boolean => FUNCTIONS.has(folded(name))
