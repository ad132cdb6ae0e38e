import { readFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'

const OUT = new URL('../../out/renderer/', import.meta.url)
const BUDGET = 300 * 1024

describe('the build', () => {
  it('loads at most 300 KB of JavaScript, gzip, before the first screen', () => {
    const html = readFileSync(new URL('index.html', OUT), 'utf8')
    // What the page loads at once: its module scripts and the chunks it preloads.
    const files = [
      ...html.matchAll(/<(?:script[^>]+src|link[^>]+rel="modulepreload"[^>]+href)="\.?\/?([^"]+\.js)"/g),
    ].map((m) => m[1]!)
    expect(files.length).toBeGreaterThan(0)
    const gzip = files.reduce((sum, f) => sum + gzipSync(readFileSync(new URL(f, OUT))).length, 0)
    console.log(
      `[bundle] initial renderer JavaScript: ${files.length} file(s), ${(gzip / 1024).toFixed(1)} KB gzip (budget 300 KB)`,
    )
    expect(gzip).toBeLessThanOrEqual(BUDGET)
  })

  it('the preload is one CommonJS file that requires nothing but electron (a sandboxed preload can load no more)', () => {
    const preload = readFileSync(new URL('../preload/index.cjs', OUT), 'utf8')
    const required = [...preload.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1])
    expect(required).toEqual(['electron'])
    expect(preload).not.toMatch(/\bimport\s/)
  })
})
