/* The connector form's fields and their labels: shared by the advice and the renderer (no other imports). */

/** A form field of the connector (the guide's Step 3), for "change this field" advice. */
export type FormField =
  | 'host'
  | 'port'
  | 'database'
  | 'schema'
  | 'username'
  | 'password'
  | 'sslMode'
  | 'sslRootCert'
  | 'privateNetwork'
  | 'allowWritableRole'

/** The labels the guide's connector form uses. */
export const FIELD_LABELS: Record<FormField, string> = {
  host: 'Host',
  port: 'Port',
  database: 'Database',
  schema: 'Schema',
  username: 'Username',
  password: 'Password',
  sslMode: 'SSL mode',
  sslRootCert: 'Root certificate',
  privateNetwork: 'Host is on a private network',
  allowWritableRole: 'Allow writable role',
}
