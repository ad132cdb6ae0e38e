/**
 * Functions the allow-list refuses, by lower-cased name whatever the schema or quoting: everything that
 * can change state, sleep, signal or lock, read server files, or run SQL text. Fails closed: a quoted
 * "PG_SLEEP" names no real function, and is refused all the same.
 */

const EXACT = new Set([
  // session state and sequences
  'set_config',
  'setseed',
  'nextval',
  'setval',
  // signals and server control
  'pg_terminate_backend',
  'pg_cancel_backend',
  'pg_reload_conf',
  'pg_rotate_logfile',
  'pg_rotate_logfile_old',
  'pg_promote',
  'pg_log_backend_memory_contexts',
  'pg_import_system_collations',
  'pg_nextoid',
  'pg_prewarm',
  // server files
  'pg_read_file',
  'pg_read_file_old',
  'pg_read_binary_file',
  'pg_stat_file',
  // WAL, replication, backups
  'pg_switch_wal',
  'pg_switch_xlog',
  'pg_drop_replication_slot',
  'pg_backup_start',
  'pg_backup_stop',
  'pg_start_backup',
  'pg_stop_backup',
  'pg_export_snapshot',
  // transaction ids (assign one: a write in all but name)
  'pg_notify',
  // run SQL text
  'ts_stat',
  'ts_rewrite',
  'loread',
  'lowrite',
])

const PREFIXES = [
  'pg_sleep', // pg_sleep, pg_sleep_for, pg_sleep_until
  'pg_advisory_', // every advisory lock
  'pg_try_advisory_',
  'lo_', // large objects: lo_import, lo_export, lo_unlink, lo_open, …
  'dblink', // dblink, dblink_exec, dblink_connect, …
  'pg_ls_', // directory listings of the server
  'pg_file_', // adminpack: pg_file_write, pg_file_rename, …
  'pg_logical_', // pg_logical_emit_message, pg_logical_slot_get_changes, …
  'pg_create_', // slots, restore points
  'pg_replication_', // slot advance, origins
  'pg_copy_', // slot copies
  'pg_wal_replay_', // pause, resume
  'pg_stat_reset', // statistics resets, pg_stat_statements_reset too
  'pg_stat_statements_reset',
  'txid_current', // assigns a transaction id
  'pg_current_xact_id',
  'query_to_xml', // execute their argument as SQL
  'cursor_to_xml',
  'table_to_xml',
  'schema_to_xml',
  'database_to_xml',
  'binary_upgrade_',
  'pg_background_', // extension that runs SQL text in a worker
]

/** Schemas whose every function is refused (extensions that schedule or run SQL text). */
const DENIED_SCHEMAS = new Set(['cron', 'dblink'])

export function isDeniedFunction(nameParts: string[]): boolean {
  const parts = nameParts.map((p) => p.toLowerCase())
  const name = parts[parts.length - 1] ?? ''
  if (parts.length > 1 && DENIED_SCHEMAS.has(parts[parts.length - 2]!)) return true
  return EXACT.has(name) || PREFIXES.some((p) => name.startsWith(p))
}
