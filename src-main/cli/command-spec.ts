import { InputError } from '../core/connection/conninfo.js'
import { printable } from '../core/printable.js'
import type { Io } from './io.js'
import { parseStrict } from './parse-args.js'
import { UsageError } from './usage-error.js'

/**
 * One command's options, as one table: the parser (node:util parseArgs) and `--help` are both made from
 * it, so a flag cannot be parsed and undocumented, or documented and refused.
 */
export interface OptionSpec {
  /** The long name, without `--`. */
  readonly flag: string
  readonly type: 'string' | 'boolean'
  readonly multiple?: boolean
  readonly short?: string
  /** What the value is called in the help (`NAME`, `FILE`); string options only. */
  readonly argName?: string
  /** One sentence, wrapped by the renderer. */
  readonly help: string
}

export type OptionTable = readonly OptionSpec[]

export interface CommandSpec<T extends OptionTable = OptionTable> {
  name: string
  /** What follows `klairr-companion NAME` on the usage line. */
  usage: string
  /** Paragraphs before the options, each wrapped. */
  description: readonly string[]
  options: T
  /** Paragraphs after the options (where the password comes from, …), each wrapped. */
  notes?: readonly string[]
  examples: readonly { command: string; says: string }[]
  exitStatus: string
}

export const HELP_OPTION = { flag: 'help', type: 'boolean', short: 'h', help: 'show this help' } as const
export const PASSWORD_STDIN_OPTION = {
  flag: 'password-stdin',
  type: 'boolean',
  help: 'read the password from standard input',
} as const

type ValueOf<S extends OptionSpec> = S['type'] extends 'boolean'
  ? boolean
  : S['multiple'] extends true
    ? string[]
    : string

/** The parsed values of a table, typed by its flags. */
export type ValuesOf<T extends OptionTable> = { [S in T[number] as S['flag']]?: ValueOf<S> }

/** Parses argv strictly by the table; bad input throws a UsageError (one line). */
export function parseCommand<T extends OptionTable>(
  spec: CommandSpec<T>,
  argv: string[],
): { values: ValuesOf<T>; positionals: string[] } {
  const options = Object.fromEntries(
    spec.options.map((o) => [
      o.flag,
      { type: o.type, ...(o.multiple ? { multiple: true } : {}), ...(o.short ? { short: o.short } : {}) },
    ]),
  )
  const { values, positionals } = parseStrict(argv, options)
  return { values: values as ValuesOf<T>, positionals }
}

const WIDTH = 80
const COLUMN = 28

/** Words wrapped to lines of at most `room` characters, every line after the first indented by `indent`. */
export function wrap(text: string, room: number, indent: number): string {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > room) {
      lines.push(line)
      line = word
    } else line = line ? `${line} ${word}` : word
  }
  if (line) lines.push(line)
  return lines.join('\n' + ' '.repeat(indent))
}

/** The flag as typed: `-h, --help`, `--role NAME`. */
function flagText(o: OptionSpec): string {
  const value = o.type === 'string' ? ` ${o.argName ?? 'VALUE'}` : ''
  return `${o.short ? `-${o.short}, ` : ''}--${o.flag}${value}`
}

/** `--help` for a command, from the same table its parser reads. */
export function renderHelp(spec: CommandSpec): string {
  const lead = `Usage: klairr-companion ${spec.name} `
  const out = [lead + wrap(spec.usage, WIDTH - lead.length, lead.length), '']
  for (const p of spec.description) out.push(wrap(p, WIDTH, 0), '')
  out.push('Options:')
  for (const o of spec.options) {
    const flag = `  ${flagText(o)}`
    const help = wrap(o.help + (o.multiple ? '; repeat for more' : ''), WIDTH - COLUMN, 0)
      .split('\n')
      .map((l) => ' '.repeat(COLUMN) + l)
    if (flag.length < COLUMN - 1) help[0] = flag.padEnd(COLUMN) + help[0]!.trimStart()
    else help.unshift(flag)
    out.push(...help)
  }
  out.push('')
  for (const p of spec.notes ?? []) out.push(wrap(p, WIDTH, 0), '')
  out.push('Examples:')
  for (const e of spec.examples) out.push(`  ${e.command}`, `      ${wrap(e.says, WIDTH - 6, 6)}`)
  out.push('', wrap(`Exit status: ${spec.exitStatus}`, WIDTH, 0), '')
  return out.join('\n')
}

/**
 * The frame every command's flags go through: `--help` printed from the table (exit 0), bad input as one
 * line on stderr (exit 2), or what `read` made of the values (a number is an exit status: 130 when the
 * password prompt was abandoned).
 */
export async function parseOrExit<T extends OptionTable, R>(
  io: Io,
  spec: CommandSpec<T>,
  read: (parsed: { values: ValuesOf<T>; positionals: string[] }) => R | Promise<R>,
): Promise<R | number> {
  try {
    const parsed = parseCommand(spec, io.argv)
    if ((parsed.values as { help?: boolean }).help) {
      io.stdout.write(renderHelp(spec))
      return 0
    }
    return await read(parsed)
  } catch (e) {
    if (e instanceof UsageError || e instanceof InputError) {
      // One line per problem, whatever the flag or value held: control characters are shown escaped.
      const lines = e instanceof InputError ? e.problems.map((p) => p.message) : [e.message]
      for (const line of lines) io.stderr.write(`klairr-companion ${spec.name}: ${printable(line)}\n`)
      return 2
    }
    throw e
  }
}
