import type { Socket } from 'node:net'
import { classifyAddress, describeMismatch, type AddressReport } from '../diagnosis/address-class.js'
import {
  askForTls,
  NotPostgresError,
  openTcp,
  resolveHost,
  type Address,
  type SslAnswer,
} from '../connection/transport.js'
import { CancelledError, StepTimeoutError } from '../time.js'
import { boundText, stageBound, type RunContext } from './context.js'
import { isIP } from 'node:net'
import { checkResult } from './result.js'
import { timed } from './stages.js'
import type { CheckResult, ReasonCode } from './types.js'

export interface NetworkOutcome {
  result: CheckResult
  report: AddressReport
  /** Open and answered, ready for TLS or startup; null when the check failed. */
  socket: Socket | null
  /** The answer to SSLRequest; `direct` when sslnegotiation=direct sent none (TLS starts at once). */
  sslAnswer: SslAnswer | 'direct' | null
}

const TCP_REASONS: Record<string, ReasonCode> = {
  ECONNREFUSED: 'tcp_refused',
  EHOSTUNREACH: 'tcp_unreachable',
  ENETUNREACH: 'tcp_unreachable',
  EADDRNOTAVAIL: 'tcp_unreachable',
  ETIMEDOUT: 'tcp_timeout',
}

/** DNS, then TCP to each address in turn (as libpq does), then the SSLRequest that proves the peer is PostgreSQL. */
export async function runNetwork(ctx: RunContext): Promise<NetworkOutcome> {
  const { host, port, privateNetwork, hostaddr } = ctx.settings
  const started = ctx.now()
  const report: AddressReport = {
    host,
    port,
    addresses: [],
    connectedAddress: null,
    privateNetwork,
    mismatch: null,
  }
  const fail = (
    reason: ReasonCode,
    summary: string,
    evidence: Record<string, unknown> = {},
  ): NetworkOutcome => ({
    result: checkResult('network', started, ctx.now(), 'fail', summary, {
      reason,
      troubleshooting: 'connection_refused',
      evidence: { ...evidence, addresses: report.addresses },
    }),
    report,
    socket: null,
    sslAnswer: null,
  })

  // hostaddr is dialled without DNS; host stays the name TLS verifies and sends as SNI (libpq's hostaddr).
  const named = hostaddr ? { hostaddr, verifiedName: host } : {}
  if (hostaddr && !isIP(hostaddr))
    return fail('dns_not_found', `hostaddr ${hostaddr} is not a numeric IP address.`, named)
  let addresses: Address[]
  try {
    addresses = await timed(
      ctx.stages,
      'network',
      'dns',
      resolveHost(hostaddr ?? host, ctx.timeouts.dns, ctx.signal),
    )
  } catch (e) {
    if (e instanceof CancelledError) throw e
    if (e instanceof StepTimeoutError || (e as NodeJS.ErrnoException).code === 'EAI_AGAIN')
      return fail('dns_timeout', `DNS did not answer for ${host} within ${ctx.timeouts.dns} ms.`)
    return fail(
      'dns_not_found',
      `${host} does not resolve (${(e as NodeJS.ErrnoException).code ?? 'no address'}).`,
    )
  }
  report.addresses = addresses.map((a) => ({ ...a, class: classifyAddress(a.address) }))
  report.mismatch = describeMismatch(report.addresses, privateNetwork)

  let socket: Socket | null = null
  let lastReason: ReasonCode = 'tcp_unreachable'
  let lastDetail = ''
  for (const a of addresses) {
    try {
      const tcp = openTcp(a.address, port, stageBound(ctx, 'tcp'), ctx.signal, ctx.settings.keepalives)
      socket = await timed(ctx.stages, 'network', 'tcp connect', tcp)
      report.connectedAddress = a.address
      break
    } catch (e) {
      if (e instanceof CancelledError) throw e
      const code =
        e instanceof StepTimeoutError ? 'ETIMEDOUT' : ((e as NodeJS.ErrnoException).code ?? 'unknown')
      lastReason = TCP_REASONS[code] ?? 'tcp_unreachable'
      lastDetail = `${a.address}:${port}: ${code === 'ETIMEDOUT' ? `no answer within ${boundText(ctx, 'tcp')}` : code}`
    }
  }
  if (!socket) {
    const verb =
      lastReason === 'tcp_refused'
        ? 'refused the connection'
        : lastReason === 'tcp_timeout'
          ? 'did not accept within the bound'
          : 'is unreachable'
    return fail(lastReason, `${host}:${port} ${verb} (${lastDetail}).`, {
      ...named,
      tried: addresses.map((a) => a.address),
    })
  }

  const dialledText = hostaddr
    ? `${host} (hostaddr ${hostaddr}, no DNS)`
    : `${host} → ${addresses.map((a) => a.address).join(', ')}`
  const passed = (what: string, answer: SslAnswer | 'direct', evidence: Record<string, unknown>) => ({
    result: checkResult(
      'network',
      started,
      ctx.now(),
      report.mismatch ? 'warn' : 'pass',
      `${dialledText}; port ${port} ${what}${report.mismatch ? `; ${report.mismatch}` : '.'}`,
      {
        reason: report.mismatch ? 'address_class_mismatch' : null,
        troubleshooting: report.mismatch ? 'connection_refused' : null,
        evidence: {
          ...named,
          addresses: report.addresses,
          connectedAddress: report.connectedAddress,
          ...evidence,
          mismatch: report.mismatch,
        },
      },
    ),
    report,
    socket,
    sslAnswer: answer,
  })
  if (ctx.settings.sslNegotiation === 'direct')
    // No SSLRequest: the TLS check's handshake is the first thing sent, and proves the peer is PostgreSQL 17+.
    return passed(
      'accepted the connection (sslnegotiation=direct: TLS starts at once, without SSLRequest)',
      'direct',
      { sslNegotiation: 'direct' },
    )

  let sslAnswer: SslAnswer
  try {
    sslAnswer = await timed(
      ctx.stages,
      'network',
      'sslrequest',
      askForTls(socket, stageBound(ctx, 'startup'), ctx.signal),
    )
  } catch (e) {
    socket.destroy()
    if (e instanceof CancelledError) throw e
    if (e instanceof StepTimeoutError)
      return fail(
        'server_timeout',
        `${host}:${port} accepted the connection but did not answer PostgreSQL's SSLRequest within ${boundText(ctx, 'startup')}.`,
        named,
      )
    const first = e instanceof NotPostgresError ? e.firstBytes : ''
    return fail(
      'not_postgres',
      `${host}:${port} accepted the connection but does not speak PostgreSQL${first ? ` (it answered ${JSON.stringify(first)})` : ' (it closed the connection)'}.`,
      { ...named, answer: first },
    )
  }
  return passed('answered as PostgreSQL', sslAnswer, { serverOffersTls: sslAnswer === 'S' })
}
