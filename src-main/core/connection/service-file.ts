/**
 * The connection service file (pg_service.conf), read as libpq reads it (parseServiceInfo and
 * parseServiceFile in src/interfaces/libpq/fe-connect.c):
 * - the service is `service=` in the connection string, else PGSERVICE;
 * - the per-user file is `servicefile=` (libpq 18), else PGSERVICEFILE (which must exist), else
 *   ~/.pg_service.conf when it exists; it is read first, and when it has the service the system file
 *   is not read; the system file is PGSYSCONFDIR/pg_service.conf, when it exists (libpq's compiled-in
 *   SYSCONFDIR differs per build and package, so without PGSYSCONFDIR there is none here);
 * - lines: leading and trailing white space dropped; empty lines and `#` comments skipped; `[name]`
 *   starts a section; in the service's section `keyword=value`, split at the first `=` with nothing
 *   trimmed around it; a keyword libpq does not know is a syntax error, `service=` inside is refused
 *   (nested services), and `ldap…` lines (LDAP lookups) are refused here; the first value of a keyword
 *   wins, and the next section ends the service.
 * Not an INI library: INI parsers trim around `=`, unquote values and merge repeated sections, which
 * libpq does not. Files are read with small-file.ts (a regular file, certificate-sized, bounded in time).
 */
import { homedir } from 'node:os'
import { join } from 'node:path'
import { readSmallFile, SmallFileError } from '../small-file.js'
import { FIELD_BY_KEYWORD } from './fields.js'

export interface ServiceEntry {
  name: string
  /** The file the section was found in. */
  file: string
  /** keyword → value, in the file's order, the first of each keyword. */
  params: Record<string, string>
}

export type ServiceLookup = { ok: true; entry: ServiceEntry } | { ok: false; message: string }

/** One file's reading: the service's section when found, or the line that stops libpq. */
export function parseServiceFile(
  text: string,
  service: string,
  file: string,
): { found: false } | { found: true; params: Record<string, string> } | { error: string } {
  let found = false
  const params: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim()
    if (line === '' || line.startsWith('#')) continue
    if (line.startsWith('[')) {
      if (found) break
      // libpq: strncmp(line + 1, service, strlen(service)) == 0 && line[strlen(service) + 1] == ']'
      found = line.slice(1, 1 + service.length) === service && line[service.length + 1] === ']'
      continue
    }
    if (!found) continue
    const at = `in service file "${file}", line ${i + 1}`
    if (line.startsWith('ldap')) return { error: `LDAP service lookups are not supported (${at})` }
    const eq = line.indexOf('=')
    if (eq < 0) return { error: `syntax error ${at}` }
    const key = line.slice(0, eq)
    if (key === 'service') return { error: `nested service specifications not supported ${at}` }
    if (!FIELD_BY_KEYWORD.has(key)) return { error: `syntax error ${at}` }
    if (!(key in params)) params[key] = line.slice(eq + 1)
  }
  return found ? { found, params } : { found }
}

async function readIfThere(path: string, mustExist: boolean): Promise<string | null | { error: string }> {
  try {
    return await readSmallFile(path, { what: 'the service file' })
  } catch (e) {
    if (!(e instanceof SmallFileError)) throw e
    if (e.kind === 'missing') return mustExist ? { error: `service file "${path}" not found` } : null
    return { error: e.message }
  }
}

/**
 * The service's parameters, from the files libpq would read, in its order; `definition of service
 * "NAME" not found` (libpq's words) when no file has it.
 */
export async function lookupService(
  service: string,
  opts: { serviceFile?: string; env: NodeJS.ProcessEnv; home?: string },
): Promise<ServiceLookup> {
  const userFile = opts.serviceFile ?? opts.env.PGSERVICEFILE
  const files: { path: string; mustExist: boolean }[] = [
    userFile
      ? { path: userFile, mustExist: true }
      : { path: join(opts.home ?? homedir(), '.pg_service.conf'), mustExist: false },
  ]
  if (opts.env.PGSYSCONFDIR)
    files.push({ path: join(opts.env.PGSYSCONFDIR, 'pg_service.conf'), mustExist: false })
  for (const { path, mustExist } of files) {
    const text = await readIfThere(path, mustExist)
    if (text === null) continue
    if (typeof text !== 'string') return { ok: false, message: text.error }
    const read = parseServiceFile(text, service, path)
    if ('error' in read) return { ok: false, message: read.error }
    if (read.found) return { ok: true, entry: { name: service, file: path, params: read.params } }
  }
  return { ok: false, message: `definition of service "${service}" not found` }
}
