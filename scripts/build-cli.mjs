// Builds the CLI's bundles in one process: the general one first (it empties out/cli), then one per
// command, one for each entry in src-main/cli/entries/ (see vite.cli.config.ts).
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { build } from 'vite'

const root = join(import.meta.dirname, '..')
const commands = readdirSync(join(root, 'src-main/cli/entries')).map((f) => f.replace(/\.ts$/, ''))
const logLevel = process.argv.includes('--quiet') ? 'warn' : 'info'
for (const mode of ['production', ...commands]) {
  await build({ root, configFile: join(root, 'vite.cli.config.ts'), mode, logLevel })
}
