import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

/**
 * No command line is built outside src-main/core/diagnosis/shell-command.ts: a string that starts a
 * program the product tells admins to run, with a value pasted into it (a template substitution or a
 * `+`), is a command built by hand, and its values reach the shell unquoted.
 */

const ROOT = join(import.meta.dirname, '../..')
const FOLDERS = ['src-main', 'src-preload', 'src-renderer']
const ALLOWED = new Set(['src-main/core/diagnosis/shell-command.ts'])
const PROGRAMS =
  'psql|openssl|pg_isready|getent|traceroute|tracert|klairr-companion|Resolve-DnsName|Test-NetConnection'
/** A program name at the start of the text or after a quote, then a space: the start of a command line. */
const COMMAND_START = new RegExp(`(?:^|[\\s"'\`(])(?:${PROGRAMS}) `)
/** `klairr-companion import: …`, a message prefix; `Usage: klairr-companion …`, help. Not commands. */
const NOT_A_COMMAND = new RegExp(`^(?:klairr-companion (?:[\\w-]+|\\x00)?:|Usage: )`)

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name)
    if (e.isDirectory()) return sources(path)
    return /\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts') ? [path] : []
  })
}

/** Prose that names a program and carries a value, read and found not to be a command line. */
const PROSE = [/^klairr-companion serve answered \0\.$/]

/** The literal text of each string built with a value, a NUL where each value goes. */
function builtStrings(file: string, code: string): { text: string; line: number }[] {
  const source = ts.createSourceFile(file, code, ts.ScriptTarget.Latest, true)
  const out: { text: string; line: number }[] = []
  const line = (n: ts.Node) => source.getLineAndCharacterOfPosition(n.getStart()).line + 1
  const visit = (node: ts.Node) => {
    if (ts.isTemplateExpression(node)) {
      const text = node.head.text + node.templateSpans.map((s) => `\0${s.literal.text}`).join('')
      out.push({ text, line: line(node) })
    } else if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken) {
      for (const side of [node.left, node.right])
        if (ts.isStringLiteralLike(side)) out.push({ text: `${side.text}\0`, line: line(node) })
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return out
}

/** Lines of a source that build a command line by hand: a program, then a value pasted in after it. */
function builtByHand(file: string, code: string): string[] {
  const found: string[] = []
  for (const { text, line } of builtStrings(file, code)) {
    for (const textLine of text.split('\n')) {
      const start = COMMAND_START.exec(textLine)
      if (!start || !textLine.slice(start.index).includes('\0')) continue
      const trimmed = textLine.trim()
      if (NOT_A_COMMAND.test(trimmed) || PROSE.some((p) => p.test(trimmed))) continue
      found.push(`${line}: ${JSON.stringify(textLine)}`)
    }
  }
  return found
}

describe('command lines come from shell-command.ts only', () => {
  it('no source file builds one by hand', () => {
    const offenders: string[] = []
    for (const folder of FOLDERS) {
      for (const file of sources(join(ROOT, folder))) {
        const name = relative(ROOT, file).replaceAll('\\', '/')
        if (ALLOWED.has(name)) continue
        offenders.push(...builtByHand(file, readFileSync(file, 'utf8')).map((o) => `${name}:${o}`))
      }
    }
    expect(offenders).toEqual([])
  })

  it.each([
    'const a = `pg_isready -h ${host} -p ${port}`',
    'const b = `getent ahosts ${host}`',
    'const c = `klairr-companion audit ${conninfo} --schema x`',
    'const d = "psql " + conninfo',
    'const e = `Run "klairr-companion check ${flags}" again`',
    'const f = `${a}\\n  openssl s_client -connect ${host}:5432`',
  ])('would catch %s', (code) => {
    expect(builtByHand('probe.ts', code)).toHaveLength(1)
  })
})
