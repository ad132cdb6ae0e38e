import { describe, expect, it } from 'vitest'
import {
  formatAllowedFunction,
  MAX_ALLOWED_FUNCTIONS,
  parseAllowedFunction,
  parseAllowedFunctions,
} from '../../src-main/core/sql/allowed-functions.js'

const long = (n: number) => 'a'.repeat(n)

describe('parseAllowedFunction: what PostgreSQL would store', () => {
  it.each([
    ['public.my_fn', 'public', 'my_fn'],
    ['Public.My_Fn', 'public', 'my_fn'],
    ['PUBLIC.MY_FN', 'public', 'my_fn'],
    ['analytics.f$1', 'analytics', 'f$1'],
    ['_s._f', '_s', '_f'],
    ['  public . my_fn  ', 'public', 'my_fn'],
    ['\tpublic\n.\nmy_fn', 'public', 'my_fn'],
    ['"Public"."My_Fn"', 'Public', 'My_Fn'],
    ['"my schema"."my fn"', 'my schema', 'my fn'],
    ['"a.b".c', 'a.b', 'c'],
    ['"say ""hi"""."x"', 'say "hi"', 'x'],
    ['public."select"', 'public', 'select'],
    ['public.select', 'public', 'select'],
    ['"select".f', 'select', 'f'],
    ['Public."MixedCase"', 'public', 'MixedCase'],
    ['Ünïcode.Fünktion', 'Ünïcode', 'fünktion'],
    ['"日本".関数', '日本', '関数'],
    [`${long(63)}.${long(63)}`, long(63), long(63)],
    [`"${'é'.repeat(31)}".f`, 'é'.repeat(31), 'f'],
    // Outside ASCII, PostgreSQL's lexer takes every character as part of a name, spaces that look alike too.
    ['public.\u00a0f', 'public', '\u00a0f'],
    ['public.\u200bf', 'public', '\u200bf'],
  ])('%j → %j . %j', (text, schema, name) => {
    expect(parseAllowedFunction(text)).toEqual({ ok: true, value: { schema, name } })
  })

  it.each([
    ['', /empty/],
    ['   ', /empty/],
    ['my_fn', /schema is missing/],
    ['"My.Fn"', /schema is missing/],
    ['db.public.my_fn', /3 parts where two are expected/],
    ['a.b.c.d', /4 parts/],
    ['public.', /missing a name after "."/],
    ['.my_fn', /missing the schema before "."/],
    ['public..my_fn', /missing a name after "."/],
    ['public.my_fn()', /without arguments/],
    ['public.my_fn(integer)', /without arguments/],
    ['public.my-fn', /unexpected "-" at position 10/],
    ['public.my fn', /unexpected "f" at position 11/],
    ['public.1fn', /cannot start with "1"/],
    ['public.$fn', /cannot start with "\$"/],
    ['public.""', /quoted name cannot be empty/],
    ['"public.my_fn', /never closed/],
    ['public."my_fn', /position 8 is never closed/],
    ['U&"d\\0061t".f', /U& escapes/],
    ['public.u&"x"', /U& escapes/],
    ['public.my_fn;', /unexpected ";"/],
    ['public.my_fn -- comment', /unexpected "-"/],
    ['public.my_fn\u0000', /control character U\+0000/],
    ['"pub\nlic".f', /control character U\+000A/],
    ['"pub\tlic".f', /control character U\+0009/],
    ['public."f\u009b"', /control character U\+009B/],
    ['public.f\u202e', /bidirectional control character U\+202E/],
    ['"public\u2066".f', /bidirectional control character U\+2066/],
    ['public.f\ud800', /not well-formed Unicode/],
    ['public.\udc00f', /not well-formed Unicode/],
    [`${long(64)}.f`, /64 bytes is too long/],
    [`public.${long(64)}`, /64 bytes is too long/],
    [`"${'é'.repeat(32)}".f`, /64 bytes is too long/],
    [`public.${long(1000)}`, /too long/],
  ])('refuses %j with one clear line', (text, message) => {
    const r = parseAllowedFunction(text)
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.message).toMatch(message)
    expect(r.message).not.toMatch(/\n/)
    expect(r.message.length).toBeLessThan(200)
  })
})

describe('formatAllowedFunction', () => {
  it.each([
    [{ schema: 'public', name: 'my_fn' }, 'public.my_fn'],
    [{ schema: 'analytics', name: 'f$1' }, 'analytics.f$1'],
    [{ schema: 'Public', name: 'My_Fn' }, '"Public"."My_Fn"'],
    [{ schema: 'my schema', name: 'say "hi"' }, '"my schema"."say ""hi"""'],
    [{ schema: 'public', name: 'select' }, 'public."select"'],
    [{ schema: 'a.b', name: 'c' }, '"a.b".c'],
    [{ schema: '日本', name: '関数' }, '"日本"."関数"'],
    [{ schema: '1st', name: '$x' }, '"1st"."$x"'],
  ])('%j → %s, which reads back to the same function', (f, text) => {
    expect(formatAllowedFunction(f)).toBe(text)
    expect(parseAllowedFunction(text)).toEqual({ ok: true, value: f })
  })
})

describe('parseAllowedFunctions', () => {
  it('keeps each function once, however it was spelled, in first-seen order', () => {
    expect(parseAllowedFunctions(['Public.F', 'x.g', 'public.f', '"public"."f"'])).toEqual({
      ok: true,
      value: [
        { schema: 'public', name: 'f' },
        { schema: 'x', name: 'g' },
      ],
    })
  })

  it('says which entry is malformed', () => {
    expect(parseAllowedFunctions(['public.f', 'nope'])).toMatchObject({
      ok: false,
      index: 1,
      message: expect.stringMatching(/schema is missing/),
    })
  })

  it(`refuses more than ${MAX_ALLOWED_FUNCTIONS}`, () => {
    const many = Array.from({ length: MAX_ALLOWED_FUNCTIONS + 1 }, (_, i) => `public.f${i}`)
    expect(parseAllowedFunctions(many.slice(0, -1)).ok).toBe(true)
    expect(parseAllowedFunctions(many)).toMatchObject({ ok: false, message: /at most 100/ })
  })
})
