#!/usr/bin/env node
'use strict'
// Loads the CLI bundle with a V8 code cache beside it, so repeated runs skip most JavaScript compilation
// (Node 20 has no built-in compile cache for this). The cache is keyed by the bundle's size and mtime and
// the command, written after the command's first run, and ignored whenever anything about it does not match.
const fs = require('node:fs')
const path = require('node:path')
const vm = require('node:vm')
const Module = require('node:module')

const file = path.join(__dirname, '..', 'out', 'cli', 'klairr-companion.cjs')
let stat
try {
  stat = fs.statSync(file)
} catch {
  process.stderr.write('klairr-companion: not built yet: run "npm run build:cli" in the project folder\n')
  process.exit(2)
}
// One cache per command: each holds the functions its own first run compiled.
const command = /^[a-z-]+$/.test(process.argv[2] ?? '') ? process.argv[2] : 'other'
const cacheFile = `${file}.${stat.size}-${Math.trunc(stat.mtimeMs)}.${command}.v8cache`
let cachedData
try {
  cachedData = fs.readFileSync(cacheFile)
} catch {
  cachedData = undefined
}
const script = new vm.Script(Module.wrap(fs.readFileSync(file, 'utf8')), {
  filename: file,
  cachedData,
})
if (!cachedData || script.cachedDataRejected) {
  process.once('exit', () => {
    try {
      fs.writeFileSync(cacheFile, script.createCachedData())
    } catch {
      // A read-only install: run without a cache.
    }
  })
}
const mod = new Module(file, module)
mod.filename = file
mod.paths = Module._nodeModulePaths(path.dirname(file))
script
  .runInThisContext()
  .call(mod.exports, mod.exports, (id) => mod.require(id), mod, file, path.dirname(file))
