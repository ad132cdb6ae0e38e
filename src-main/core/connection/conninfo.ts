import { readPaste } from './paste.js'

/** A malformed or contradictory input: one clear sentence, and nothing was changed or connected. */
export class InputError extends Error {
  override readonly name = 'InputError'
  /** The connector form field it concerns, when it is one (`host`, `port`, …), for the app's field errors. */
  constructor(
    message: string,
    readonly field?: 'host' | 'port' | 'sslMode' | 'schema',
  ) {
    super(message)
  }
}

/** libpq keywords this product uses. */
const USED = [
  'host',
  'port',
  'dbname',
  'user',
  'password',
  'sslmode',
  'sslrootcert',
  'sslcert',
  'sslkey',
  'sslpassword',
] as const
export type ConninfoKey = (typeof USED)[number]
export type Conninfo = Partial<Record<ConninfoKey, string>>

/** libpq keywords that are valid but mean nothing to Klairr's connector: accepted and ignored. */
const IGNORED = new Set([
  'hostaddr',
  'connect_timeout',
  'application_name',
  'fallback_application_name',
  'options',
  'keepalives',
  'keepalives_idle',
  'keepalives_interval',
  'keepalives_count',
  'tcp_user_timeout',
  'client_encoding',
  'sslcompression',
  'sslcrl',
  'sslcrldir',
  'sslsni',
  'requirepeer',
  'ssl_min_protocol_version',
  'ssl_max_protocol_version',
  'gssencmode',
  'krbsrvname',
  'gsslib',
  'target_session_attrs',
  'load_balance_hosts',
  'passfile',
  'channel_binding',
  'service',
  'replication',
  'require_auth',
  'sslnegotiation',
  'sslcertmode',
  'gssdelegation',
  'service',
])

function accept(out: Conninfo, key: string, value: string): void {
  if ((USED as readonly string[]).includes(key)) out[key as ConninfoKey] = value
  else if (!IGNORED.has(key)) throw new InputError(`unknown connection option "${key}"`)
}

/**
 * Parses a libpq keyword/value string (`host=db port=5432 dbname='my db'`) by libpq's rules: values
 * may be single-quoted, and backslash escapes a quote or a backslash.
 */
export function parseKeywordValue(text: string): Conninfo {
  const out: Conninfo = {}
  let i = 0
  const n = text.length
  const skipSpace = () => {
    while (i < n && /\s/.test(text[i]!)) i++
  }
  while (true) {
    skipSpace()
    if (i >= n) return out
    const keyStart = i
    while (i < n && text[i] !== '=' && !/\s/.test(text[i]!)) i++
    const key = text.slice(keyStart, i)
    skipSpace()
    if (text[i] !== '=') throw new InputError(`missing "=" after "${key}" in connection info string`)
    i++
    skipSpace()
    let value = ''
    if (text[i] === "'") {
      i++
      let closed = false
      while (i < n) {
        const c = text[i]!
        if (c === '\\' && i + 1 < n) {
          value += text[i + 1]
          i += 2
        } else if (c === "'") {
          closed = true
          i++
          break
        } else {
          value += c
          i++
        }
      }
      if (!closed)
        throw new InputError(`unterminated quoted string in connection info string (option "${key}")`)
    } else {
      while (i < n && !/\s/.test(text[i]!)) {
        if (text[i] === '\\' && i + 1 < n) i++
        value += text[i]
        i++
      }
    }
    accept(out, key, value)
  }
}

/**
 * Parses a `postgres://` / `postgresql://` URI with the WHATWG URL parser, by libpq's URI rules
 * (percent-decoded parts, query parameters as keywords). pg-connection-string is not used: it reads
 * the files that ssl* parameters name as a side effect of parsing.
 */
export function parsePostgresUri(text: string): Conninfo {
  // libpq allows host lists and ports the URL parser rejects; say what is wrong instead of "malformed".
  const authority = /^[a-z]+:\/\/([^/?#]*)/i.exec(text)?.[1] ?? ''
  const hostPart = authority.slice(authority.lastIndexOf('@') + 1)
  if (hostPart.includes(',')) throw new InputError('connection URI names several hosts: give exactly one')
  const port = /:(\d+)$/.exec(hostPart)?.[1]
  if (port && (Number(port) < 1 || Number(port) > 65535))
    throw new InputError(`port must be a whole number from 1 to 65535, not "${port}"`)
  let url: URL
  try {
    url = new URL(text)
  } catch {
    // Never echo the input: it may hold a password.
    throw new InputError('malformed connection URI')
  }
  const out: Conninfo = {}
  const decode = (part: string, what: string) => {
    try {
      return decodeURIComponent(part)
    } catch {
      throw new InputError(`malformed percent-encoding in the connection URI's ${what}`)
    }
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
  if (host) out.host = decode(host, 'host')
  if (url.port) out.port = url.port
  const dbname = url.pathname.replace(/^\//, '')
  if (dbname) out.dbname = decode(dbname, 'database name')
  if (url.username) out.user = decode(url.username, 'user name')
  if (url.password) out.password = decode(url.password, 'password')
  for (const [key, value] of url.searchParams) accept(out, key, value)
  return out
}

/** Either form, told apart as libpq does: a URI starts with its scheme. */
function parseLibpqString(text: string): Conninfo {
  if (/^postgres(ql)?:\/\//i.test(text)) return parsePostgresUri(text)
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text))
    throw new InputError('connection URI must start with postgresql:// or postgres://')
  return parseKeywordValue(text)
}

/**
 * A pasted connection: a URI or keyword/value pairs, forgiving what admins paste around them (quotes,
 * a `DATABASE_URL=` prefix, a JDBC URL, a psql command line; see paste.ts). Anything else is refused
 * in one line that says what it is.
 */
export function parseConnectionString(text: string): Conninfo {
  const paste = readPaste(text)
  if (paste.kind === 'refused') throw new InputError(paste.message)
  const out = paste.text ? parseLibpqString(paste.text) : {}
  for (const [key, value] of paste.keywords) accept(out, key, value)
  return out
}
