/**
 * The policy that decides which built-in functions (pg_catalog, information_schema) the guard allows.
 * Reviewed by hand; scripts/generate-function-catalog.ts applies it to the real catalogs of PostgreSQL 12–18
 * and commits the verdicts in builtin-functions.generated.ts (a unit test fails if the two disagree).
 *
 * Allowed means: cannot change state (session state included), sleep, lock, signal, read server files,
 * reveal secrets or run SQL text. Volatility is the starting point (immutable and stable functions are
 * allowed, volatile ones denied); the three lists below record the reviewed exceptions, each with its reason.
 * A name is allowed only when every overload in every major is: the verdict is per name because the guard
 * sees names, not resolved signatures.
 *
 * The majors that have each name are in the generated facts, so reasons do not repeat them.
 * Reasons must not contain an apostrophe or ` | ` (the generated file stores them in single quotes).
 */

/** Volatile functions that are pure reads all the same (every overload in every major was reviewed). */
export const SAFE_VOLATILE: Readonly<Record<string, string>> = {
  // Randomness and clocks: volatile only because each call differs.
  random: 'pseudo-random number; only setseed changes its state, and setseed is denied',
  random_normal: 'pseudo-random number',
  array_shuffle: 'shuffles its argument with the session random generator',
  array_sample: 'samples its argument with the session random generator',
  clock_timestamp: 'reads the clock',
  timeofday: 'reads the clock',
  timezone: 'AT TIME ZONE and AT LOCAL: the overloads on time with time zone read the current date',
  gen_random_uuid: 'random UUID',
  uuidv4: 'random UUID',
  uuidv7: 'time-ordered random UUID',
  // TABLESAMPLE methods: take internal, so only callable as a sampling method; see tablesampleAllowed.
  bernoulli: 'TABLESAMPLE BERNOULLI handler',
  system: 'TABLESAMPLE SYSTEM handler',
  // Session and transaction reads.
  currval: 'reads the value this session last drew from a sequence; draws nothing',
  lastval: 'reads the value this session last drew from any sequence; draws nothing',
  current_query: 'the text of the statement being run',
  pg_sequence_last_value: 'reads a sequence without advancing it',
  pg_xact_commit_timestamp: 'reads the commit timestamp of a transaction',
  pg_xact_commit_timestamp_origin: 'reads the commit timestamp and origin of a transaction',
  pg_last_committed_xact: 'reads the last committed transaction',
  pg_xact_status: 'reads the status of a transaction',
  txid_status: 'reads the status of a transaction',
  // Sizes: stat the relation files, read nothing in them.
  pg_database_size: 'size of a database (requires CONNECT on it)',
  pg_relation_size: 'size of one fork of a relation',
  pg_table_size: 'size of a table without indexes',
  pg_indexes_size: 'size of the indexes of a table',
  pg_total_relation_size: 'size of a table with indexes and TOAST',
  pg_tablespace_size: 'size of a tablespace (requires CREATE on it)',
  pg_partition_tree: 'lists the partitions of a table from the catalog',
  pg_partition_ancestors: 'lists the ancestors of a partition from the catalog',
  // Monitoring reads: statistics, locks, recovery state.
  pg_stat_get_xact_blocks_fetched: 'statistics counter of this transaction',
  pg_stat_get_xact_blocks_hit: 'statistics counter of this transaction',
  pg_stat_get_xact_function_calls: 'statistics counter of this transaction',
  pg_stat_get_xact_function_self_time: 'statistics counter of this transaction',
  pg_stat_get_xact_function_total_time: 'statistics counter of this transaction',
  pg_stat_get_xact_numscans: 'statistics counter of this transaction',
  pg_stat_get_xact_tuples_deleted: 'statistics counter of this transaction',
  pg_stat_get_xact_tuples_fetched: 'statistics counter of this transaction',
  pg_stat_get_xact_tuples_hot_updated: 'statistics counter of this transaction',
  pg_stat_get_xact_tuples_inserted: 'statistics counter of this transaction',
  pg_stat_get_xact_tuples_newpage_updated: 'statistics counter of this transaction',
  pg_stat_get_xact_tuples_returned: 'statistics counter of this transaction',
  pg_stat_get_xact_tuples_updated: 'statistics counter of this transaction',
  pg_stat_get_io: 'I/O statistics, the pg_stat_io view',
  pg_stat_get_backend_io: 'I/O statistics of one backend',
  pg_stat_get_backend_wal: 'WAL statistics of one backend',
  pg_stat_get_recovery_prefetch: 'recovery prefetch statistics',
  pg_stat_have_stats: 'whether statistics exist for an object',
  pg_lock_status: 'the pg_locks view: reads the lock table, takes no lock',
  pg_blocking_pids: 'reads which sessions block a given one',
  pg_safe_snapshot_blocking_pids: 'reads which sessions block a safe snapshot',
  pg_notification_queue_usage: 'reads the fill level of the NOTIFY queue',
  pg_is_in_recovery: 'whether the server is a standby',
  pg_is_in_backup: 'whether an exclusive backup is running',
  pg_is_wal_replay_paused: 'whether WAL replay is paused',
  pg_get_wal_replay_pause_state: 'reads the WAL replay pause state',
  pg_last_wal_receive_lsn: 'reads a WAL position (replication lag)',
  pg_last_wal_replay_lsn: 'reads a WAL position (replication lag)',
  pg_last_xact_replay_timestamp: 'reads the replay timestamp (replication lag)',
  pg_current_wal_lsn: 'reads the current WAL position',
  pg_current_wal_flush_lsn: 'reads the current WAL flush position',
  pg_current_wal_insert_lsn: 'reads the current WAL insert position',
  pg_jit_available: 'whether JIT is available',
  pg_get_wait_events: 'lists the wait event names',
}

/** Immutable or stable functions that are not safe all the same. */
export const UNSAFE_DESPITE_VOLATILITY: Readonly<Record<string, string>> = {
  // Read whole tables or schemas named in text or by OID, out of the sight of the guard.
  table_to_xml: 'reads a table named by OID, out of the sight of the guard',
  table_to_xml_and_xmlschema: 'reads a table named by OID, out of the sight of the guard',
  table_to_xmlschema: 'describes a table named by OID, out of the sight of the guard',
  schema_to_xml: 'reads every table of a schema named in text',
  schema_to_xml_and_xmlschema: 'reads every table of a schema named in text',
  schema_to_xmlschema: 'describes every table of a schema named in text',
  database_to_xml: 'reads every table of the database',
  database_to_xml_and_xmlschema: 'reads every table of the database',
  database_to_xmlschema: 'describes every table of the database',
  ts_rewrite: 'the (tsquery, text) overload runs the SQL text it is given',
  // Run the input functions (and a domain CHECK, which may call any function) of a type named in text or by OID.
  pg_input_is_valid: 'runs the input function and domain CHECK of a type named in text',
  pg_input_error_info: 'runs the input function and domain CHECK of a type named in text',
  array_in: 'runs the input function and domain CHECK of an element type chosen by OID',
  record_in: 'runs the input functions and domain CHECKs of a row type chosen by OID',
  domain_in: 'runs the CHECK constraints, which may call any function, of a domain chosen by OID',
  domain_recv: 'runs the CHECK constraints, which may call any function, of a domain chosen by OID',
  range_in: 'runs the input function of a range subtype chosen by OID',
  multirange_in: 'runs the input function of a range subtype chosen by OID',
  // Server configuration and files.
  pg_config: 'reveals the build configuration of the server (a sensitive catalog)',
  pg_tablespace_databases: 'lists a tablespace directory on the server file system',
  // Validators: check a function definition; no query needs them.
  fmgr_c_validator: 'language validator: loads a C library file named in pg_proc',
  fmgr_internal_validator: 'language validator, not a query function',
  fmgr_sql_validator: 'language validator, not a query function',
}

/** Denied whatever their volatility (some are volatile anyway: listed for the reason, and so that nobody adds them to SAFE_VOLATILE). */
export const ALWAYS_DENIED: Readonly<Record<string, string>> = {
  // Sleep, lock, signal.
  pg_sleep: 'sleeps',
  pg_sleep_for: 'sleeps',
  pg_sleep_until: 'sleeps',
  pg_terminate_backend: 'kills a session',
  pg_cancel_backend: 'cancels the query of a session',
  pg_reload_conf: 'signals the server to reload its configuration',
  pg_rotate_logfile: 'signals the logger',
  pg_rotate_logfile_old: 'signals the logger',
  pg_log_backend_memory_contexts: 'signals a session to write to the server log',
  pg_promote: 'promotes a standby',
  // Session state, sequences, notifications.
  set_config: 'changes a setting',
  setseed: 'changes the random seed of the session',
  nextval: 'advances a sequence (not undone by ROLLBACK)',
  setval: 'sets a sequence (not undone by ROLLBACK)',
  pg_notify: 'sends a notification',
  pg_stat_clear_snapshot: 'discards the statistics snapshot of the session',
  pg_stat_force_next_flush: 'changes when the session flushes its statistics',
  // Lasting changes that READ ONLY and ROLLBACK do not undo.
  brin_summarize_new_values: 'writes BRIN index pages',
  brin_summarize_range: 'writes BRIN index pages',
  brin_desummarize_range: 'writes BRIN index pages',
  gin_clean_pending_list: 'writes GIN index pages',
  pg_import_system_collations: 'creates collations',
  pg_export_snapshot: 'exports a snapshot for other sessions',
  pg_create_restore_point: 'writes a WAL record',
  pg_switch_wal: 'switches WAL files',
  pg_log_standby_snapshot: 'writes a WAL record',
  pg_start_backup: 'controls a backup',
  pg_stop_backup: 'controls a backup',
  pg_backup_start: 'controls a backup',
  pg_backup_stop: 'controls a backup',
  pg_wal_replay_pause: 'controls WAL replay',
  pg_wal_replay_resume: 'controls WAL replay',
  pg_create_physical_replication_slot: 'creates a replication slot',
  pg_create_logical_replication_slot: 'creates a replication slot',
  pg_copy_physical_replication_slot: 'creates a replication slot',
  pg_copy_logical_replication_slot: 'creates a replication slot',
  pg_drop_replication_slot: 'drops a replication slot',
  pg_replication_slot_advance: 'advances a replication slot',
  pg_sync_replication_slots: 'synchronizes replication slots',
  pg_extension_config_dump: 'changes pg_extension',
  pg_nextoid: 'assigns an OID',
  pg_restore_relation_stats: 'writes planner statistics',
  pg_restore_attribute_stats: 'writes planner statistics',
  pg_clear_relation_stats: 'writes planner statistics',
  pg_clear_attribute_stats: 'writes planner statistics',
  pg_stop_making_pinned_objects: 'changes how the server pins objects',
  // Transaction IDs: assigning one writes.
  txid_current: 'assigns a transaction ID (stable, yet it writes)',
  pg_current_xact_id: 'assigns a transaction ID (stable, yet it writes)',
  // Server files.
  pg_stat_file: 'reads a server file',
  pg_current_logfile: 'reads a server file',
  pg_hba_file_rules: 'reads pg_hba.conf (a sensitive catalog)',
  pg_ident_file_mappings: 'reads pg_ident.conf (a sensitive catalog)',
  pg_show_all_file_settings: 'reads the configuration files (a sensitive catalog)',
  pg_wal_summary_contents: 'reads WAL summary files',
  // SQL text and cursors.
  ts_stat: 'runs the SQL text it is given',
  query_to_xml: 'runs the SQL text it is given',
  query_to_xml_and_xmlschema: 'runs the SQL text it is given',
  query_to_xmlschema: 'runs the SQL text it is given',
  cursor_to_xml: 'fetches from a cursor of the session',
  cursor_to_xmlschema: 'reads a cursor of the session',
  // Large objects: read and write data outside any table the guard can see.
  loread: 'reads a large object',
  lowrite: 'writes a large object',
}

/** Families denied whatever their volatility, by name prefix. */
export const ALWAYS_DENIED_PREFIXES: readonly (readonly [prefix: string, reason: string])[] = [
  ['pg_advisory_', 'takes or releases an advisory lock'],
  ['pg_try_advisory_', 'takes an advisory lock'],
  ['pg_stat_reset', 'resets statistics'],
  ['pg_logical_', 'logical decoding: consumes a slot or writes WAL'],
  ['pg_replication_origin_', 'replication origin state'],
  ['pg_control_', 'reads pg_control, a server file'],
  ['pg_ls_', 'lists a server directory'],
  ['pg_read_', 'reads a server file'],
  ['lo_', 'large object: reads, writes or touches server files'],
  ['binary_upgrade_', 'pg_upgrade support: changes catalogs'],
]

export interface NameFacts {
  /** Volatilities over every overload in every major: i immutable, s stable, v volatile. */
  volatility: string
  /** Kinds over every overload in every major: f function, a aggregate, w window, p procedure. */
  kinds: string
  /** The majors that have the name: "12-18", or a comma list. */
  majors: string
}

/** Parses the facts part of a generated entry: `<volatilities> <kinds> <majors>`. */
export function factsOf(text: string): NameFacts {
  const [volatility = '', kinds = '', majors = ''] = text.split(' ')
  return { volatility, kinds, majors }
}

function own(table: Readonly<Record<string, string>>, name: string): string | undefined {
  return Object.hasOwn(table, name) ? table[name] : undefined
}

/** The verdict for one built-in name (lower case): `allowed`, or `denied: <reason>`. */
export function decideBuiltin(name: string, facts: NameFacts): string {
  const denied = own(ALWAYS_DENIED, name)
  if (denied) return `denied: ${denied}`
  for (const [prefix, reason] of ALWAYS_DENIED_PREFIXES)
    if (name.startsWith(prefix)) return `denied: ${reason}`
  if (facts.kinds.includes('p')) return 'denied: a procedure'
  const unsafe = own(UNSAFE_DESPITE_VOLATILITY, name)
  if (unsafe) return `denied: ${unsafe}`
  if (facts.volatility.includes('v') && !own(SAFE_VOLATILE, name))
    return 'denied: volatile, and not reviewed as a pure read'
  return 'allowed'
}
