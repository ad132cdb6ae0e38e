// @ts-check
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

/** Electron stays at the edges: these folders must run under plain Node (CLI, tests, the serve bridge). */
const plainNodeFolders = [
  'src-main/core/**',
  'src-main/cli/**',
  'src-main/contract/**',
  'src-main/handlers/**',
  'src-main/serve/**',
]

export default tseslint.config(
  { ignores: ['out/**', 'node_modules/**', '.lab/**', '.scratch/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The CommonJS launcher: plain Node globals, require by design.
    files: ['bin/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', __dirname: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Raw IPC lives in two files: the preload (the typed API) and main's wiring (the one bound channel).
    // Before the plain-Node block, which bans electron outright in its folders and so wins there.
    files: ['src-main/**', 'src-renderer/**'],
    ignores: ['src-main/index.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'electron',
              importNames: ['ipcMain', 'ipcRenderer'],
              message: 'Use the contract: bindIpc in src-main/ipc.ts, the preload API in the renderer.',
            },
          ],
        },
      ],
    },
  },
  {
    files: plainNodeFolders,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'electron',
              message: 'core/, cli/ and contract/ run under plain Node: keep electron out.',
            },
          ],
          patterns: [{ group: ['electron/*'], message: 'core/, cli/ and contract/ run under plain Node.' }],
        },
      ],
    },
  },
)
