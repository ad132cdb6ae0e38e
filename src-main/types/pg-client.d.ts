// node-postgres' Client and helpers imported from their own files: the package index also loads the
// pool and the native binding probe, which the checks never use (a measurable share of CLI start-up).
declare module 'pg/lib/client.js' {
  import type { Client } from 'pg'
  const ClientClass: typeof Client
  export default ClientClass
}
declare module 'pg/lib/utils.js' {
  const utils: { escapeIdentifier(value: string): string; escapeLiteral(value: string): string }
  export default utils
}
