import type { Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'
import { KLAIRR_SSL_MODES, type TlsVersion } from '../connection/settings.js'
import type { SslAnswer } from '../connection/transport.js'
import {
  ClientCertError,
  CrlError,
  judgeTls,
  loadClientCertificate,
  loadCrl,
  loadTrustAnchors,
  PinMismatchError,
  RootCertError,
  upgradeToTls,
} from '../connection/tls-upgrade.js'
import type { TlsEvidence } from '../connection/tls-evidence.js'
import { CancelledError, StepTimeoutError } from '../time.js'
import { boundText, stageBound, type RunContext } from './context.js'
import { checkResult } from './result.js'
import { timed } from './stages.js'
import type { CheckResult, ReasonCode } from './types.js'

export interface TlsOutcome {
  result: CheckResult
  evidence: TlsEvidence | null
  /** The socket to start the session on: TLS when negotiated, the plain one only for diagnostic sslmodes. */
  socket: Socket | TLSSocket | null
  /** Whether later checks may run (never over plaintext unless the sslmode itself asked for it). */
  proceed: boolean
}

const VERSION_ERRORS =
  /PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL|NO_PROTOCOLS_AVAILABLE|WRONG_SSL_VERSION|VERSION_TOO_LOW/

const LEGACY_ERRORS = /LEGACY_SIGALG|NO_CIPHERS|NO_SHARED_CIPHER|INSUFFICIENT_SECURITY|HANDSHAKE_FAILURE/

export async function runTls(
  ctx: RunContext,
  socket: Socket,
  sslAnswer: SslAnswer | 'direct',
): Promise<TlsOutcome> {
  // sslnegotiation=direct: no SSLRequest was sent, the server is asked for TLS by the handshake itself.
  const direct = sslAnswer === 'direct'
  const answer: SslAnswer = direct ? 'S' : sslAnswer
  const { host, sslMode, sslRootCert } = ctx.settings
  const started = ctx.now()
  const klairrMode = KLAIRR_SSL_MODES.includes(sslMode)
  const fail = (
    reason: ReasonCode,
    summary: string,
    evidence: TlsEvidence | null,
    extra: Record<string, unknown> = {},
  ) =>
    checkResult('tls', started, ctx.now(), 'fail', summary, {
      reason,
      troubleshooting: 'tls_handshake_failed',
      evidence: { ...extra, ...(evidence ?? {}), sslMode },
    })

  const pinned = ctx.pinnedCertificateSha256
  const minVersion = ctx.settings.sslMinProtocolVersion ?? 'TLSv1.2'
  const versionEvidence = {
    sslMinProtocolVersion: minVersion,
    ...(ctx.settings.sslMaxProtocolVersion
      ? { sslMaxProtocolVersion: ctx.settings.sslMaxProtocolVersion }
      : {}),
  }
  if (direct && !klairrMode) {
    socket.destroy()
    // libpq refuses the combination before connecting (fe-connect.c, pqConnectOptions2).
    return {
      result: fail(
        'tls_disabled',
        `weak sslmode "${sslMode}" may not be used with sslnegotiation=direct (use "require", "verify-ca", or "verify-full").`,
        null,
      ),
      evidence: null,
      socket: null,
      proceed: false,
    }
  }
  // Diagnostic modes that never start TLS: the probe socket already said S or N; PostgreSQL expects the
  // handshake after S, so a plain session needs a fresh connection, which auth opens.
  if (sslMode === 'disable' || sslMode === 'allow' || (sslMode === 'prefer' && answer === 'N')) {
    socket.destroy()
    if (pinned !== undefined) {
      // A pinned connector is never tried without TLS: the pin could not be checked, and auth would
      // send the startup (and the password) in the clear to whoever answered.
      return {
        result: fail(
          'tls_disabled',
          `sslmode=${sslMode} would connect without TLS, so the connector's pinned certificate (${pinned}) could not be verified: nothing was sent to the server. Use sslmode require, verify-ca or verify-full.`,
          null,
          { serverOffersTls: answer === 'S', pinnedSha256: pinned },
        ),
        evidence: null,
        socket: null,
        proceed: false,
      }
    }
    return {
      result: fail(
        'tls_disabled',
        `sslmode=${sslMode} sends the password without TLS; Klairr requires TLS 1.2+ (sslmode require, verify-ca or verify-full). The server ${answer === 'S' ? 'does' : 'does not'} offer TLS.`,
        null,
        { serverOffersTls: answer === 'S' },
      ),
      evidence: null,
      socket: null,
      proceed: true,
    }
  }
  if (answer === 'N') {
    socket.destroy()
    return {
      result: fail(
        'tls_not_supported',
        `The server refused TLS (it answered N to SSLRequest): ssl is off in postgresql.conf.`,
        null,
        {
          serverOffersTls: false,
        },
      ),
      evidence: null,
      socket: null,
      proceed: false,
    }
  }

  const directUnsupported = (why: string): TlsOutcome => ({
    result: fail(
      'direct_tls_unsupported',
      `sslnegotiation=direct: ${why}. Direct TLS needs PostgreSQL 17 or newer; use sslnegotiation=postgres for older servers.`,
      null,
      { sslNegotiation: 'direct' },
    ),
    evidence: null,
    socket: null,
    proceed: false,
  })

  let anchors
  let client
  let crl
  try {
    anchors = await loadTrustAnchors(sslMode, sslRootCert, ctx.signal)
    client = await loadClientCertificate(ctx.settings, ctx.signal)
    crl = await loadCrl(ctx.settings.sslCrl, ctx.signal)
  } catch (e) {
    socket.destroy()
    if (e instanceof CrlError) {
      return {
        result: fail('cert_crl_unreadable', `The revocation list cannot be used: ${e.message}.`, null),
        evidence: null,
        socket: null,
        proceed: false,
      }
    }
    if (e instanceof RootCertError) {
      return {
        result: fail('cert_root_unreadable', e.message, null),
        evidence: null,
        socket: null,
        proceed: false,
      }
    }
    if (e instanceof ClientCertError) {
      // Nothing was sent: the certificate the server may require cannot be given as it stands.
      return {
        result: fail('client_cert_required', `The client certificate cannot be used: ${e.message}.`, null, {
          clientCertError: e.message,
        }),
        evidence: null,
        socket: null,
        proceed: false,
      }
    }
    throw e
  }

  let tlsSocket: TLSSocket
  try {
    const handshake = upgradeToTls(
      socket,
      host,
      anchors,
      stageBound(ctx, 'startup'),
      ctx.signal,
      pinned,
      client,
      {
        sni: ctx.settings.sslSni !== false,
        minVersion,
        maxVersion: ctx.settings.sslMaxProtocolVersion,
        crl,
        alpn: direct,
      },
    )
    tlsSocket = await timed(ctx.stages, 'tls', 'tls handshake', handshake)
  } catch (e) {
    socket.destroy()
    if (e instanceof CancelledError) throw e
    if (e instanceof PinMismatchError) {
      const evidence: TlsEvidence = {
        protocol: e.protocol,
        cipher: e.cipher,
        chain: e.chain,
        trust: anchors.trust,
        chainError: null,
        hostnameChecked: false,
      }
      return {
        result: fail(
          'cert_pin_mismatch',
          `The server presented certificate SHA-256 ${e.presented}, not the connector's pinned ${e.pinned}: the connection was closed during the TLS handshake, before the startup message or any password was sent.`,
          evidence,
          { pinnedSha256: e.pinned, presentedSha256: e.presented },
        ),
        evidence,
        socket: null,
        proceed: false,
      }
    }
    if (e instanceof StepTimeoutError) {
      return {
        result: fail(
          'tls_handshake_error',
          `The TLS handshake did not finish within ${boundText(ctx, 'startup')}.`,
          null,
        ),
        evidence: null,
        socket: null,
        proceed: false,
      }
    }
    const err = e as NodeJS.ErrnoException & { reason?: string }
    const text = `${err.code ?? ''} ${err.reason ?? ''} ${err.message}`
    // With TLSv1 or TLSv1.1 allowed, OpenSSL still refuses what those versions need (SHA-1 signatures,
    // old ciphers) at its default security level: that too is a version the two sides cannot share.
    const oldAllowed = minVersion === 'TLSv1' || minVersion === 'TLSv1.1'
    const tooOld = VERSION_ERRORS.test(text) || (oldAllowed && LEGACY_ERRORS.test(text))
    if (direct && !tooOld)
      // A server before 17 reads the ClientHello as a startup packet, and closes or answers in plain text.
      return directUnsupported(
        `the server ended the TLS handshake (${err.reason ?? err.code ?? err.message})`,
      )
    return {
      result: fail(
        tooOld ? 'tls_version_unsupported' : 'tls_handshake_error',
        tooOld
          ? noSharedVersion(minVersion, ctx.settings.sslMaxProtocolVersion)
          : `The TLS handshake failed: ${err.reason ?? err.message}.`,
        null,
        { error: err.code ?? err.message, ...versionEvidence },
      ),
      evidence: null,
      socket: null,
      proceed: false,
    }
  }

  if (direct && tlsSocket.alpnProtocol !== 'postgresql') {
    // libpq: "direct SSL connection was established without ALPN protocol negotiation extension".
    tlsSocket.destroy()
    return directUnsupported('the TLS session was established without ALPN protocol "postgresql"')
  }
  const judged = judgeTls(tlsSocket, host, sslMode, anchors)
  const what = `${judged.evidence.protocol ?? 'TLS'} (${judged.evidence.cipher ?? 'unknown cipher'})`
  if (!['TLSv1.2', 'TLSv1.3'].includes(judged.evidence.protocol ?? '')) {
    // Possible only when ssl_min_protocol_version was lowered: Klairr still requires TLS 1.2+.
    tlsSocket.destroy()
    return {
      result: fail(
        'tls_version_unsupported',
        `${what} was negotiated; Klairr requires TLS 1.2 or newer.`,
        judged.evidence,
        versionEvidence,
      ),
      evidence: judged.evidence,
      socket: null,
      proceed: false,
    }
  }
  if (!judged.ok) {
    tlsSocket.destroy()
    return {
      result: fail(
        judged.reason,
        `${what}, but ${certSentence(judged.reason, judged.detail, host)}`,
        judged.evidence,
      ),
      evidence: judged.evidence,
      socket: null,
      proceed: false,
    }
  }
  if (!klairrMode) {
    // prefer with a server that offers TLS: encrypted this time, but the mode allows plaintext.
    return {
      result: fail(
        'tls_disabled',
        `${what} was negotiated, but sslmode=prefer would fall back to plaintext; Klairr requires sslmode require, verify-ca or verify-full.`,
        judged.evidence,
      ),
      evidence: judged.evidence,
      socket: tlsSocket,
      proceed: true,
    }
  }
  const verified =
    (sslMode === 'verify-full'
      ? 'chain and host name verified'
      : anchors.trust !== 'none'
        ? 'chain verified'
        : pinned !== undefined
          ? 'chain not verified (sslmode=require)'
          : 'certificate not verified (sslmode=require)') +
    (pinned !== undefined ? ', certificate matches the pinned fingerprint' : '')
  if (judged.expired) {
    return {
      result: checkResult(
        'tls',
        started,
        ctx.now(),
        'warn',
        `${what}; ${verified}, but the server certificate has expired: verify-ca and verify-full will fail.`,
        {
          reason: 'cert_expired',
          troubleshooting: 'tls_handshake_failed',
          evidence: { ...judged.evidence, sslMode, ...(direct ? { sslNegotiation: 'direct' } : {}) },
        },
      ),
      evidence: judged.evidence,
      socket: tlsSocket,
      proceed: true,
    }
  }
  return {
    result: checkResult('tls', started, ctx.now(), 'pass', `${what}; ${verified}.`, {
      evidence: { ...judged.evidence, sslMode, ...(direct ? { sslNegotiation: 'direct' } : {}) },
    }),
    evidence: judged.evidence,
    socket: tlsSocket,
    proceed: true,
  }
}

function certSentence(reason: ReasonCode, detail: string, host: string): string {
  switch (reason) {
    case 'cert_expired':
      return 'the server certificate has expired.'
    case 'cert_not_yet_valid':
      return 'the server certificate is not valid yet (check the clocks).'
    case 'cert_revoked':
      return 'the server certificate is revoked by the revocation list (sslcrl).'
    case 'cert_hostname_mismatch':
      return `the certificate does not name "${host}" (${detail}).`
    default:
      return `the certificate chain is not trusted (${detail}).`
  }
}

/**
 * Why no TLS version was agreed, honestly: TLSv1 and TLSv1.1 exist in Node's OpenSSL but are refused at
 * its default security level, so asking for them here does not make an old server reachable.
 */
function noSharedVersion(min: TlsVersion, max: TlsVersion | undefined): string {
  const range = max ? `${min} to ${max}` : `${min} or newer`
  const old = min === 'TLSv1' || min === 'TLSv1.1'
  return `The server and this client share no TLS version: this client offered ${range} (ssl_min_protocol_version${max ? '/ssl_max_protocol_version' : ''})${old ? ', but TLSv1 and TLSv1.1 are refused by this tool’s OpenSSL at its default security level, and Klairr requires TLS 1.2 or newer' : min === 'TLSv1.2' ? ', and the server offers only older TLS, which Klairr refuses' : ''}.`
}
