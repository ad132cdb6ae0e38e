#!/usr/bin/env node
// The CLI is built by `npm run build:cli` (run by `npm install`'s prepare step) into one bundle.
import { existsSync } from 'node:fs'
const bundle = new URL('../out/cli/klairr-companion.mjs', import.meta.url)
if (!existsSync(bundle)) {
  process.stderr.write('klairr-companion: not built yet: run "npm run build:cli" in the project folder\n')
  process.exit(2)
}
await import(bundle.href)
