import { describe, expect, it } from 'vitest'
import { classifyAddress, describeMismatch } from '../../src-main/core/diagnosis/address-class.js'

describe('address classes', () => {
  it.each([
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.10.20', 'private'],
    ['127.0.0.1', 'loopback'],
    ['::1', 'loopback'],
    ['169.254.1.1', 'link_local'],
    ['fe80::1', 'link_local'],
    ['100.64.0.1', 'cgnat'],
    ['fd00::1', 'ula'],
    ['8.8.8.8', 'public'],
    ['2001:4860:4860::8888', 'public'],
    ['::ffff:10.0.0.1', 'private'],
  ])('%s is %s', (address, expected) => {
    expect(classifyAddress(address)).toBe(expected)
  })

  it('warns when a private address meets "private network: No", and the reverse', () => {
    expect(describeMismatch([{ address: '10.0.0.5', family: 4, class: 'private' }], false)).toMatch(
      /is No, but the host resolves to 10\.0\.0\.5 \(private\)/,
    )
    expect(describeMismatch([{ address: '8.8.8.8', family: 4, class: 'public' }], true)).toMatch(
      /is Yes, but every address of the host is public/,
    )
    expect(describeMismatch([{ address: '8.8.8.8', family: 4, class: 'public' }], false)).toBeNull()
    expect(describeMismatch([{ address: '10.0.0.5', family: 4, class: 'private' }], true)).toBeNull()
  })
})
