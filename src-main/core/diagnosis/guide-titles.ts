import type { TroubleshootingCode } from '../checks/types.js'

/** The Troubleshooting entries of Klairr's setup guide, by the titles the guide gives them. */
export const GUIDE_TITLES: Record<TroubleshootingCode, string> = {
  connection_refused: 'Connection refused',
  tls_handshake_failed: 'TLS handshake failed',
  authentication_failed: 'Authentication failed',
  permission_denied: 'Permission denied',
  credentials_grant_write: '“Credentials grant write access”',
  schema_introspection_empty: 'Schema introspection returned 0 tables',
}
