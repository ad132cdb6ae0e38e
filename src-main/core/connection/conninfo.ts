import { FIELD_BY_KEYWORD, type LibpqKeyword } from './fields.js'
import { readPaste } from './paste.js'

/** One problem with one field: the form's field name (or the libpq keyword), and one line. */
export interface FieldProblem {
  field: string
  message: string
}

/** A malformed or contradictory input: one clear sentence per problem, and nothing was changed or connected. */
export class InputError extends Error {
  override readonly name = 'InputError'
  /** Every problem, each one line (the CLI prints one line each). */
  readonly problems: FieldProblem[]
  /** The connector form field it concerns, when it is one (`host`, `port`, …), for the app's field errors. */
  constructor(
    message: string,
    readonly field?: string,
    problems?: FieldProblem[],
  ) {
    super(message)
    this.problems = problems ?? [{ field: field ?? 'connectionString', message }]
  }

  /** All of them at once: the message is the first; `problems` holds every one. */
  static of(problems: FieldProblem[]): InputError {
    const first = problems[0] ?? { field: 'connectionString', message: 'invalid connection settings' }
    return new InputError(first.message, first.field, problems)
  }
}

/** What a connection string sets: libpq keyword to value, as written. */
export type Conninfo = Partial<Record<LibpqKeyword, string>>
export type ConninfoKey = keyof Conninfo

/** libpq's keywords (fields.ts): known ones are kept (resolveSettings reads or refuses them), others refused. */
function accept(out: Conninfo, key: string, value: string): void {
  if (!FIELD_BY_KEYWORD.has(key)) throw new InputError(`unknown connection option "${key}"`)
  out[key as ConninfoKey] = value
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

/** libpq's conninfo_uri_decode: %XX escapes, and no NUL. */
function uriDecode(part: string, what: string): string {
  if (/%(?![0-9a-f]{2})/i.test(part) || /%00/.test(part))
    throw new InputError(`malformed percent-encoding in the connection URI's ${what}`)
  try {
    return decodeURIComponent(part)
  } catch {
    throw new InputError(`malformed percent-encoding in the connection URI's ${what}`)
  }
}

/**
 * Parses a `postgres://` / `postgresql://` URI by libpq's rules (conninfo_uri_parse_options):
 * `user:password@`, then hosts `host[:port]` separated by commas (IPv6 in brackets), `/dbname`, and
 * `?keyword=value&…`. Several hosts become `host=a,b port=p1,p2`, as libpq makes them. Written out
 * rather than given to the WHATWG URL parser, which refuses host lists; pg-connection-string is not
 * used: it reads the files that ssl* parameters name as a side effect of parsing. Never echoes the
 * input: it may hold a password.
 */
export function parsePostgresUri(text: string): Conninfo {
  const rest = text.replace(/^postgres(ql)?:\/\//i, '')
  if (/[#]/.test(rest)) throw new InputError('malformed connection URI')
  const queryAt = rest.indexOf('?')
  const beforeQuery = queryAt < 0 ? rest : rest.slice(0, queryAt)
  const query = queryAt < 0 ? '' : rest.slice(queryAt + 1)
  const slash = beforeQuery.indexOf('/')
  const authority = slash < 0 ? beforeQuery : beforeQuery.slice(0, slash)
  const path = slash < 0 ? undefined : beforeQuery.slice(slash + 1)
  const out: Conninfo = {}
  const at = authority.lastIndexOf('@')
  if (at >= 0) {
    const userinfo = authority.slice(0, at)
    const colon = userinfo.indexOf(':')
    const user = colon < 0 ? userinfo : userinfo.slice(0, colon)
    if (user) out.user = uriDecode(user, 'user name')
    if (colon >= 0) {
      const password = userinfo.slice(colon + 1)
      if (password) out.password = uriDecode(password, 'password')
    }
  }
  const hosts: string[] = []
  const ports: string[] = []
  const netloc = authority.slice(at + 1)
  if (netloc !== '') {
    for (const item of netloc.split(/,(?![^[]*\])/)) {
      let host: string
      let port: string
      if (item.startsWith('[')) {
        const close = item.indexOf(']')
        if (close < 0) throw new InputError('malformed connection URI: no "]" after the IPv6 address')
        host = item.slice(1, close)
        const after = item.slice(close + 1)
        if (after !== '' && !after.startsWith(':'))
          throw new InputError('malformed connection URI: unexpected text after the IPv6 address')
        port = after.slice(1)
      } else {
        const colon = item.indexOf(':')
        host = colon < 0 ? item : item.slice(0, colon)
        port = colon < 0 ? '' : item.slice(colon + 1)
      }
      if (/[[\]]/.test(host)) throw new InputError('malformed connection URI')
      if (port !== '' && !/^\d+$/.test(port))
        throw new InputError(`port must be a whole number from 1 to 65535, not "${port}"`)
      if (port !== '' && (Number(port) < 1 || Number(port) > 65535))
        throw new InputError(`port must be a whole number from 1 to 65535, not "${port}"`)
      hosts.push(uriDecode(host, 'host'))
      ports.push(port)
    }
  }
  if (hosts.some((h) => h !== '')) out.host = hosts.join(',')
  if (ports.some((p) => p !== '')) out.port = ports.join(',')
  if (path) out.dbname = uriDecode(path, 'database name')
  if (query !== '') {
    for (const pair of query.split('&')) {
      const eq = pair.indexOf('=')
      if (eq < 0) throw new InputError('missing "=" in a connection URI query parameter')
      if (pair.indexOf('=', eq + 1) >= 0)
        throw new InputError('extra "=" in a connection URI query parameter')
      const key = uriDecode(pair.slice(0, eq), 'query')
      const value = uriDecode(pair.slice(eq + 1), 'query')
      // libpq: ssl=true is read as sslmode=require, for JDBC's sake.
      if (key === 'ssl' && value === 'true') accept(out, 'sslmode', 'require')
      else accept(out, key, value)
    }
  }
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
