/**
 * What admins paste where a connection string goes, turned into what libpq reads. Pastes come from
 * `.env` files (`DATABASE_URL="postgres://…"`), from Java configs (`jdbc:postgresql://…`), from
 * runbooks (`psql -h db -U reader analytics`) and from chat, with quotes and stray whitespace. Each is
 * taken when it names a connection, and otherwise refused in one line that says what it is. Nothing
 * here echoes the text: it may hold a password.
 */
import { FIELD_BY_ENV, FIELD_BY_KEYWORD } from './fields.js'

/** Either one libpq string (a URI or keyword/value pairs), plus keywords a psql line or its environment set. */
export type Paste =
  { kind: 'conninfo'; text: string; keywords: [string, string][] } | { kind: 'refused'; message: string }

const refuse = (message: string): Paste => ({ kind: 'refused', message })

/** Removes one pair of matching quotes around the whole text ('…', "…", `…`, “…”, ‘…’). */
export function unquote(text: string): string {
  const t = text.trim()
  const pairs: [string, string][] = [
    ["'", "'"],
    ['"', '"'],
    ['`', '`'],
    ['\u201c', '\u201d'],
    ['\u2018', '\u2019'],
  ]
  for (const [open, close] of pairs) {
    if (t.length >= 2 && t.startsWith(open) && t.endsWith(close)) {
      const inner = t.slice(open.length, -close.length)
      // `'host=a' 'port=5'` is two quoted words, not one quoted string.
      if (!inner.includes(close)) return inner.trim()
    }
  }
  return t
}

/** pgjdbc's URL parameters that libpq knows under another name or the same one. */
const JDBC_TO_LIBPQ: Record<string, string> = {
  user: 'user',
  password: 'password',
  sslmode: 'sslmode',
  sslrootcert: 'sslrootcert',
  sslcert: 'sslcert',
  sslkey: 'sslkey',
  sslpassword: 'sslpassword',
  connectTimeout: 'connect_timeout',
  loginTimeout: 'connect_timeout',
  ApplicationName: 'application_name',
  applicationName: 'application_name',
  tcpKeepAlive: 'keepalives',
  gssEncMode: 'gssencmode',
  channelBinding: 'channel_binding',
}

/** `jdbc:postgresql://host:port/db?user=…&ssl=true` as the equivalent libpq URI, or why it has none. */
export function jdbcToUri(text: string): Paste {
  const m = /^jdbc:postgresql:\/\/([^/?#]*)(\/[^?#]*)?(?:\?([^#]*))?$/i.exec(text)
  if (!m)
    return refuse(
      'a JDBC URL without a host: give it as jdbc:postgresql://host:port/database, or paste a postgresql:// URI',
    )
  const [, authority = '', path = '', query = ''] = m
  const params = new URLSearchParams(query)
  const out = new URLSearchParams()
  let ssl: string | null = null
  for (const [key, value] of params) {
    if (key === 'ssl') {
      ssl = value
      continue
    }
    const libpq = JDBC_TO_LIBPQ[key]
    if (!libpq)
      return refuse(`the JDBC URL's parameter "${key}" has no libpq equivalent: remove it and paste again`)
    out.append(libpq, key === 'tcpKeepAlive' ? (value === 'false' ? '0' : '1') : value)
  }
  if (ssl !== null && !out.has('sslmode')) {
    // pgjdbc: ssl=true without sslmode verifies the chain and the host name.
    if (ssl === '' || ssl === 'true') out.set('sslmode', 'verify-full')
    else
      return refuse(
        `the JDBC URL's "ssl=${ssl}" is read differently by pgjdbc versions: give sslmode= instead`,
      )
  }
  const q = out.toString()
  return { kind: 'conninfo', text: `postgresql://${authority}${path}${q ? `?${q}` : ''}`, keywords: [] }
}

/** Splits a command line into words as a POSIX shell would (quotes and backslashes; no expansions). */
export function shellWords(line: string): string[] | null {
  const words: string[] = []
  let word: string | null = null
  let i = 0
  while (i < line.length) {
    const c = line[i]!
    if (/\s/.test(c)) {
      if (word !== null) words.push(word)
      word = null
      i++
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1)
      if (end < 0) return null
      word = (word ?? '') + line.slice(i + 1, end)
      i = end + 1
    } else if (c === '"') {
      let j = i + 1
      let v = ''
      while (j < line.length && line[j] !== '"') {
        if (line[j] === '\\' && j + 1 < line.length && '"\\$`'.includes(line[j + 1]!)) j++
        v += line[j]
        j++
      }
      if (j >= line.length) return null
      word = (word ?? '') + v
      i = j + 1
    } else if (c === '\\' && i + 1 < line.length) {
      word = (word ?? '') + line[i + 1]
      i += 2
    } else {
      word = (word ?? '') + c
      i++
    }
  }
  if (word !== null) words.push(word)
  return words
}

const PSQL_OPTIONS: Record<string, string> = {
  '-h': 'host',
  '--host': 'host',
  '-p': 'port',
  '--port': 'port',
  '-U': 'user',
  '--username': 'user',
  '-d': 'dbname',
  '--dbname': 'dbname',
}

/** Options that change nothing about where psql connects: skipped. */
const PSQL_HARMLESS = new Set([
  '-w',
  '--no-password',
  '-W',
  '--password',
  '-X',
  '--no-psqlrc',
  '-q',
  '--quiet',
])

/** `psql "postgres://…"`, `psql -h db -p 5432 -U reader analytics` and the like, as libpq settings. */
export function fromPsqlLine(line: string): Paste {
  const words = shellWords(line)
  if (!words) return refuse('a psql command line with an unclosed quote: paste the connection string alone')
  const keywords: [string, string][] = []
  let i = 0
  for (; i < words.length && /^[A-Z_][A-Z0-9_]*=/.test(words[i]!); i++) {
    const [name = '', ...rest] = words[i]!.split('=')
    // libpq's environment variables (the fields table), as a `PGPASSWORD=… psql …` line sets them.
    const key = FIELD_BY_ENV.get(name)?.keyword
    if (!key)
      return refuse(`the environment variable ${name} is not a connection setting (in a psql command line)`)
    keywords.push([key, rest.join('=')])
  }
  if (!/^(.*\/)?psql$/.test(words[i] ?? '')) return refuse('a command line, not a connection string')
  const positional: string[] = []
  for (i++; i < words.length; i++) {
    const w = words[i]!
    const long = /^(--[a-z-]+)=(.*)$/.exec(w)
    const short = /^(-[hpUd])(.+)$/.exec(w)
    if (long && PSQL_OPTIONS[long[1]!]) keywords.push([PSQL_OPTIONS[long[1]!]!, long[2]!])
    else if (short) keywords.push([PSQL_OPTIONS[short[1]!]!, short[2]!])
    else if (PSQL_OPTIONS[w]) {
      const value = words[++i]
      if (value === undefined) return refuse(`the option ${w} has no value (in a psql command line)`)
      keywords.push([PSQL_OPTIONS[w]!, value])
    } else if (PSQL_HARMLESS.has(w)) continue
    else if (w.startsWith('-'))
      return refuse(
        `the option ${w.replace(/=.*/, '')} is not about the connection (in a psql command line): paste the connection part alone`,
      )
    else positional.push(w)
  }
  if (positional.length > 2) return refuse('a psql command line with more words than a database and a user')
  const [dbname, user] = positional
  if (user !== undefined) keywords.push(['user', user])
  // psql's database argument may itself be a connection string; options given beside it then apply too.
  if (dbname !== undefined && (/^[a-z]+:\/\//i.test(dbname) || dbname.includes('=')))
    return { kind: 'conninfo', text: dbname, keywords }
  if (dbname !== undefined) keywords.push(['dbname', dbname])
  return { kind: 'conninfo', text: '', keywords }
}

/** What the text is, told by its shape, in the order the shapes could be confused. */
export function readPaste(raw: string): Paste {
  let text = unquote(raw)
  // An .env or shell line: `DATABASE_URL=…`, `export PG_URL="…"`. Taken only when the value is a URI,
  // so libpq's own `host=db` is never mistaken for it.
  // (libpq's `dbname=postgresql://…` means the URI too.) YAML's `KEY: value` has a space after the colon.
  // A libpq keyword other than dbname whose value looks like a URI (oauth_issuer=https://…) is libpq's.
  const env = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)(?:\s*=|:\s)\s*(.*)$/s.exec(text)
  const libpqKeyword = env && env[1] !== 'dbname' && FIELD_BY_KEYWORD.has(env[1]!)
  if (env && !libpqKeyword && /^[a-z][a-z0-9+.-]*:/i.test(unquote(env[2]!))) text = unquote(env[2]!)
  if (/^jdbc:/i.test(text)) {
    if (!/^jdbc:postgresql:/i.test(text))
      return refuse(
        `a JDBC URL for ${/^jdbc:([a-z0-9]+)/i.exec(text)?.[1] ?? 'another database'}, not PostgreSQL`,
      )
    return jdbcToUri(text)
  }
  if (/^postgres(ql)?:\/\//i.test(text)) return { kind: 'conninfo', text, keywords: [] }
  if (/^https?:\/\//i.test(text))
    return refuse('a web address, not a connection string: paste a postgresql:// URI or key=value pairs')
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1]
  if (scheme)
    return refuse(`a ${scheme}:// URI: a connection URI must start with postgresql:// or postgres://`)
  if (/^(\S+=\S*\s+)*(\S*\/)?psql(\s|$)/.test(text)) return fromPsqlLine(text)
  // `PGPASSWORD=… pg_dump …`: environment settings before a command other than psql.
  if (/^([A-Z_][A-Z0-9_]*=\S*\s+)+[^=\s]+(\s|$)/.test(text))
    return refuse('a command line, not a connection string')
  if (text && !text.includes('='))
    return refuse(
      'not a connection string: expected a postgresql:// URI, key=value pairs, a JDBC URL, a DATABASE_URL= line or a psql command',
    )
  return { kind: 'conninfo', text, keywords: [] }
}
