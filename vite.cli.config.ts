import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { defineConfig, type Plugin } from 'vite'

const pkg = JSON.parse(readFileSync(resolve(__dirname, 'package.json'), 'utf8')) as { version: string }

/**
 * The CLI as one self-contained ESM file for Node: dependencies are bundled so that start-up loads one
 * module instead of resolving dozens (it is most of a check run's cost on loopback).
 */
/**
 * node-postgres probes for Cloudflare Workers when it loads by constructing a `Response`, which makes
 * Node load its whole fetch implementation (undici): tens of milliseconds on every CLI start. The CLI
 * only runs under Node, so the probe is answered at build time.
 */
const nodeOnlyPg: Plugin = {
  name: 'klairr:node-only-pg',
  transform(code, id) {
    if (!id.replace(/\\/g, '/').endsWith('/pg/lib/stream.js')) return null
    const patched = code.replace(
      'function isCloudflareRuntime() {',
      'function isCloudflareRuntime() {\n  return false',
    )
    if (patched === code) this.error('pg/lib/stream.js changed: update the klairr:node-only-pg patch')
    return { code: patched, map: null }
  },
}

/**
 * One bundle per command (`check.cjs`, `query.cjs`, …, built from src-main/cli/entries/) and a general
 * one (`klairr-companion.cjs`: help, version, unknown names). bin/klairr-companion.cjs loads only the
 * command's own bundle: `check` no longer reads and compiles the guard, the export schema or `serve`'s
 * contract and handlers, which cost it about 10 ms of start-up. scripts/build-cli.mjs builds them all:
 * the mode names the command, and its entry is src-main/cli/entries/<mode>.ts.
 */
export default defineConfig(({ mode }) => {
  const command = existsSync(resolve(__dirname, 'src-main/cli/entries', `${mode}.ts`)) ? mode : null
  const entry = command
    ? { source: `src-main/cli/entries/${command}.ts`, file: `${command}.cjs` }
    : { source: 'src-main/cli/index.ts', file: 'klairr-companion.cjs' }
  return {
    plugins: [nodeOnlyPg],
    define: { __APP_VERSION__: JSON.stringify(pkg.version) },
    build: {
      ssr: resolve(__dirname, entry.source),
      outDir: resolve(__dirname, 'out/cli'),
      // The general bundle is built first and empties the folder; the commands' builds keep it.
      emptyOutDir: command === null,
      target: 'node20',
      minify: true,
      sourcemap: false,
      rollupOptions: {
        // libpg-query finds its .wasm beside its own files: loaded from node_modules, not bundled.
        external: ['pg-native', 'pg-cloudflare', 'libpg-query'],
        // CommonJS: Node's ESM facade for a built-in reads every export, e.g. parses the whole CA store for tls.
        output: {
          format: 'cjs',
          entryFileNames: entry.file,
          codeSplitting: false,
          // The launcher runs the bundle through vm.Script, which has no import(): require instead.
          dynamicImportInCjs: false,
        },
      },
    },
    ssr: { noExternal: true, target: 'node' },
  }
})
