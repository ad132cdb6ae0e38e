import { failedStagesLegend, type Stage, type Timings } from '../core/checks/stages.js'
import { printable } from '../core/printable.js'
import { wrap } from './command-spec.js'
import type { Style } from './render-report.js'

const WIDTH = 80
const NAME = 37
const NUMBER = 7
/** Two spaces, the name, the start and the duration columns, two spaces, and the bar's two edges. */
const BAR = WIDTH - (2 + NAME + 1 + NUMBER + 1 + NUMBER + 2 + 2)

const RTT_FROM = { ssl_request: 'the SSLRequest answer', tcp_connect: 'the TCP connect' } as const

const ms = (n: number) => String(Math.round(n))

function label(s: Stage): string {
  const text = s.name === 'query batch' ? `${s.check} query batch` : s.name
  return text.length > NAME ? `${text.slice(0, NAME - 1)}…` : text.padEnd(NAME)
}

/** One stage's bar: blank up to its start, then its span (at least one column), scaled to the run's total. */
function bar(s: Stage, total: number, style: Style): string {
  const from = Math.min(BAR - 1, Math.floor((s.startMs / total) * BAR))
  const to = Math.max(from + 1, Math.min(BAR, Math.round(((s.startMs + s.durationMs) / total) * BAR)))
  const span = (s.ok ? '#' : 'x').repeat(to - from)
  const painted = style.color ? `\u001b[${s.ok ? '36' : '31'}m${span}\u001b[0m` : span
  return `|${' '.repeat(from)}${painted}${' '.repeat(BAR - to)}|`
}

/**
 * `check --timings`: the run's waterfall as a plain text chart that fits 80 columns (stage, start and
 * duration in ms, a bar scaled to the whole run; several hosts each under their own heading), then
 * what a slow link means (slow-link.ts). Colour only when the caller's style says so.
 */
export function waterfall(t: Timings, style: Style): string {
  const out: string[] = ['']
  const total = Math.max(1, ...t.stages.map((s) => s.startMs + s.durationMs))
  const rtt =
    t.rttMs !== null && t.rttFrom ? `RTT ${ms(t.rttMs)} ms (from ${RTT_FROM[t.rttFrom]})` : 'RTT unknown'
  out.push(`Timings: ${rtt}, ${ms(total)} ms in all`)
  out.push(`  ${'stage'.padEnd(NAME)} ${'start'.padStart(NUMBER)} ${'ms'.padStart(NUMBER)}`)
  const attempts = new Set(t.stages.map((s) => s.attempt)).size
  let attempt = 0
  for (const s of t.stages) {
    if (attempts > 1 && s.attempt !== attempt) {
      attempt = s.attempt
      out.push(`  ${printable(`host ${s.host ?? '?'} (attempt ${s.attempt})`)}`)
    }
    out.push(
      `  ${printable(label(s))} ${ms(s.startMs).padStart(NUMBER)} ${ms(s.durationMs).padStart(NUMBER)}  ${bar(s, total, style)}`,
    )
  }
  const legend = failedStagesLegend(t.stages)
  if (legend) out.push(`  x: ${legend}`)
  out.push(...slowNotes(t))
  return out.join('\n') + '\n'
}

/** The slow-link notes alone, wrapped: what the CLI prints without --timings. */
export function slowNotes(t: Timings): string[] {
  return t.notes.map((n) => `\nNote: ${wrap(printable(n.text), WIDTH - 6, 6)}`)
}
