import type { ConnectionSettings } from '../../src-main/core/connection/settings.js'

/** Settings for unit tests that need a plausible connector and no server: verify-full, public, no password. */
export function exampleSettings(over: Partial<ConnectionSettings> = {}): ConnectionSettings {
  return {
    host: 'db.example.com',
    port: 5432,
    database: 'analytics',
    schema: 'public',
    username: 'klairr_reader',
    sslMode: 'verify-full',
    privateNetwork: false,
    allowWritableRole: false,
    ...over,
  }
}
