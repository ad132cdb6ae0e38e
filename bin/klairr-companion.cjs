#!/usr/bin/env node
'use strict'
// Loads the command's bundle with a V8 code cache beside it, so repeated runs skip most JavaScript
// compilation (Node 20 has no built-in compile cache for this). The cache is keyed by the bundle's size
// and mtime, written after its first run, and ignored whenever anything about it does not match.
const fs = require('node:fs')
const path = require('node:path')
const vm = require('node:vm')
const Module = require('node:module')

// Each command is its own bundle (out/cli/<command>.cjs), so a command reads and compiles only its own
// code; anything else (help, --version, an unknown name) goes to the general bundle.
const dir = path.join(__dirname, '..', 'out', 'cli')
const command = /^[a-z][a-z-]*$/.test(process.argv[2] ?? '') ? process.argv[2] : null
let file
let stat
for (const candidate of [
  command && path.join(dir, `${command}.cjs`),
  path.join(dir, 'klairr-companion.cjs'),
]) {
  if (!candidate) continue
  try {
    stat = fs.statSync(candidate)
    file = candidate
    break
  } catch {
    // Not a command (or not built): the general bundle answers.
  }
}
if (!file) {
  process.stderr.write('klairr-companion: not built yet: run "npm run build:cli" in the project folder\n')
  process.exit(2)
}
const cacheFile = `${file}.${stat.size}-${Math.trunc(stat.mtimeMs)}.v8cache`
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
