import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import react from '@vitejs/plugin-react'
import pkg from './package.json'

// Explicit entries: the design card's folders are not electron-vite's defaults.
export default defineConfig({
  main: {
    define: { __APP_VERSION__: JSON.stringify(pkg.version) },
    build: {
      outDir: resolve(__dirname, 'out/main'),
      lib: { entry: resolve(__dirname, 'src-main/index.ts') },
    },
  },
  preload: {
    build: {
      outDir: resolve(__dirname, 'out/preload'),
      // A sandboxed preload must be one CommonJS file.
      externalizeDeps: false,
      lib: { entry: resolve(__dirname, 'src-preload/index.ts'), formats: ['cjs'] },
      rollupOptions: { output: { entryFileNames: '[name].cjs' } },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src-renderer'),
    plugins: [react()],
    build: {
      outDir: resolve(__dirname, 'out/renderer'),
      minify: true,
      rollupOptions: { input: resolve(__dirname, 'src-renderer/index.html') },
    },
  },
})
