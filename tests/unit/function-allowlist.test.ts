import { describe, expect, it } from 'vitest'
import { BUILTIN_FUNCTIONS, EXTENSION_MEMBERS } from '../../src-main/core/sql/builtin-functions.generated.js'
import {
  ALWAYS_DENIED,
  ALWAYS_DENIED_PREFIXES,
  decideBuiltin,
  factsOf,
  SAFE_VOLATILE,
  UNSAFE_DESPITE_VOLATILITY,
} from '../../src-main/core/sql/builtin-policy.js'
import { EXTENSION_FUNCTIONS } from '../../src-main/core/sql/extension-functions.js'
import {
  builtinFunction,
  CURATED_FUNCTIONS,
  curatedExtensionsOf,
  tablesampleAllowed,
  unsafeNonVolatileBuiltins,
} from '../../src-main/core/sql/function-allowlist.js'

/** name → [verdict, facts] from the committed generated file. */
const entries = new Map(
  Object.entries(BUILTIN_FUNCTIONS).map(([name, entry]) => {
    const [verdict = '', facts = ''] = entry.split(' | ')
    return [name, { verdict, facts: factsOf(facts) }] as const
  }),
)

describe('the generated built-in catalog', () => {
  it('is what the policy gives for its facts (regenerate with npm run generate:functions after a policy change)', () => {
    const stale = [...entries].filter(([name, e]) => decideBuiltin(name, e.facts) !== e.verdict)
    expect(
      stale.map(([name, e]) => `${name}: committed "${e.verdict}", policy "${decideBuiltin(name, e.facts)}"`),
    ).toEqual([])
  })

  it('holds well-formed facts for every name of every major 12–18', () => {
    expect(entries.size).toBeGreaterThan(2500)
    for (const [name, { verdict, facts }] of entries) {
      expect(name, name).toMatch(/^[a-z_][a-z0-9_]*$/)
      expect(verdict, name).toMatch(/^(allowed|denied: [^'|]+)$/)
      expect(facts.volatility, name).toMatch(/^i?s?v?$/)
      expect(facts.volatility, name).not.toBe('')
      expect(facts.kinds, name).toMatch(/^f?a?w?p?$/)
      expect(facts.majors, name).toMatch(/^1[2-8](-1[2-8]|(,1[2-8])*)$/)
    }
    expect(entries.get('count')?.facts.majors).toBe('12-18')
  })

  it('keeps the reviewed lists honest against the real catalog', () => {
    const has = (name: string) => entries.has(name)
    for (const name of Object.keys(SAFE_VOLATILE)) {
      expect(has(name), `SAFE_VOLATILE ${name} is no built-in`).toBe(true)
      expect(entries.get(name)!.facts.volatility, `SAFE_VOLATILE ${name} is not volatile`).toContain('v')
    }
    for (const name of Object.keys(UNSAFE_DESPITE_VOLATILITY)) {
      expect(has(name), `UNSAFE ${name} is no built-in`).toBe(true)
      expect(
        entries.get(name)!.facts.volatility,
        `UNSAFE ${name} has no stable or immutable overload`,
      ).toMatch(/[is]/)
    }
    for (const name of Object.keys(ALWAYS_DENIED))
      expect(has(name), `ALWAYS_DENIED ${name} is no built-in`).toBe(true)
    for (const [prefix] of ALWAYS_DENIED_PREFIXES)
      expect(
        [...entries.keys()].some((n) => n.startsWith(prefix)),
        `prefix ${prefix} matches nothing`,
      ).toBe(true)
    const lists = [SAFE_VOLATILE, UNSAFE_DESPITE_VOLATILITY, ALWAYS_DENIED].map((l) => Object.keys(l))
    const all = lists.flat()
    expect(all.length, 'a name sits in two lists').toBe(new Set(all).size)
    for (const name of Object.keys(SAFE_VOLATILE))
      expect(
        ALWAYS_DENIED_PREFIXES.some(([p]) => name.startsWith(p)),
        `${name} is safe and denied by prefix`,
      ).toBe(false)
    for (const reason of [lists, ALWAYS_DENIED_PREFIXES.map(([, r]) => r)].flat(2))
      expect(reason).toBeTruthy()
  })
})

describe('builtinFunction', () => {
  const allowed = [
    // everyday volatile
    'random',
    'random_normal',
    'clock_timestamp',
    'timeofday',
    'gen_random_uuid',
    'uuidv4',
    'uuidv7',
    'currval',
    'lastval',
    'txid_current_if_assigned',
    'pg_current_xact_id_if_assigned',
    'pg_relation_size',
    'pg_total_relation_size',
    // stable and immutable
    'now',
    'lower',
    'upper',
    'length',
    'date_trunc',
    'to_char',
    'to_timestamp',
    'regexp_replace',
    'generate_series',
    'unnest',
    'jsonb_build_object',
    'jsonb_path_query',
    'current_setting',
    'format',
    'pg_typeof',
    'version',
    'pg_stat_get_activity',
    // aggregates and window functions
    'count',
    'sum',
    'avg',
    'min',
    'max',
    'jsonb_agg',
    'json_agg',
    'array_agg',
    'string_agg',
    'percentile_cont',
    'percentile_disc',
    'mode',
    'row_number',
    'rank',
    'dense_rank',
    'lag',
    'lead',
    'first_value',
    'ntile',
    // coalesce-like functions (COALESCE, NULLIF, GREATEST and LEAST are expressions, not functions)
    'num_nulls',
    'num_nonnulls',
    // what the parser emits as pg_catalog.x for SQL syntax
    'extract',
    'date_part',
    'timezone',
    'overlaps',
    'btrim',
    'ltrim',
    'rtrim',
    'position',
    'substring',
    'overlay',
    'like_escape',
    'similar_escape',
    'similar_to_escape',
    'normalize',
    'is_normalized',
    'pg_collation_for',
    'xmlexists',
    'system_user',
  ]
  it.each(allowed)('allows %s', (name) => {
    expect(builtinFunction(name)).toEqual({ allowed: true })
  })

  const denied = [
    'pg_sleep',
    'pg_sleep_for',
    'pg_sleep_until',
    'pg_advisory_lock',
    'pg_advisory_lock_shared',
    'pg_advisory_xact_lock',
    'pg_advisory_unlock',
    'pg_advisory_unlock_all',
    'pg_try_advisory_lock',
    'pg_try_advisory_xact_lock_shared',
    'pg_terminate_backend',
    'pg_cancel_backend',
    'set_config',
    'setseed',
    'nextval',
    'setval',
    'pg_notify',
    'brin_summarize_new_values',
    'brin_summarize_range',
    'brin_desummarize_range',
    'gin_clean_pending_list',
    'pg_stat_reset',
    'pg_stat_reset_shared',
    'pg_stat_reset_single_table_counters',
    'pg_stat_clear_snapshot',
    'pg_log_backend_memory_contexts',
    'pg_logical_emit_message',
    'pg_logical_slot_get_changes',
    'pg_logical_slot_peek_changes',
    'pg_create_physical_replication_slot',
    'pg_create_logical_replication_slot',
    'pg_drop_replication_slot',
    'pg_replication_slot_advance',
    'pg_replication_origin_create',
    'pg_replication_origin_session_setup',
    'pg_start_backup',
    'pg_stop_backup',
    'pg_backup_start',
    'pg_backup_stop',
    'pg_switch_wal',
    'pg_create_restore_point',
    'pg_wal_replay_pause',
    'pg_promote',
    'pg_reload_conf',
    'pg_rotate_logfile',
    'pg_export_snapshot',
    'pg_import_system_collations',
    'txid_current',
    'pg_current_xact_id',
    'pg_control_system',
    'pg_control_checkpoint',
    'pg_control_init',
    'pg_control_recovery',
    'binary_upgrade_set_next_pg_type_oid',
    'binary_upgrade_create_empty_extension',
    'query_to_xml',
    'query_to_xmlschema',
    'query_to_xml_and_xmlschema',
    'cursor_to_xml',
    'table_to_xml',
    'table_to_xml_and_xmlschema',
    'schema_to_xml',
    'database_to_xml',
    'ts_stat',
    'ts_rewrite',
    'pg_hba_file_rules',
    'pg_ident_file_mappings',
    'pg_show_all_file_settings',
    'pg_config',
    'pg_read_file',
    'pg_read_binary_file',
    'pg_ls_dir',
    'pg_ls_waldir',
    'pg_ls_logdir',
    'pg_stat_file',
    'pg_current_logfile',
    'lo_import',
    'lo_export',
    'lo_get',
    'lo_open',
    'loread',
    'lowrite',
    'pg_input_is_valid',
    'pg_input_error_info',
    'domain_in',
    'record_in',
    'array_in',
    // volatile, never reviewed as pure reads
    'currtid2',
    'pg_get_shmem_allocations_numa',
    'tsvector_update_trigger',
  ]
  it.each(denied)('denies %s, with a reason', (name) => {
    const verdict = builtinFunction(name)
    expect(verdict?.allowed).toBe(false)
    if (verdict && !verdict.allowed) expect(verdict.reason.length).toBeGreaterThan(4)
  })

  it('names the reason', () => {
    expect(builtinFunction('pg_sleep')).toEqual({ allowed: false, reason: 'sleeps' })
    expect(builtinFunction('query_to_xml')).toEqual({
      allowed: false,
      reason: 'runs the SQL text it is given',
    })
  })

  it.each([
    'crosstab',
    'connectby',
    'dblink',
    'dblink_exec',
    'heap_force_kill',
    'pg_truncate_visibility_map',
    'get_raw_page',
    'pg_file_write',
    'my_function',
    '',
    'constructor',
    '__proto__',
    'toString',
    'hasOwnProperty',
    'valueOf',
  ])('knows no built-in %j', (name) => {
    expect(builtinFunction(name)).toBeUndefined()
  })

  it('compares lower-case', () => {
    expect(builtinFunction('RANDOM')).toEqual({ allowed: true })
    expect(builtinFunction('PG_SLEEP')?.allowed).toBe(false)
    expect(builtinFunction('RI_FKey_check_ins')?.allowed).toBe(false)
  })

  it('lists the denied names a non-volatile check would pass', () => {
    const unsafe = unsafeNonVolatileBuiltins()
    for (const name of [
      'table_to_xml',
      'txid_current',
      'pg_input_is_valid',
      'ts_rewrite',
      'pg_config',
      'domain_in',
    ])
      expect(unsafe).toContain(name)
    for (const name of ['random', 'pg_sleep', 'lower']) expect(unsafe).not.toContain(name)
    for (const name of unsafe) expect(builtinFunction(name)?.allowed).toBe(false)
    unsafe.push('mutated')
    expect(unsafeNonVolatileBuiltins()).not.toContain('mutated')
  })
})

describe('curated extension functions', () => {
  it.each([
    ['similarity', ['pg_trgm']],
    ['similarity_op', ['pg_trgm']],
    ['word_similarity_dist_op', ['pg_trgm']],
    ['levenshtein', ['fuzzystrmatch']],
    ['fetchval', ['hstore']],
    ['akeys', ['hstore']],
    ['citext_eq', ['citext']],
    ['cube_distance', ['cube']],
    ['earth_distance', ['earthdistance']],
    ['ll_to_earth', ['earthdistance']],
    ['nlevel', ['ltree']],
    ['ltq_regex', ['ltree']],
    ['icount', ['intarray']],
    ['unaccent', ['unaccent']],
    ['uuid_generate_v4', ['uuid-ossp']],
    ['digest', ['pgcrypto']],
    ['hmac', ['pgcrypto']],
    ['gen_random_uuid', ['pgcrypto']],
    ['system_rows', ['tsm_system_rows']],
    ['system_time', ['tsm_system_time']],
    ['st_intersects', ['postgis']],
    ['ST_Intersects', ['postgis']],
    ['ST_DWithin', ['postgis']],
    ['st_area', ['postgis']],
    ['st_asgeojson', ['postgis']],
    ['geometry_overlaps', ['postgis']],
    ['l2_distance', ['vector']],
    ['cosine_distance', ['vector']],
    ['vector_negative_inner_product', ['vector']],
    ['vector_dims', ['vector']],
  ] as const)('finds %s in %j', (name, extensions) => {
    expect(curatedExtensionsOf(name)).toEqual(extensions)
  })

  it('finds a name several extensions curate in each of them', () => {
    expect(curatedExtensionsOf('avg')).toEqual(['vector'])
    expect(curatedExtensionsOf('max')).toEqual(['citext'])
    expect(curatedExtensionsOf('querytree')).toEqual(['intarray'])
  })

  it.each([
    'set_limit',
    'crosstab',
    'connectby',
    'normal_rand',
    'dblink',
    'uuid_generate_v1',
    'pgp_sym_decrypt',
    'decrypt',
    'encrypt',
    'addgeometrycolumn',
    'dropgeometrytable',
    'updategeometrysrid',
    'populate_geometry_columns',
    'postgis_extensions_upgrade',
    'st_estimatedextent',
    'get_raw_page',
    'heap_force_kill',
    'pg_truncate_visibility_map',
    'bt_index_check',
    'pg_file_write',
    'pg_prewarm',
    'pg_buffercache_pages',
    'pgstattuple',
    'constructor',
    '__proto__',
  ])('does not curate %s', (name) => {
    expect(curatedExtensionsOf(name)).toEqual([])
  })

  it('curates only the reviewed extensions, never tablefunc, dblink or page-level ones', () => {
    expect(Object.keys(EXTENSION_FUNCTIONS).sort()).toEqual(
      [
        'citext',
        'cube',
        'earthdistance',
        'fuzzystrmatch',
        'hstore',
        'intarray',
        'ltree',
        'pg_trgm',
        'pgcrypto',
        'postgis',
        'tsm_system_rows',
        'tsm_system_time',
        'unaccent',
        'uuid-ossp',
        'vector',
      ].sort(),
    )
  })

  it('lists every pair once, lower case, in CURATED_FUNCTIONS', () => {
    const keys = CURATED_FUNCTIONS.map(([e, n]) => `${e}.${n}`)
    expect(keys.length).toBe(new Set(keys).size)
    for (const [extension, name] of CURATED_FUNCTIONS) {
      expect(name).toBe(name.toLowerCase())
      expect(curatedExtensionsOf(name)).toContain(extension)
    }
    expect(keys).toContain('pg_trgm.similarity_op')
    expect(keys).toContain('hstore.fetchval')
    expect(CURATED_FUNCTIONS.length).toBe(Object.values(EXTENSION_FUNCTIONS).flat().length)
  })

  it('curates only real members of the extensions the lab installs (EXTENSION_MEMBERS, generated)', () => {
    for (const [extension, names] of Object.entries(EXTENSION_FUNCTIONS)) {
      if (extension === 'postgis' || extension === 'vector') continue
      const members = new Set((EXTENSION_MEMBERS[extension] ?? '').split(' '))
      expect(members.size, `${extension} was not installed by the generator`).toBeGreaterThan(0)
      for (const name of names) expect(members.has(name), `${extension}.${name}`).toBe(true)
    }
    expect(EXTENSION_MEMBERS.tablefunc?.split(' ')).toContain('crosstab')
  })

  it('curates no name that is a denied built-in', () => {
    for (const [extension, name] of CURATED_FUNCTIONS)
      expect(builtinFunction(name)?.allowed ?? true, `${extension}.${name}`).toBe(true)
  })
})

describe('tablesampleAllowed', () => {
  it.each(['system', 'bernoulli', 'system_rows', 'system_time'])('allows %s', (name) => {
    expect(tablesampleAllowed(name)).toBe(true)
  })
  it.each(['SYSTEM', 'random', 'system_random', 'my_sampler', ''])('refuses %j', (name) => {
    expect(tablesampleAllowed(name)).toBe(false)
  })
  it('agrees with the built-in verdicts of the handlers', () => {
    expect(builtinFunction('system')).toEqual({ allowed: true })
    expect(builtinFunction('bernoulli')).toEqual({ allowed: true })
  })
})
