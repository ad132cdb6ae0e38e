import { describe, expect, it } from 'vitest'
import {
  InputError,
  parseConnectionString,
  parseKeywordValue,
} from '../../src-main/core/connection/conninfo.js'

describe('libpq keyword/value strings', () => {
  it.each([
    ['host=db port=5433 dbname=analytics', { host: 'db', port: '5433', dbname: 'analytics' }],
    ["  host = db   dbname = 'my db'  ", { host: 'db', dbname: 'my db' }],
    ["user='o\\'brien' password='a\\\\b'", { user: "o'brien", password: 'a\\b' }],
    ["dbname=''", { dbname: '' }],
    [
      'sslmode=verify-full sslrootcert=/etc/ca.pem application_name=x connect_timeout=5',
      {
        sslmode: 'verify-full',
        sslrootcert: '/etc/ca.pem',
        application_name: 'x',
        connect_timeout: '5',
      },
    ],
    ['', {}],
  ])('%s', (text, expected) => {
    expect(parseKeywordValue(text)).toEqual(expected)
  })

  it.each([
    ['hots=db', /unknown connection option "hots"/],
    ['host', /missing "=" after "host"/],
    ["host='db", /unterminated quoted string/],
  ])('rejects %s', (text, message) => {
    expect(() => parseKeywordValue(text)).toThrow(message)
    expect(() => parseKeywordValue(text)).toThrow(InputError)
  })
})

describe('libpq URIs', () => {
  it.each([
    ['postgresql://db.example.com/analytics', { host: 'db.example.com', dbname: 'analytics' }],
    [
      'postgres://reader@db:6432/analytics?sslmode=verify-ca',
      { host: 'db', port: '6432', dbname: 'analytics', user: 'reader', sslmode: 'verify-ca' },
    ],
    [
      'postgresql://us%20er:p%40ss@[::1]:5433/my%20db',
      { host: '::1', port: '5433', dbname: 'my db', user: 'us er', password: 'p@ss' },
    ],
    ['POSTGRESQL://h/d', { host: 'h', dbname: 'd' }],
    ['postgresql://h/d?sslrootcert=%2Fetc%2Fca.pem', { host: 'h', dbname: 'd', sslrootcert: '/etc/ca.pem' }],
    ['postgresql://a:1,b:2/db', { host: 'a,b', port: '1,2', dbname: 'db' }],
    ['postgresql://a,b:6432/db', { host: 'a,b', port: ',6432', dbname: 'db' }],
    ['postgresql://[::1]:5433,[fe80::2]/db', { host: '::1,fe80::2', port: '5433,', dbname: 'db' }],
    ['postgresql://u@/db?host=h1,h2&port=5432', { user: 'u', dbname: 'db', host: 'h1,h2', port: '5432' }],
    ['postgresql://h/d?ssl=true', { host: 'h', dbname: 'd', sslmode: 'require' }],
    ['postgresql:///d', { dbname: 'd' }],
  ])('%s', (text, expected) => {
    expect(parseConnectionString(text)).toEqual(expected)
  })

  it.each([
    ['postgresql://[::1', /malformed connection URI/],
    ['postgresql://a:x,b:2/db', /port must be a whole number/],
    ['postgresql://h/d?sslmode', /missing "="/],
    ['postgresql://h/d?sslmode=a=b', /extra "="/],
    ['postgresql://h/%zz', /malformed percent-encoding/],
    ['mysql://h/d', /must start with postgresql:\/\//],
    ['postgresql://h/d?bogus=1', /unknown connection option "bogus"/],
    ['postgresql://u:secret@h:99999/d', /port must be a whole number from 1 to 65535, not "99999"/],
  ])('rejects %s without echoing it', (text, message) => {
    expect(() => parseConnectionString(text)).toThrow(message)
    try {
      parseConnectionString(text)
    } catch (e) {
      expect((e as Error).message).not.toContain('secret')
    }
  })
})
