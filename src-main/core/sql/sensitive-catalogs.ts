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
  // every setting, with the ones that hold passwords (primary_conninfo) and custom ones (app.jwt_secret)
  'pg_settings',
  // settings stored by ALTER DATABASE/ROLE … SET, which every role can read (custom secrets among them)
  'pg_db_role_setting',
  'pg_roles',
  'pg_user',
  // the text of every user's statements, passwords in ALTER ROLE … PASSWORD included
  'pg_stat_statements',
  'pg_stat_activity',
  'pg_stat_statements_info',
  // ALTER FUNCTION … SET stores settings, custom secrets among them, in pg_proc.proconfig
  'pg_proc',
])

/** The set-returning functions behind those views, and the large-object readers. */
const FUNCTIONS = new Set([
  'pg_hba_file_rules',
  'pg_ident_file_mappings',
  'pg_show_all_file_settings',
  'pg_config',
  'pg_show_all_settings',
  'pg_stat_statements',
  'pg_stat_get_activity',
  'pg_stat_get_backend_activity',
  'pg_get_functiondef',
  'loread',
  'lo_get',
  'lo_export',
  'lo_open',
])

const folded = (name: string) => name.toLowerCase()

export const isSensitiveRelation = (name: string): boolean => RELATIONS.has(folded(name))

/** The sensitive relations' names, for the precheck to find them behind a view. */
export const SENSITIVE_RELATIONS: readonly string[] = [...RELATIONS]

export const isSensitiveFunction = (name: string): boolean => FUNCTIONS.has(folded(name))

/** The sensitive functions' names, for the precheck to find them inside a view. */
export const SENSITIVE_FUNCTIONS: readonly string[] = [...FUNCTIONS]

/**
 * Settings that hold a password or a command line with one; a custom setting (a name with a dot, such
 * as `app.settings.jwt_secret`) is readable by every role and often holds a secret, so it counts too.
 */
const SECRET_SETTINGS = new Set([
  'primary_conninfo',
  'archive_command',
  'restore_command',
  'archive_cleanup_command',
  'recovery_end_command',
  'ssl_passphrase_command',
])

/**
 * `current_setting(name)` is allowed only for a name written as a literal that holds no secret: the
 * guard must read the name to judge it.
 */
export function settingReadProblem(name: string | null): string | null {
  if (name === null) return 'current_setting() with a name the guard cannot read (not a literal)'
  const folded = name.toLowerCase()
  if (SECRET_SETTINGS.has(folded)) return `the setting ${name} holds a password or a command`
  if (folded.includes('.')) return `the custom setting ${name} may hold a secret`
  return null
}

/** Functions whose first argument names what they read, judged by settingReadProblem. */
export const SETTING_READERS: readonly string[] = ['current_setting']

export const isSettingReader = (name: string): boolean => SETTING_READERS.includes(name)
