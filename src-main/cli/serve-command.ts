import Conf from 'conf'
import { existsSync } from 'node:fs'
import { userInfo } from 'node:os'
import { join, resolve } from 'node:path'
import { createHandlers } from '../handlers/create-handlers.js'
import { ConnectorRecords } from '../core/records/connector-records.js'
import { memoryVault } from '../core/secrets/vault.js'
import { startServe } from '../serve/server.js'
import type { Io } from './io.js'
import { HELP_OPTION, parseOrExit, type CommandSpec } from './command-spec.js'
import { wholeNumber } from './parse-args.js'
import { UsageError } from './usage-error.js'

const OPTIONS = [
  { flag: 'port', type: 'string', argName: 'N', help: 'the port (default 0: any free port)' },
  {
    flag: 'data-dir',
    type: 'string',
    argName: 'DIR',
    help: 'where saved connectors are kept (default: your user configuration folder, as the desktop app)',
  },
  HELP_OPTION,
] as const

export const SERVE: CommandSpec<typeof OPTIONS> = {
  name: 'serve',
  usage: '[--port N] [--data-dir DIR]',
  description: [
    "Serves the desktop app's screens to a browser on this machine, with the same checks, guard and export as the app. For a jump host without a desktop: forward the port over SSH (ssh -L 7000:127.0.0.1:7000 jump-host) and open the printed URL on your machine.",
    "It listens on 127.0.0.1 only. The URL holds a one-time token (after the #, never sent over the network): the first tab that opens it gets this server's only session, kept in that tab, and the URL is then dead. No cookie is set. Requests without the session, from another host name or another site's page are refused. To start over in a new tab, stop serve and start it again.",
  ],
  options: OPTIONS,
  notes: [
    'Passwords typed in the browser stay in this process’s memory and are gone when it stops. Stop it with Ctrl-C.',
  ],
  examples: [
    { command: 'klairr-companion serve', says: 'any free port; open the printed URL once' },
    {
      command: 'klairr-companion serve --port 7000 --data-dir ./connectors',
      says: 'a fixed port to forward over SSH, connectors kept in ./connectors',
    },
  ],
  exitStatus: '0 stopped, 2 bad input or the port cannot be used.',
}

declare const __APP_VERSION__: string

/** The built renderer beside the CLI bundle (out/cli → out/renderer); KLAIRR_RENDERER_DIR overrides it. */
function rendererDir(env: NodeJS.ProcessEnv): string {
  return resolve(env.KLAIRR_RENDERER_DIR ?? join(__dirname, '..', 'renderer'))
}

/** `klairr-companion serve`: runs until SIGINT or SIGTERM, then returns 0. */
export async function serveCommand(io: Io): Promise<number> {
  const parsed = await parseOrExit(io, SERVE, ({ values, positionals }) => {
    if (positionals.length) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`)
    return {
      port: values.port === undefined ? 0 : wholeNumber('--port', values.port, 0, 65535),
      dataDir: values['data-dir'],
    }
  })
  if (typeof parsed === 'number') return parsed
  const { port, dataDir } = parsed
  const root = rendererDir(io.env)
  if (!existsSync(join(root, 'index.html'))) {
    io.stderr.write(
      `klairr-companion serve: the app's screens are not built (${root}): run "npm run build"\n`,
    )
    return 2
  }
  const store = new Conf<Record<string, unknown>>({
    projectName: 'klairr-companion',
    configName: 'connectors',
    accessPropertiesByDotNotation: false,
    ...(dataDir ? { cwd: resolve(dataDir) } : {}),
  })
  const records = new ConnectorRecords({ get: (k) => store.get(k), set: (k, v) => store.set(k, v) })
  let running
  try {
    running = await startServe({
      port,
      rendererDir: root,
      handlers: (emit) =>
        createHandlers({
          records,
          vault: Promise.resolve({
            vault: memoryVault(),
            warning: 'In the browser, passwords are kept only until klairr-companion serve stops.',
            basicTextConsent: 'not_needed',
          }),
          emit,
          tool: `klairr-companion/${__APP_VERSION__}`,
          user: userInfo().username,
        }),
    })
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      io.stderr.write(
        `klairr-companion serve: cannot listen on 127.0.0.1:${port} (${code === 'EADDRINUSE' ? 'in use' : 'not allowed'}); try --port 0\n`,
      )
      return 2
    }
    throw e
  }
  io.stdout.write(
    `Klairr Companion is running. Open this URL in a browser on this machine (it works once, in one tab):\n\n  ${running.url}\n\nSaved connectors: ${store.path}\nPress Ctrl-C to stop.\n`,
  )
  await new Promise<void>((done) => {
    process.once('SIGINT', done)
    process.once('SIGTERM', done)
  })
  await running.close()
  io.stdout.write('Stopped.\n')
  return 0
}
