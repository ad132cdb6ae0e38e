import { describe, expect, it } from 'vitest'
import type { Session } from '../../src-main/core/connection/pg-session.js'
import { DEFAULT_EXECUTE, executeQuery } from '../../src-main/core/sql/executor.js'

describe('the executor runs text only on a UTF8 session', () => {
  it.each(['SJIS', 'LATIN1', 'BIG5'])(
    'refuses a session whose client encoding is %s, before sending anything',
    async (encoding) => {
      let sent = false
      const client = new Proxy({}, { get: () => ((sent = true), () => undefined) })
      const session = { client, parameters: { client_encoding: encoding } } as unknown as Session
      const outcome = await executeQuery(session, 'SELECT 1', {
        ...DEFAULT_EXECUTE,
        timeouts: { query: 1000, lock: 100 },
      })
      expect(outcome).toMatchObject({ ok: false, reason: 'refused', rule: 'invalid_text' })
      expect((outcome as { message: string }).message).toContain(encoding)
      expect(sent).toBe(false)
    },
  )
})
