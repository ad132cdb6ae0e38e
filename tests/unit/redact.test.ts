import { describe, expect, it } from 'vitest'
import { REDACTED, redactDeep, redactText } from '../../src-main/core/redact.js'

const SECRET = 'Zq7-lab-S3CRET/with:odd@chars'

describe('redaction', () => {
  it('removes the secret and its URI-encoded form from text', () => {
    const out = redactText(`pw=${SECRET} uri=${encodeURIComponent(SECRET)}`, [SECRET])
    expect(out).not.toContain(SECRET)
    expect(out).not.toContain(encodeURIComponent(SECRET))
    expect(out.split(REDACTED)).toHaveLength(3)
  })

  it('removes any URI userinfo password, even one it was not told about', () => {
    expect(redactText('postgresql://u:other@h/db', [])).toBe(`postgresql://u:${REDACTED}@h/db`)
  })

  it('walks objects, arrays and errors, and empties secret-named keys', () => {
    const value = {
      a: [`x ${SECRET}`],
      nested: { password: 'anything', pass: 'p' },
      err: new Error(`failed with ${SECRET}`),
      n: 1,
      nil: null,
    }
    const out = redactDeep(value, [SECRET])
    expect(JSON.stringify(out)).not.toContain(SECRET)
    expect(out.nested).toEqual({ password: REDACTED, pass: REDACTED })
    expect(out.n).toBe(1)
    expect(out.nil).toBeNull()
    expect(out.err).toEqual({ name: 'Error', message: `failed with ${REDACTED}` })
  })

  it('survives cycles', () => {
    const a: Record<string, unknown> = { s: SECRET }
    a.self = a
    const out = redactDeep(a, [SECRET]) as Record<string, unknown>
    expect(out.s).toBe(REDACTED)
    expect(out.self).toBe(out)
  })
})
