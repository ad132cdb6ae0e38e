import { describe, expect, it } from 'vitest'
import { InputError, parseConnectionString } from '../../src-main/core/connection/conninfo.js'

// What admins paste into "Or paste a connection string": each fills the form or is refused in one
// line that says what it is, and no refusal echoes the text (it may hold a password).
describe('forgiving pastes', () => {
  it.each([
    ['a URI with stray whitespace', '  postgresql://db/analytics \n', { host: 'db', dbname: 'analytics' }],
    ['a double-quoted URI', '"postgres://r@db:6432/a"', { host: 'db', port: '6432', dbname: 'a', user: 'r' }],
    [
      'a single-quoted URI',
      "'postgres://db/a?sslmode=require'",
      { host: 'db', dbname: 'a', sslmode: 'require' },
    ],
    ['typographic quotes', '\u201cpostgres://db/a\u201d', { host: 'db', dbname: 'a' }],
    ['quoted keyword/value pairs', "'host=db dbname=a'", { host: 'db', dbname: 'a' }],
    ['keyword/value pairs stay themselves', "host=db dbname='my db'", { host: 'db', dbname: 'my db' }],
    [
      'a DATABASE_URL= line',
      'DATABASE_URL=postgres://u:s3cret@db:5433/a',
      { host: 'db', port: '5433', dbname: 'a', user: 'u', password: 's3cret' },
    ],
    ['a quoted .env value', 'DATABASE_URL="postgresql://db/a"', { host: 'db', dbname: 'a' }],
    ['an export line', "export PG_URL='postgres://db/a'", { host: 'db', dbname: 'a' }],
    ['a YAML line', 'url: postgres://db/a', { host: 'db', dbname: 'a' }],
    ['a JDBC URL', 'jdbc:postgresql://db:5433/a', { host: 'db', port: '5433', dbname: 'a' }],
    [
      'a JDBC URL with user, password and sslmode',
      'jdbc:postgresql://db/a?user=r&password=p%40ss&sslmode=verify-ca&sslrootcert=/ca.pem',
      { host: 'db', dbname: 'a', user: 'r', password: 'p@ss', sslmode: 'verify-ca', sslrootcert: '/ca.pem' },
    ],
    [
      'JDBC ssl=true (pgjdbc verifies fully)',
      'jdbc:postgresql://db/a?ssl=true',
      { host: 'db', dbname: 'a', sslmode: 'verify-full' },
    ],
    [
      'JDBC ssl=true beside sslmode',
      'jdbc:postgresql://db/a?ssl=true&sslmode=require',
      { host: 'db', dbname: 'a', sslmode: 'require' },
    ],
    [
      'JDBC parameters libpq knows by another name',
      'jdbc:postgresql://db/a?ApplicationName=x&connectTimeout=5',
      { host: 'db', dbname: 'a', application_name: 'x', connect_timeout: '5' },
    ],
    ['a JDBC URL in a .env line', 'JDBC_URL="jdbc:postgresql://db/a"', { host: 'db', dbname: 'a' }],
    [
      'psql with a quoted URI',
      'psql "postgresql://r@db/a?sslmode=require"',
      { host: 'db', dbname: 'a', user: 'r', sslmode: 'require' },
    ],
    ['psql with a quoted conninfo', "psql 'host=db dbname=a'", { host: 'db', dbname: 'a' }],
    [
      'psql with options',
      'psql -h db -p 5433 -U reader -d analytics',
      { host: 'db', port: '5433', user: 'reader', dbname: 'analytics' },
    ],
    [
      'psql with long options',
      'psql --host=db --port=5433 --username=r --dbname=a -X',
      { host: 'db', port: '5433', user: 'r', dbname: 'a' },
    ],
    [
      'psql with positional database and user',
      'psql -h db analytics reader',
      { host: 'db', dbname: 'analytics', user: 'reader' },
    ],
    [
      'psql with PGPASSWORD',
      'PGPASSWORD=s3cret psql -h db -U r a',
      { host: 'db', user: 'r', dbname: 'a', password: 's3cret' },
    ],
    ['psql by path, joined options', '/usr/bin/psql -hdb -Ur a', { host: 'db', user: 'r', dbname: 'a' }],
  ])('takes %s', (_what, text, expected) => {
    expect(parseConnectionString(text)).toEqual(expected)
  })

  it.each([
    ['garbage', 'hello world', /^not a connection string: expected a postgresql:\/\/ URI/],
    ['a web address', 'https://db.example.com/a', /^a web address, not a connection string/],
    [
      'another database’s URI',
      'mysql://u:s3cret@h/d',
      /^a mysql:\/\/ URI: a connection URI must start with postgresql:\/\//,
    ],
    ['another database’s JDBC URL', 'jdbc:mysql://h/d', /^a JDBC URL for mysql, not PostgreSQL$/],
    [
      'a JDBC parameter libpq lacks',
      'jdbc:postgresql://db/a?currentSchema=x',
      /parameter "currentSchema" has no libpq equivalent/,
    ],
    [
      'a JDBC sslfactory',
      'jdbc:postgresql://db/a?sslfactory=org.x.Y',
      /parameter "sslfactory" has no libpq equivalent/,
    ],
    [
      'JDBC ssl=false',
      'jdbc:postgresql://db/a?ssl=false',
      /"ssl=false" is read differently by pgjdbc versions/,
    ],
    ['a JDBC URL without a host', 'jdbc:postgresql:analytics', /^a JDBC URL without a host/],
    [
      'psql running a command',
      'psql -h db -c "select 1" a',
      /^the option -c is not about the connection \(in a psql command line\)/,
    ],
    ['psql with an unclosed quote', 'psql "postgres://db/a', /^a psql command line with an unclosed quote/],
    ['another command', 'PGPASSWORD=x pg_dump -h db', /^a command line, not a connection string$/],
    [
      'an environment variable psql does not read as a setting',
      'FOO=1 psql -h db',
      /^the environment variable FOO is not a connection setting \(in a psql command line\)$/,
    ],
  ])('refuses %s in one line', (_what, text, message) => {
    let error: unknown
    try {
      parseConnectionString(text)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(InputError)
    const text_ = (error as Error).message
    expect(text_).toMatch(message)
    expect(text_).not.toContain('\n')
    expect(text_).not.toContain('s3cret')
  })
})
