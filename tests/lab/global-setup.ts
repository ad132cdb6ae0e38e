import { join } from 'node:path'
import type { TestProject } from 'vitest/node'
import { startFakes } from './fakes.js'
import { Lab, type LabManifest, type Variant } from './lab.js'
import { LabError } from './lab-error.js'
import { startPgBouncers, type RunningPooler } from './pgbouncer.js'
import { MAIN_ONLY_MAJORS, SUPPORTED_MAJORS, UNSUPPORTED_MAJOR } from './server.js'

export const ALL_VARIANTS: Variant[] = [
  'main',
  'audit',
  'standby',
  'wrongHost',
  'expired',
  'notYetValid',
  'selfSigned',
  'noTls',
  'oldTls',
]

export interface LabContext {
  /** By major: 12 and 18 with every variant, 11 and 13 to 17 with `main` only. */
  versions: Record<string, LabManifest>
  fakes: { hungPort: number; sshPort: number; httpPort: number; closedPort: number }
  caCert: string
}

declare module 'vitest' {
  export interface ProvidedContext {
    lab: LabContext
  }
}

/**
 * Starts PostgreSQL 12 and 18 in every state the product recognises, 13 to 17 and the unsupported 11 with
 * `main` only, all at once, plus PgBouncer in front of 18 and the fake peers.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  try {
    return await startLab(project)
  } catch (e) {
    // What to do fits one line: vitest shows it without a stack of the lab's internals.
    if (e instanceof LabError) e.stack = `${e.name}: ${e.message}`
    throw e
  }
}

async function startLab(project: TestProject): Promise<() => Promise<void>> {
  const lab = Lab.create()
  const fakes = await startFakes()
  let poolers: RunningPooler[] = []
  try {
    const started = await Promise.all([
      ...SUPPORTED_MAJORS.map((major) => lab.startVersion(major, ALL_VARIANTS)),
      ...MAIN_ONLY_MAJORS.map((major) => lab.startVersion(major, ['main'])),
      lab.startVersion(UNSUPPORTED_MAJOR, ['main']),
    ])
    const versions = Object.fromEntries(started.map((m) => [String(m.major), m]))
    poolers = await startPgBouncers(lab.server(18, 'main'), lab.certs, join(lab.root, 'pgbouncer'))
    for (const p of poolers) versions['18']!.ports[p.name] = p.port
    project.provide('lab', {
      versions,
      fakes: {
        hungPort: fakes.hungPort,
        sshPort: fakes.sshPort,
        httpPort: fakes.httpPort,
        closedPort: fakes.closedPort,
      },
      caCert: lab.certs.caCert,
    })
  } catch (e) {
    await Promise.all(poolers.map((p) => p.stop()))
    await lab.stop()
    await fakes.close()
    throw e
  }
  return async () => {
    await Promise.all(poolers.map((p) => p.stop()))
    await fakes.close()
    await lab.stop()
  }
}
