import { slowLinkNotes, type SlowNote } from './slow-link.js'
import type { CheckId } from './types.js'

/** One stage of a run's connection or work, as the waterfall shows it. */
export interface Stage {
  /** What the stage waited for: `dns`, `tcp connect`, `sslrequest`, `tls handshake`, each auth exchange, `query batch`. */
  name: string
  /** The check the stage belongs to (a query batch: the check that sent it). */
  check: CheckId
  /** Milliseconds from the run's start. */
  startMs: number
  durationMs: number
  /** The host tried (`host:port`) and its attempt, counted from 1: several hosts give stages per attempt. */
  host: string | null
  attempt: number
  /** False when the stage ended in an error, a timeout or a cancel (the write probe's refused write is one). */
  ok: boolean
}

/** Where the RTT estimate comes from: the SSLRequest's answer (one round trip), or the TCP connect. */
export type RttSource = 'ssl_request' | 'tcp_connect'

/** The run's waterfall, in the report as `timings`. */
export interface Timings {
  /** The estimated round-trip time of the host judged, or null when no stage could give one. */
  rttMs: number | null
  rttFrom: RttSource | null
  /** In order of their start. */
  stages: Stage[]
  /** What a slow link or a slow stage means for Klairr's queries (slow-link.ts); empty when all is quick. */
  notes: SlowNote[]
}

const round = (ms: number) => Math.round(ms * 10) / 10

/**
 * Records the wall time of each stage of a run, with one call at each stage boundary. It only reads the
 * clock (performance.now()): nothing is sent, nothing waits. Once `timings()` is read it records no more
 * (a session kept after the run is not charged to it).
 */
export class StageRecorder {
  private readonly origin: number
  private readonly stages: Stage[] = []
  private host: string | null = null
  private attemptNo = 0
  private closed = false
  /** The check under way: query batches are named by it. */
  check: CheckId = 'network'

  constructor(private readonly clock: () => number = () => performance.now()) {
    this.origin = clock()
  }

  /** A new attempt at a host: the stages after it carry it. */
  attempt(host: string): void {
    this.host = host
    this.attemptNo += 1
  }

  /**
   * Starts a stage; the function returned ends it (once: later calls do nothing), under the name given
   * then when the stage is only named by how it ends.
   */
  begin(name: string, check: CheckId = this.check): (ok?: boolean, endName?: string) => void {
    const start = this.clock()
    const { host, attemptNo: attempt } = this
    let ended = false
    return (ok = true, endName = name) => {
      if (ended || this.closed) return
      ended = true
      const startMs = round(start - this.origin)
      const durationMs = round(this.clock() - start)
      this.stages.push({ name: endName, check, startMs, durationMs, host, attempt, ok })
    }
  }

  /** Times `work` as one stage, which its settling ends. */
  time<T>(name: string, work: Promise<T>, check?: CheckId): Promise<T> {
    const end = this.begin(name, check)
    return work.then(
      (value) => {
        end()
        return value
      },
      (e: unknown) => {
        end(false)
        throw e
      },
    )
  }

  /** The waterfall so far, and the end of recording. */
  timings(): Timings {
    this.closed = true
    const stages = [...this.stages].sort((a, b) => a.startMs - b.startMs)
    const last = stages.filter((s) => s.ok && s.attempt === this.attemptNo)
    const ssl = last.find((s) => s.name === 'sslrequest')
    const tcp = last.find((s) => s.name === 'tcp connect')
    // The SSLRequest's answer first: a pooler, bastion or load balancer in front answers the TCP connect
    // itself, and only a PostgreSQL message crosses the whole path.
    const from = ssl ?? tcp
    const rttMs = from ? from.durationMs : null
    return {
      rttMs,
      rttFrom: ssl ? 'ssl_request' : tcp ? 'tcp_connect' : null,
      stages,
      notes: slowLinkNotes({ rttMs, stages }),
    }
  }
}

/** Times `work` as a stage when a recorder is given; otherwise `work` as it is. */
export function timed<T>(
  recorder: StageRecorder | undefined,
  check: CheckId,
  name: string,
  work: Promise<T>,
): Promise<T> {
  return recorder ? recorder.time(name, work, check) : work
}

const recorders = new WeakMap<object, StageRecorder>()

/** The session's query batches are recorded (see timedQuery) until the recorder is read. */
export function recordQueries(client: object, recorder: StageRecorder | undefined): void {
  // Without a recorder: a session that outlives its run (the warm sandbox) records no more.
  if (recorder) recorders.set(client, recorder)
  else recorders.delete(client)
}

/** boundedQuery's hook: one query batch on a recorded session, named by the check under way. */
export function timedQuery<T>(client: object, work: Promise<T>): Promise<T> {
  const recorder = recorders.get(client)
  return recorder ? recorder.time('query batch', work) : work
}

/**
 * What a stage that ended in an error means, for the waterfall's legend: in a healthy run only the write
 * probe's query batch does (the server refuses the probed write, as it should), so that is said only when
 * every such stage is a query batch.
 */
export function failedStagesLegend(stages: readonly Stage[]): string | null {
  const failed = stages.filter((s) => !s.ok)
  if (failed.length === 0) return null
  return failed.every((s) => s.name === 'query batch')
    ? 'ended in an error: the write probe’s refused write is one, as it should be'
    : 'ended in an error'
}
