import type { ConnectionForm } from '../src-main/contract/index.js'

export const STEPS = [
  { id: 'role', title: 'Role', hint: 'Create the read-only role' },
  { id: 'connection', title: 'Connection', hint: 'Where Klairr connects' },
  { id: 'test', title: 'Test', hint: 'Run the six setup tests' },
  { id: 'explore', title: 'Explore', hint: 'Schema and query sandbox' },
  { id: 'export', title: 'Export', hint: 'Save the verified config' },
] as const
export type StepId = (typeof STEPS)[number]['id']

export interface RoleOptions {
  role: string
  database: string
  schemas: string
  owners: string
  generatePassword: boolean
  readOnlyDefault: boolean
  statementTimeout: string
  connectionLimit: string
}

export const DEFAULT_ROLE: RoleOptions = {
  role: 'klairr_reader',
  database: '',
  schemas: 'public',
  owners: '',
  generatePassword: false,
  readOnlyDefault: true,
  statementTimeout: '30s',
  connectionLimit: '',
}

export const EMPTY_FORM: ConnectionForm = {
  host: '',
  port: '5432',
  database: '',
  schema: 'public',
  username: 'klairr_reader',
  password: '',
  sslMode: 'require',
  sslRootCert: '',
  sslCert: '',
  sslKey: '',
  sslPassword: '',
  privateNetwork: false,
  allowWritableRole: false,
}

export type { ConnectionForm }

/** A comma- or space-separated list of names. */
export const nameList = (text: string): string[] =>
  text
    .split(/[,\s]+/)
    .map((s) => s.trim())
    .filter(Boolean)
