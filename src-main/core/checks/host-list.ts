import type { ConnectionSettings, HostTarget } from '../connection/settings.js'
import type { ReasonCode } from './types.js'

/** The settings' fields that name the hosts to try. */
type HostFields = Pick<ConnectionSettings, 'host' | 'port' | 'hostaddr' | 'moreHosts' | 'loadBalanceHosts'>

/** One host of `host=a,b` as the network check's evidence lists it (`hostsTried`). */
export interface HostTried {
  host: string
  port: number
  hostaddr?: string
  /** `judged`; `session_mismatch` (target_session_attrs); or the reason its connection failed. */
  outcome: 'judged' | 'session_mismatch' | ReasonCode
  detail: string
}

/**
 * The hosts to try, in libpq's order: host/port first, then the others; with load_balance_hosts=random a
 * random order (fe-connect.c shuffles the host list with Fisher–Yates).
 */
export function hostTargets(settings: HostFields, random: () => number = Math.random): HostTarget[] {
  const first: HostTarget = {
    host: settings.host,
    port: settings.port,
    ...(settings.hostaddr ? { hostaddr: settings.hostaddr } : {}),
  }
  const all = [first, ...(settings.moreHosts ?? [])]
  if (settings.loadBalanceHosts)
    for (let i = all.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1))
      ;[all[i], all[j]] = [all[j]!, all[i]!]
    }
  return all
}

/** The settings for one host: its name, port and hostaddr in place of the first host's. */
export function settingsFor<S extends HostFields>(settings: S, target: HostTarget): S {
  const { hostaddr: _hostaddr, ...rest } = settings
  return {
    ...rest,
    host: target.host,
    port: target.port,
    ...(target.hostaddr ? { hostaddr: target.hostaddr } : {}),
  } as S
}

/** `host:port`, with brackets for an IPv6 literal. */
export function hostPort(t: { host: string; port: number }): string {
  return `${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}`
}

/**
 * Whether libpq goes on to the next host after this failure: when the server could not be reached or
 * did not answer in time (connect_timeout). A failure once a PostgreSQL server answered (TLS, the login)
 * ends the attempt, as libpq's docs say: "If a connection is established successfully, but authentication
 * fails, the remaining hosts in the list are not tried."
 */
export function triesNextHost(reason: ReasonCode | null): boolean {
  return (
    reason === 'dns_not_found' ||
    reason === 'dns_timeout' ||
    reason === 'tcp_refused' ||
    reason === 'tcp_timeout' ||
    reason === 'tcp_unreachable' ||
    reason === 'server_timeout' ||
    reason === 'startup_timeout'
  )
}

/**
 * The settings as the host a run ended on, read from the network check's evidence: of several hosts, the
 * one judged, or else the last one tried (whose failure ended the walk). Advice names that host, not the
 * first one given; with one host, the settings as they are.
 */
export function settingsOfHostUsed<S extends HostFields>(
  settings: S,
  networkEvidence: Record<string, unknown> | undefined,
): S {
  const used = hostUsedOf(networkEvidence ?? {})
  if (!used || (used.host === settings.host && used.port === settings.port)) return settings
  const target = hostTargets(settings, () => 0).find((t) => t.host === used.host && t.port === used.port)
  return target ? settingsFor(settings, target) : settings
}

function hostUsedOf(evidence: Record<string, unknown>): { host: string; port: number } | null {
  const tried = evidence.hostsTried as unknown[] | undefined
  const used = (evidence.judgedHost ?? tried?.[tried.length - 1]) as
    { host?: unknown; port?: unknown } | null | undefined
  return used && typeof used.host === 'string' && typeof used.port === 'number'
    ? { host: used.host, port: used.port }
    : null
}
