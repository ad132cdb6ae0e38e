import { describe, expect, it } from 'vitest'
import { resolveSettings } from '../../src-main/core/connection/resolve-settings.js'

describe('resolveSettings', () => {
  it('uses libpq precedence: explicit values, then the connection string, then PG* variables, then defaults', () => {
    const env = {
      PGHOST: 'env-host',
      PGPORT: '6000',
      PGDATABASE: 'envdb',
      PGUSER: 'envuser',
      PGSSLMODE: 'verify-ca',
      PGPASSWORD: 'envpw',
    }
    expect(resolveSettings({}, env)).toMatchObject({
      host: 'env-host',
      port: 6000,
      database: 'envdb',
      username: 'envuser',
      sslMode: 'verify-ca',
    })
    expect(resolveSettings({}, env).password?.reveal()).toBe('envpw')
    expect(resolveSettings({ connectionString: 'host=str-host dbname=strdb' }, env)).toMatchObject({
      host: 'str-host',
      database: 'strdb',
      port: 6000,
    })
    expect(
      resolveSettings({ connectionString: 'host=str-host', host: 'flag-host', port: 7000 }, env),
    ).toMatchObject({ host: 'flag-host', port: 7000 })
  })

  it('defaults like the guide: port 5432, schema public, sslmode require, both flags No, database = user', () => {
    expect(resolveSettings({ username: 'klairr_reader' }, {})).toEqual({
      host: 'localhost',
      port: 5432,
      database: 'klairr_reader',
      schema: 'public',
      username: 'klairr_reader',
      sslMode: 'require',
      privateNetwork: false,
      allowWritableRole: false,
    })
  })

  it.each([
    [{ port: '0' }, /port must be a whole number from 1 to 65535/],
    [{ port: '5432x' }, /port must be/],
    [{ port: 65536 }, /port must be/],
    [{ sslMode: 'sometimes' }, /sslmode must be one of/],
    [{ host: '/tmp' }, /Unix-domain sockets/],
    [{ schema: '' }, /schema must not be empty/],
    [{ connectionString: 'port=99999' }, /port must be/],
  ])('rejects %j', (input, message) => {
    expect(() => resolveSettings(input, {})).toThrow(message)
  })
})
