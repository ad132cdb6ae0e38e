import type { AppEvent } from '../../src-main/contract/index.js'
import { createHandlers, type HandlerDeps } from '../../src-main/handlers/create-handlers.js'
import type { Handlers } from '../../src-main/handlers/dispatch.js'
import { ConnectorRecords } from '../../src-main/core/records/connector-records.js'
import { memoryVault } from '../../src-main/core/secrets/vault.js'

/** The real handlers over in-memory records and vault, with every call and event recorded. */
export function testHandlers(over: Partial<HandlerDeps> = {}) {
  let stored: unknown
  const records = new ConnectorRecords({
    get: () => stored,
    set: (_k, v) => void (stored = structuredClone(v)),
  })
  const vault = memoryVault()
  const events: AppEvent[] = []
  const calls: string[] = []
  const real = createHandlers({
    records,
    vault: Promise.resolve({ vault, warning: null, basicTextConsent: 'not_needed' as const }),
    emit: (e) => events.push(e),
    tool: 'klairr-companion/test',
    user: 'tester',
    ...over,
  })
  const handlers = Object.fromEntries(
    Object.entries(real).map(([name, fn]) => [
      name,
      (request: unknown) => {
        calls.push(name)
        return (fn as (r: unknown) => unknown)(request)
      },
    ]),
  ) as unknown as Handlers & { shutdown(): void }
  return { handlers, records, vault, events, calls, stored: () => stored }
}
