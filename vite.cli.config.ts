import { readFileSync } from 'node:fs'
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
 * Two bundles: the commands (`klairr-companion.cjs`) and, on its own, `serve` (`serve.cjs`: the contract,
 * zod, the handlers and the settings store), which the CLI loads only for that command. In one file,
 * its size alone cost every other command about 15 ms of start-up.
 */
const ENTRIES = {
  cli: { source: 'src-main/cli/index.ts', file: 'klairr-companion.cjs' },
  serve: { source: 'src-main/cli/serve-command.ts', file: 'serve.cjs' },
} as const

export default defineConfig(({ mode }) => {
  const entry = mode === 'serve' ? ENTRIES.serve : ENTRIES.cli
  return {
    plugins: [nodeOnlyPg],
    define: { __APP_VERSION__: JSON.stringify(pkg.version) },
    build: {
      ssr: resolve(__dirname, entry.source),
      outDir: resolve(__dirname, 'out/cli'),
      // The serve build runs second and must keep the first's file.
      emptyOutDir: mode !== 'serve',
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
