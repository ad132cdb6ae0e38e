import type { CheckReport } from '../checks/types.js'

/**
 * The run as `check --json` prints it and as the JSON report is saved: `{ verdict, checks, server, tls,
 * network, timings }` (setup-tests.md), indented. The caller sweeps it with the run's secrets.
 */
export function reportJson(report: CheckReport): string {
  const { verdict, checks, server, tls, network, timings } = report
  return JSON.stringify({ verdict, checks, server, tls, network, timings }, null, 2)
}
