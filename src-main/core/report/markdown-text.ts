import { printable, printableLines } from '../printable.js'

// Names and messages in a report come from the admin and from the server: a `|` in a table name must not
// split a table cell, a `*` must not start emphasis, a backtick must not open code, `<` must not open
// HTML. Every inline text goes through `inline`, every block of code through `fenced`; both first show
// control characters escaped (printable), as the CLI does, since a report is also read with `cat`.

/** Markdown's inline punctuation, escaped with a backslash (CommonMark: any ASCII punctuation may be). */
const INLINE_SPECIAL = /[\\`*_[\]<>|~#&!{}]/g

/** One line of text, shown as written: every character Markdown would read as markup is escaped. */
export function inline(text: string): string {
  return printable(text).replace(INLINE_SPECIAL, (c) => `\\${c}`)
}

/** A stable identifier (a check id, a reason code) as inline code: they are `[a-z0-9_]` by construction. */
export function code(id: string): string {
  return `\`${id.replace(/`/g, '')}\``
}

/**
 * A fenced code block holding `text` exactly: the fence is one backtick longer than the longest run of
 * backticks in the text, so nothing inside can close it. Line breaks are kept; control characters are
 * shown escaped.
 */
export function fenced(text: string, language = ''): string {
  const body = printableLines(text)
  const longest = Math.max(0, ...(body.match(/`+/g) ?? []).map((run) => run.length))
  const fence = '`'.repeat(Math.max(3, longest + 1))
  return `${fence}${language}\n${body}\n${fence}`
}
