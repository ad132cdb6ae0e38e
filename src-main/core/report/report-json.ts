import type { CheckReport } from '../checks/types.js'

/**
 * The run as `check --json` prints it and as the JSON report is saved: `{ verdict, checks, server, tls,
 * network }` (setup-tests.md), indented. The caller sweeps it with the run's secrets.
 */
export function reportJson(report: CheckReport): string {
  const { verdict, checks, server, tls, network } = report
  return JSON.stringify({ verdict, checks, server, tls, network }, null, 2)
}
