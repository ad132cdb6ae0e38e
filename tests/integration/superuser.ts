import { execFileSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { conninfoString } from '../../src-main/core/sql-ident.js'
import type { Variant } from '../lab/lab.js'
import { LAB_DATABASE } from '../lab/seed.js'
import { lab, portOf } from './helpers.js'

/** What the tests do as the lab's superuser: set up, inspect, and run scripts the way an admin would. */

const superPassword = (major: number) => lab().versions[String(major)]!.superPassword

/** A client connected as the superuser; the caller ends it. */
export function superuserClient(
  major: number,
  database = LAB_DATABASE,
  variant: Variant = 'main',
): pg.Client {
  return new pg.Client({
    host: '127.0.0.1',
    port: portOf(major, variant),
    user: 'postgres',
    password: superPassword(major),
    database,
  })
}

/** Runs `work` on a superuser connection and closes it. */
export async function asSuperuser<T>(
  major: number,
  database: string,
  work: (c: pg.Client) => Promise<T>,
  variant: Variant = 'main',
): Promise<T> {
  const client = superuserClient(major, database, variant)
  await client.connect()
  try {
    return await work(client)
  } finally {
    await client.end()
  }
}

/** Runs a script through psql as the superuser, stopping at the first error, as an admin pasting it would. */
export function psqlAsSuperuser(
  major: number,
  database: string,
  script: string,
  variant: Variant = 'main',
): string {
  const file = join(mkdtempSync(join(tmpdir(), 'klairr-script-')), 'script.sql')
  writeFileSync(file, script)
  const conninfo = conninfoString({
    host: '127.0.0.1',
    port: portOf(major, variant),
    user: 'postgres',
    dbname: database,
  })
  return execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', conninfo, '-f', file], {
    env: { ...process.env, PGPASSWORD: superPassword(major) },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}
