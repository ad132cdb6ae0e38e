import Ajv from 'ajv'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'

const require = createRequire(import.meta.url)
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  build: Record<string, unknown> & {
    linux: { target: string[] }
    mac: { target: string[] }
    win: { target: string[] }
    files: string[]
  }
  dependencies: Record<string, string>
}

describe('electron-builder configuration (packaging itself needs a networked machine)', () => {
  it('is valid against electron-builder’s own schema', () => {
    const schema = require('app-builder-lib/scheme.json') as object
    const ajv = new Ajv({ strict: false, allErrors: true })
    const validate = ajv.compile(schema)
    expect(validate(pkg.build), JSON.stringify(validate.errors)).toBe(true)
  })

  it('builds AppImage and deb, dmg, and nsis, from the built app only', () => {
    expect(pkg.build.linux.target).toEqual(['AppImage', 'deb'])
    expect(pkg.build.mac.target).toEqual(['dmg'])
    expect(pkg.build.win.target).toEqual(['nsis'])
    expect(pkg.build.files).toEqual(['out/main/**', 'out/preload/**', 'out/renderer/**', 'package.json'])
  })

  it('ships no renderer-only library as a runtime dependency (they are bundled into the renderer)', () => {
    for (const name of ['react', 'react-dom', '@tanstack/react-virtual'])
      expect(pkg.dependencies).not.toHaveProperty(name)
  })
})
