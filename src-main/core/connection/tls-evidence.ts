import type { PeerCertificate, DetailedPeerCertificate, TLSSocket } from 'node:tls'

export interface CertificateFacts {
  subject: string
  issuer: string
  validFrom: string
  validTo: string
  subjectAltName: string | null
  fingerprint256: string
  selfSigned: boolean
}

/** What the TLS check saw; shown in the report and compared again on import. */
export interface TlsEvidence {
  protocol: string | null
  cipher: string | null
  /** Leaf first, then its issuers as the server sent them. */
  chain: CertificateFacts[]
  /** Where the trust anchors came from: `none` (require without a root), `system`, or `file`/`pem`. */
  trust: 'none' | 'system' | 'file' | 'pem'
  /** OpenSSL's verdict on the chain against those anchors, when one was asked for. */
  chainError: string | null
  hostnameChecked: boolean
}

function dn(name: PeerCertificate['subject'] | undefined): string {
  if (!name) return ''
  return Object.entries(name)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`)
    .join(', ')
}

function facts(cert: PeerCertificate): CertificateFacts {
  return {
    subject: dn(cert.subject),
    issuer: dn(cert.issuer),
    validFrom: new Date(cert.valid_from).toISOString(),
    validTo: new Date(cert.valid_to).toISOString(),
    subjectAltName: cert.subjectaltname ?? null,
    fingerprint256: cert.fingerprint256,
    selfSigned: dn(cert.subject) === dn(cert.issuer),
  }
}

/** The peer's chain, leaf first, stopping where an issuer points back at itself. */
export function peerChain(socket: TLSSocket): CertificateFacts[] {
  const chain: CertificateFacts[] = []
  let cert = socket.getPeerCertificate(true) as DetailedPeerCertificate | undefined
  const seen = new Set<string>()
  while (cert && cert.fingerprint256 && !seen.has(cert.fingerprint256) && chain.length < 10) {
    seen.add(cert.fingerprint256)
    chain.push(facts(cert))
    cert = cert.issuerCertificate
  }
  return chain
}
