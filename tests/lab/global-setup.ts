import { join } from 'node:path'
import type { TestProject } from 'vitest/node'
import { startFakes } from './fakes.js'
import { Lab, type LabManifest, type Variant } from './lab.js'
import { LabError } from './lab-error.js'
import { startPgBouncers, type RunningPooler } from './pgbouncer.js'

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
  versions: Record<string, LabManifest>
  fakes: { hungPort: number; sshPort: number; httpPort: number; closedPort: number }
  caCert: string
}

declare module 'vitest' {
  export interface ProvidedContext {
    lab: LabContext
  }
}

/** Starts PostgreSQL 12 and 18 in every state the product recognises, plus 11, PgBouncer in front of 18, and the fake peers. */
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
    const [v12, v18, v11] = await Promise.all([
      lab.startVersion(12, ALL_VARIANTS),
      lab.startVersion(18, ALL_VARIANTS),
      lab.startVersion(11, ['main']),
    ])
    poolers = await startPgBouncers(lab.server(18, 'main'), lab.certs, join(lab.root, 'pgbouncer'))
    for (const p of poolers) v18.ports[p.name] = p.port
    project.provide('lab', {
      versions: { '11': v11, '12': v12, '18': v18 },
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
