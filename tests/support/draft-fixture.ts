import type { DesktopDraft } from '../../src-main/contract/index.js'

/** A desktop draft as the renderer sends it: the form without its password. */
export const SAMPLE_DRAFT: DesktopDraft = {
  step: 'connection',
  role: { role: 'klairr_reader', database: 'analytics', schemas: 'public', generatePassword: true },
  form: {
    host: 'db.internal',
    port: '5432',
    database: 'analytics',
    schema: 'public',
    username: 'klairr_reader',
    sslMode: 'verify-full',
    sslRootCert: '',
    privateNetwork: true,
    allowWritableRole: false,
  },
  allowFunctions: ['public.my_fn'],
  runId: null,
}
