import type { Stage, Timings } from './stages.js'

/** What a slow link or a slow stage means for Klairr's queries: a stable code and a plain sentence. */
export interface SlowNote {
  code: 'slow_link' | 'slow_tls' | 'slow_auth' | 'slow_query'
  text: string
}

/** Above this RTT the link itself is slow (a distant VPN or bastion). */
export const SLOW_RTT_MS = 150
/** A TLS or authentication exchange is slow past this many RTTs, and past FLOOR_MS. */
export const SLOW_EXCHANGE_RTTS = 4
/** A query batch is slow past this many RTTs, and past SLOW_QUERY_MS. */
export const SLOW_QUERY_RTTS = 10
export const SLOW_QUERY_MS = 500
/** Below this a stage is never called slow, whatever the RTT (on a LAN every stage is many RTTs). */
const FLOOR_MS = 200

const CONNECTING = new Set(['network', 'tls', 'auth'])
const ms = (n: number) => `${Math.round(n)} ms`

/**
 * The notes for a run's waterfall: none when the link and every stage are quick. One place for the rule
 * and its wording: the CLI and the app print these as they are.
 */
export function slowLinkNotes(t: Pick<Timings, 'rttMs' | 'stages'>): SlowNote[] {
  const rtt = t.rttMs
  if (rtt === null) return []
  const judged = t.stages.filter((s) => s.attempt === Math.max(...t.stages.map((x) => x.attempt)))
  const notes: SlowNote[] = []
  if (rtt > SLOW_RTT_MS) {
    // Round trips a new connection waits before its first query: this run's own, plus the query.
    const trips = judged.filter((s) => CONNECTING.has(s.check) && s.name !== 'dns').length + 1
    notes.push({
      code: 'slow_link',
      text: `The link is slow: about ${ms(rtt)} per round trip. Each Klairr question on a new connection waits about ${trips} round trips (connecting, TLS, logging in, and the query itself), roughly ${ms(trips * rtt)} before its answer comes back; on a session kept open, one round trip (${ms(rtt)}).`,
    })
  }
  const over = (s: Stage, rtts: number, floor: number) =>
    s.ok && s.durationMs > rtts * rtt && s.durationMs > floor
  const slowest = (stages: Stage[]) => stages.reduce((a, b) => (b.durationMs > a.durationMs ? b : a))
  const tls = judged.filter((s) => s.check === 'tls' && over(s, SLOW_EXCHANGE_RTTS, FLOOR_MS))
  if (tls.length)
    notes.push({
      code: 'slow_tls',
      text: `The TLS handshake took ${ms(slowest(tls).durationMs)}, far above the ${ms(rtt)} round trip: the server or a TLS proxy in front of it is slow to answer, and every new Klairr connection pays this again.`,
    })
  const auth = judged.filter(
    (s) => s.check === 'auth' && s.name !== 'tcp connect' && over(s, SLOW_EXCHANGE_RTTS, FLOOR_MS),
  )
  if (auth.length) {
    const s = slowest(auth)
    notes.push({
      code: 'slow_auth',
      text: `Logging in took ${ms(s.durationMs)} at "${s.name}", far above the ${ms(rtt)} round trip: the server is slow to authenticate (an LDAP, PAM or RADIUS server behind it, or a serverless host starting up). Every new Klairr connection waits for it; a session kept open does not.`,
    })
  }
  const queries = t.stages.filter((s) => !CONNECTING.has(s.check) && over(s, SLOW_QUERY_RTTS, SLOW_QUERY_MS))
  if (queries.length) {
    const s = slowest(queries)
    notes.push({
      code: 'slow_query',
      text: `A ${s.check} query batch took ${ms(s.durationMs)}, far above the ${ms(rtt)} round trip: the server, not the link, is slow (load, locks or a cold cache), and Klairr's queries will wait for it too.`,
    })
  }
  return notes
}
