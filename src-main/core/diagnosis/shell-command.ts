/**
 * Every command line the product prints or copies is built here, from an argv array. Names in it come
 * from the admin, from a pasted URI and from the server's own catalog, so each word is quoted for the
 * shell it will be pasted into: pasting must run exactly the program shown, with exactly those arguments.
 *
 * POSIX shells (sh, bash, zsh, dash): a word that is not plainly safe is put in single quotes, inside
 * which nothing is special ($(…), backticks, `!`, `\`, newlines, globs, non-ASCII all stay literal),
 * and a single quote is written `'\''`. shell-quote (npm) was tried and not used: it leaves non-ASCII
 * bare, falls back to double quotes or backslashes for some words, escapes `|` and `<` so a pipe cannot
 * be expressed, and has no PowerShell form; a ten-line rule is easier to prove (tests/unit/shell-command).
 *
 * PowerShell (what Windows users paste into): single quotes again, inside which only a quote is
 * special, written twice. PowerShell also takes the typographic quotes ‘ ’ ‚ ‛ as single quotes, so
 * those are doubled too. Pitfalls PowerShell keeps for native programs, which no quoting fixes:
 * Windows PowerShell 5.1 (and 7.0–7.2) drops an empty argument and does not escape a `"` inside an
 * argument when it builds the program's command line, and after `--%` nothing is parsed at all — so
 * never paste these after `--%`.
 */

export type ShellDialect = 'posix' | 'powershell'

/** A word of a command: a value, or a `<placeholder>` the admin replaces before running it. */
export type ShellWord = string | { placeholder: string }

/** One program in a pipeline; `stdinNull` gives it an empty standard input (`</dev/null`). */
export interface ShellStage {
  argv: readonly ShellWord[]
  stdinNull?: boolean
}

export interface ShellOptions {
  dialect?: ShellDialect
}

/** The shell a pasted command meets on this platform: PowerShell on Windows, a POSIX shell elsewhere. */
export function defaultDialect(
  platform: string = typeof process === 'undefined' ? 'linux' : process.platform,
): ShellDialect {
  return platform === 'win32' ? 'powershell' : 'posix'
}

// Words left bare because no shell gives any of their characters a meaning. POSIX: no `=` first (zsh
// expands `=cmd`), no `~`, globs, quotes or non-ASCII. PowerShell: stricter, since `@`, `,`, `$`, `(`
// and a leading digit or `-` mean something there; an option such as `-h` stays bare.
const POSIX_BARE = /^[A-Za-z0-9_@%+:,./-][A-Za-z0-9_@%+=:,./-]*$/
const POWERSHELL_BARE = /^(?:[A-Za-z_][A-Za-z0-9_./-]*|-[A-Za-z][A-Za-z0-9_]*|[0-9]+)$/
const PLACEHOLDER = /^[a-z][a-z0-9 _-]*$/

/** The one quoting function: one argument, as a word of the given shell that stands for exactly it. */
export function quoteWord(word: string, dialect: ShellDialect = 'posix'): string {
  if (word.includes('\u0000')) throw new TypeError('a command-line argument cannot hold a NUL character')
  if (dialect === 'powershell') {
    if (POWERSHELL_BARE.test(word) && word !== '--') return word
    return `'${word.replace(/['\u2018\u2019\u201a\u201b]/g, '$&$&')}'`
  }
  if (POSIX_BARE.test(word)) return word
  return `'${word.replace(/'/g, `'\\''`)}'`
}

function renderWord(word: ShellWord, dialect: ShellDialect): string {
  if (typeof word === 'string') return quoteWord(word, dialect)
  if (!PLACEHOLDER.test(word.placeholder)) throw new TypeError(`bad placeholder "${word.placeholder}"`)
  return `<${word.placeholder}>`
}

function renderStage(stage: ShellStage, dialect: ShellDialect, first: boolean): string {
  if (stage.argv.length === 0) throw new TypeError('a command needs a program')
  if (stage.stdinNull && !first) throw new TypeError('only the first program of a pipeline reads no input')
  const words = stage.argv.map((w) => renderWord(w, dialect)).join(' ')
  if (!stage.stdinNull) return words
  // PowerShell has no `<` redirection; piping $null closes the program's input the same way.
  return dialect === 'powershell' ? `$null | ${words}` : `${words} </dev/null`
}

/** Programs joined by pipes (`a | b`), each word quoted by `quoteWord`. */
export function shellPipeline(stages: readonly ShellStage[], opts: ShellOptions = {}): string {
  const dialect = opts.dialect ?? defaultDialect()
  if (stages.length === 0) throw new TypeError('a pipeline needs a program')
  return stages.map((s, i) => renderStage(s, dialect, i === 0)).join(' | ')
}

/** One program and its arguments as a command line to paste, every word quoted by `quoteWord`. */
export function shellCommand(
  argv: readonly ShellWord[],
  opts: ShellOptions & { stdinNull?: boolean } = {},
): string {
  return shellPipeline([{ argv, stdinNull: opts.stdinNull }], opts)
}
