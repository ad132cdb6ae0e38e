import ipaddr from 'ipaddr.js'

export type AddressClass = 'private' | 'loopback' | 'link_local' | 'cgnat' | 'ula' | 'public' | 'other'

export interface ResolvedAddress {
  address: string
  family: 4 | 6
  class: AddressClass
}

export interface AddressReport {
  host: string
  port: number
  addresses: ResolvedAddress[]
  /** Which address the TCP check connected to, if any. */
  connectedAddress: string | null
  privateNetwork: boolean
  /** A sentence when the addresses contradict the "Host is on a private network" field; null when they agree. */
  mismatch: string | null
}

const RANGE_TO_CLASS: Record<string, AddressClass> = {
  private: 'private',
  loopback: 'loopback',
  linkLocal: 'link_local',
  carrierGradeNat: 'cgnat',
  uniqueLocal: 'ula',
  unicast: 'public',
}

/** Classifies one IP address (v4, v6, or v4-mapped v6) by the ranges Klairr's network field cares about. */
export function classifyAddress(address: string): AddressClass {
  let parsed = ipaddr.parse(address)
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address()
  }
  return RANGE_TO_CLASS[parsed.range()] ?? 'other'
}

/** Classes that Klairr can only reach through a private route (peering, VPN, PrivateLink), or not at all. */
export function isPrivateClass(c: AddressClass): boolean {
  return c !== 'public' && c !== 'other'
}

/** Explains how the resolved addresses disagree with the privateNetwork flag, or returns null. */
export function describeMismatch(addresses: ResolvedAddress[], privateNetwork: boolean): string | null {
  if (addresses.length === 0) return null
  const privateOnes = addresses.filter((a) => isPrivateClass(a.class))
  if (!privateNetwork && privateOnes.length > 0) {
    const list = privateOnes.map((a) => `${a.address} (${a.class})`).join(', ')
    return `"Host is on a private network" is No, but the host resolves to ${list}: Klairr cannot reach that over the internet. Set it to Yes and make sure a private route exists, or use a public endpoint.`
  }
  if (privateNetwork && privateOnes.length === 0) {
    return `"Host is on a private network" is Yes, but every address of the host is public. Set it to No unless Klairr reaches this host through a private endpoint.`
  }
  return null
}
